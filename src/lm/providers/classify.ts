import { LMCallError, ToolsUnsupportedError, type RateLimitInfo } from "../call-error.js";
import { publicEndpoint } from "../resolve.js";

export interface HttpFailure {
  status: number | undefined;
  /** Provider error type/code from the body (`insufficient_quota`, `overloaded_error`, …). */
  type?: string | null;
  code?: string | null;
  message: string;
  rateLimit?: RateLimitInfo;
  /** The request carried `tools`: a refusal that names them is ToolsUnsupportedError. */
  toolsSent?: boolean;
}

const PROMPT_TOO_LONG = /context[_ ]length|maximum context|prompt is too long|too many tokens|context window/i;
// Anthropic's workspace spend limit is a 400 "You have reached your specified API usage limits".
const OUT_OF_CREDIT = /insufficient_quota|billing_hard_limit|credit balance|spend(ing)? limit|usage limits|quota/i;

// 429s that no wait cures for this request (the endpoint serves others): Anthropic's "Extra usage
// is required for long context requests" (the account may not send prompts that long), and OpenAI's
// "Request too large for <model> … on tokens per min (TPM): Limit 30000, Requested 50000".
const LONG_CONTEXT_NOT_ALLOWED = /extra usage is required|long[- ]context requests?/i;
const REQUEST_TOO_LARGE = /request too large/i;

// Servers that do not do native tool calling, in their words: Ollama "llama3 does not support tools"
// (400), llama.cpp "tools param requires --jinja flag" (500) and "Unsupported param: tools", vLLM
// "\"auto\" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set" (400),
// OpenAI "Unsupported parameter: 'tools' is not supported with this model." (400), and
// "tool_choice … not supported" variants.
const TOOLS_UNSUPPORTED =
  /does not support (tools|tool calling|function calling|functions)|\btools? param(eter)? requires|unsupported param(eter)?:?\s*'?(tools|tool_choice|functions)\b|tool[_ ]choice requires|\b(tools|tool_choice|tool calling|function calling|functions)\b[^.]{0,40}\bnot supported/i;

/** Whether a failure of a request that carried tools says the endpoint does not take them. */
function refusesTools(f: HttpFailure): boolean {
  if (!f.toolsSent) return false;
  const status = f.status;
  if (status !== 400 && status !== 422 && status !== 500 && status !== 501) return false;
  return TOOLS_UNSUPPORTED.test(f.message);
}

/** Whether a 429 says the request itself exceeds the limit (Requested > Limit, when both are given). */
function largerThanLimit(message: string): boolean {
  if (!REQUEST_TOO_LARGE.test(message)) return false;
  const limit = /limit[:\s]+([\d,]+)/i.exec(message)?.[1];
  const requested = /requested[:\s]+([\d,]+)/i.exec(message)?.[1];
  if (limit === undefined || requested === undefined) return true;
  return Number(requested.replace(/,/g, "")) > Number(limit.replace(/,/g, ""));
}

/**
 * How a provider's HTTP failure must be treated. Shared by every provider so that "quota" or
 * "prompt too long" means the same thing everywhere.
 */
export function classifyHttpFailure(provider: string, f: HttpFailure): LMCallError {
  const status = f.status;
  const tag = [f.type, f.code].filter(Boolean).join("/");
  const detail = `${provider} ${status ?? ""}${tag ? ` ${tag}` : ""}: ${f.message}`.replace(/\s+/g, " ").trim();
  const details = { ...(status !== undefined ? { status } : {}), ...(f.rateLimit ? { rateLimit: f.rateLimit } : {}) };
  const quota = OUT_OF_CREDIT.test(`${tag} ${f.message}`);
  if (!quota && refusesTools(f)) return new ToolsUnsupportedError(`the endpoint does not take native tool calls (${detail})`, details);
  // Groq's 400 when the model wrote a tool call its server could not parse or check against the
  // schema: this answer failed, not the request's shape, and it must not stop the command.
  if (status === 400 && f.code === "tool_use_failed") {
    return new LMCallError("rejected", `the model's tool call could not be read by the server (${detail})`, details);
  }
  if (status === 429) {
    if (quota) return new LMCallError("fatal", `out of quota or credit (${detail})`, { ...details, fatalCause: "quota" });
    // Retrying these ~20 times as rate limits would only repeat the same answer.
    if (LONG_CONTEXT_NOT_ALLOWED.test(f.message)) {
      return new LMCallError("rejected", `the prompt is too long for this account's limits: long-context requests need extra usage enabled (${detail})`, details);
    }
    if (largerThanLimit(f.message)) {
      return new LMCallError("rejected", `the request is larger than the account's rate limit allows at all (${detail})`, details);
    }
    return new LMCallError("rate_limit", `rate limited (${detail})`, details);
  }
  if (status === 401) return new LMCallError("fatal", `the API key was rejected (${detail})`, { ...details, fatalCause: "auth" });
  if (status === 403) return new LMCallError("fatal", `access denied (${detail})`, { ...details, fatalCause: "auth" });
  if (status === 402) return new LMCallError("fatal", `payment required (${detail})`, { ...details, fatalCause: "quota" });
  if (status === 404) return new LMCallError("fatal", `model or endpoint not found (${detail})`, { ...details, fatalCause: "unknown_model" });
  if (status === 413 || (status === 400 && PROMPT_TOO_LONG.test(`${tag} ${f.message}`))) {
    return new LMCallError("rejected", `the prompt is too long for the model (${detail})`, details);
  }
  if (status === 400 || status === 422) {
    if (quota) return new LMCallError("fatal", `out of quota or credit (${detail})`, { ...details, fatalCause: "quota" });
    return new LMCallError("fatal", `the request was invalid (${detail})`, { ...details, fatalCause: "invalid_request" });
  }
  if (status === undefined || status === 408 || status === 409 || status >= 500) {
    return new LMCallError("transient", status === 529 ? `overloaded (${detail})` : `server error (${detail})`, details);
  }
  return new LMCallError("fatal", `unexpected response (${detail})`, { ...details, fatalCause: "invalid_request" });
}

/** A response that arrived but is not a usable completion. */
export function malformed(provider: string, what: string): LMCallError {
  return new LMCallError("transient", `${provider}: malformed response (${what})`);
}

/** The SDK gave up because our signal aborted: an AbortError, which the scheduler treats as the caller's. */
export function aborted(): Error {
  const e = new Error("aborted");
  e.name = "AbortError";
  return e;
}

/**
 * The endpoint could not be reached (refused, reset, DNS, TLS): transient. When nothing listens there
 * at all (connection refused, no such host, no route, a port fetch will not use) it is marked
 * `unreachable`, which the scheduler reports at once if the endpoint never answered.
 */
export function unreachable(provider: string, endpoint: string, err: Error): LMCallError {
  const { code, message } = rootCause(err);
  const detail = code ?? message;
  const refused = (code !== undefined && REFUSED_CODES.has(code)) || message === "bad port";
  return new LMCallError("transient", `${provider}: cannot reach ${endpoint} (${redactUrls(detail ?? err.message)})`, refused ? { unreachable: true } : {});
}

/** Connection errors that say nothing listens at the address (rather than a hiccup on the way). */
const REFUSED_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EAI_NONAME"]);

/** The innermost error under the SDK's and fetch's wrappers: its code (ECONNREFUSED …) and message. */
function rootCause(err: Error): { code?: string; message?: string } {
  let found: { code?: string; message?: string } = {};
  let at: unknown = (err as { cause?: unknown }).cause;
  for (let depth = 0; at !== null && typeof at === "object" && depth < 8; depth++) {
    const { code, message, cause } = at as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === "string") found = { code, ...(typeof message === "string" ? { message } : {}) };
    else if (found.code === undefined && typeof message === "string") found = { message };
    at = cause;
  }
  return found;
}

/** URLs in a message (fetch quotes the one it refused) without credentials or query strings. */
export function redactUrls(text: string): string {
  return text.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s"'<>()]+/gi, (url) => publicEndpoint(url));
}

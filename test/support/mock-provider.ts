import http from "node:http";
import type { AddressInfo } from "node:net";
import { realClock } from "../../src/lm/scheduler/clock.js";
import { RateLimiter, writeRetryAfter } from "./mock-provider/rate-limit.js";
import { defaultResponder, forcedTool } from "./mock-provider/responder.js";
import type { MockApi, MockCounts, MockProvider, MockProviderOptions, MockRefusals, MockReply, MockRequest, MockResponder, MockToolCall } from "./mock-provider/types.js";
import { offeredTools, toolRefusal } from "./mock-provider/tool-calls.js";
import {
  anthropicMessage,
  anthropicModel,
  MOCK_MODELS,
  modelList,
  openaiCompletion,
  openaiModel,
  providerError,
  type AnthropicBlock,
  type WireToolCall,
  type WireUsage,
} from "./mock-provider/wire.js";

/**
 * A mock LLM provider over real HTTP on 127.0.0.1: OpenAI chat completions and Anthropic messages,
 * shaped so the official SDKs parse them, with scripted replies, provider-shaped errors, a
 * token-bucket rate limit with the providers' headers, latency, hangs, resets and malformed bodies,
 * native tool calls in both wire formats (`toolCallResponder`), and servers that refuse `tools`
 * (`rejectTools`).
 *
 *   const mock = await startMockProvider();
 *   const openai = new OpenAI({ apiKey: "test", baseURL: mock.openaiBaseUrl, maxRetries: 0 });
 *   const anthropic = new Anthropic({ apiKey: "test", baseURL: mock.anthropicBaseUrl, maxRetries: 0 });
 *   ...
 *   await mock.close();
 */

export { defaultResponder, fnv1a, valueForSchema } from "./mock-provider/responder.js";
export { goDuration, rfc3339Seconds } from "./mock-provider/rate-limit.js";
export { MOCK_MODELS } from "./mock-provider/wire.js";
export { hasToolResult, offeredTools, toolCallResponder, type ToolScript } from "./mock-provider/tool-calls.js";
export type {
  MockApi,
  MockCounts,
  MockProvider,
  MockProviderOptions,
  MockRateLimit,
  MockRefusals,
  MockReply,
  MockRequest,
  MockResponder,
  MockToolCall,
  MockToolRefusal,
} from "./mock-provider/types.js";

const JSON_TYPE = "application/json";

export function startMockProvider(options: MockProviderOptions = {}): Promise<MockProvider> {
  const initialResponder: MockResponder = options.respond ?? defaultResponder;
  let responder = initialResponder;
  const record = options.record ?? true;
  const requests: MockRequest[] = [];
  const counts: MockCounts = { total: 0, ok: 0, rateLimited: 0, errors: 0 };
  let nextIndex = 0;
  const clock = options.clock ?? realClock;
  const limiter = options.rateLimit ? new RateLimiter(options.rateLimit, clock) : undefined;
  /** Cancels of the pending delayed replies. */
  const timers = new Set<() => void>();
  const latency = latencyFn(options.latencyMs);
  /** When the first LLM request arrived: storms count from it. */
  let firstRequestAt: number | undefined;
  const refusals = options.refusals;
  const stampAtAdmission = options.rateLimit?.stamp === "admission";

  const server = http.createServer({ keepAlive: true, noDelay: true }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const raw = chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8");
      route(req, res, raw).catch((err: unknown) => {
        // A bug in the mock or a throwing responder: answer 500 with the reason, never hang.
        counts.errors++;
        const api: MockApi = req.url?.includes("/messages") ? "anthropic" : "openai";
        const message = `mock provider: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
        sendJson(res, 500, providerError(api, 500, { message }, "", "req_mock_error"), {});
      });
    });
  });
  // Idle keep-alive sockets stay open well past any client pool's own timeout.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0;

  async function route(req: http.IncomingMessage, res: http.ServerResponse, raw: string): Promise<void> {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const method = req.method ?? "GET";
    const headerApi: MockApi = req.headers["anthropic-version"] !== undefined || req.headers["x-api-key"] !== undefined ? "anthropic" : "openai";

    if (method === "POST" && (path === "/v1/chat/completions" || path === "/chat/completions")) return llm("openai", req, res, raw);
    if (method === "POST" && path === "/v1/messages") return llm("anthropic", req, res, raw);
    if (method === "GET" && (path === "/v1/models" || path === "/models")) {
      if (!authorized(req)) return sendJson(res, 401, providerError(headerApi, 401, {}, "", "req_mock_models"), {});
      return sendJson(res, 200, modelList(headerApi), {});
    }
    const one = /^\/(?:v1\/)?models\/(.+)$/.exec(path);
    if (method === "GET" && one) {
      const id = decodeURIComponent(one[1]!);
      const known = (MOCK_MODELS[headerApi] as string[]).includes(id);
      if (!known) return sendJson(res, 404, providerError(headerApi, 404, {}, id, "req_mock_models"), {});
      return sendJson(res, 200, headerApi === "openai" ? openaiModel(id) : anthropicModel(id), {});
    }
    const message = `Invalid URL (${method} ${path})`;
    return sendJson(res, 404, providerError(headerApi, 404, { message, code: headerApi === "openai" ? "unknown_url" : undefined }, "", "req_mock_404"), {});
  }

  function authorized(req: http.IncomingMessage): boolean {
    if (options.requireKey === undefined) return true;
    const bearer = req.headers.authorization;
    const xKey = req.headers["x-api-key"];
    return bearer === `Bearer ${options.requireKey}` || xKey === options.requireKey;
  }

  async function llm(api: MockApi, req: http.IncomingMessage, res: http.ServerResponse, raw: string): Promise<void> {
    counts.total++;
    let body: any;
    try {
      body = JSON.parse(raw);
    } catch {
      counts.errors++;
      const message = api === "openai" ? "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)" : "There was an error parsing the body of your request.";
      return sendJson(res, 400, providerError(api, 400, { message }, "", "req_mock_badjson"), {});
    }
    const index = nextIndex++;
    const requestId = `req_mock_${index}`;
    const mreq = normalize(api, index, body, req.headers);
    mreq.url = req.url ?? "";
    if (record) requests.push(mreq);
    const model = mreq.model;
    const headers: Record<string, string> = { [api === "openai" ? "x-request-id" : "request-id"]: requestId };

    // Headers stamped at admission (or at the refusal) are the ones sent, however late the reply.
    let stamped: Record<string, string> | undefined;
    const stampNow = () => {
      if (!limiter?.sendHeaders || !stampAtAdmission) return;
      stamped = {};
      limiter.writeHeaders(api, stamped);
    };
    const writeRateHeaders = () => {
      if (stamped) Object.assign(headers, stamped);
      else if (limiter?.sendHeaders) limiter.writeHeaders(api, headers);
    };
    const fail = (status: number, given: { type?: string; code?: string; message?: string }, extra?: Record<string, string>) => {
      if (status === 429) counts.rateLimited++;
      else counts.errors++;
      writeRateHeaders();
      if (extra) Object.assign(headers, extra);
      sendJson(res, status, providerError(api, status, given, model, requestId), headers);
    };
    const delay = latency(index);

    if (!authorized(req)) return later(res, delay, () => fail(401, {}));
    const invalid = validate(api, body);
    if (invalid) return later(res, delay, () => fail(400, { message: invalid }));
    if (options.rejectTools && offeredTools(mreq).length > 0) {
      const refusal = toolRefusal(options.rejectTools, model);
      return later(res, delay, () => fail(refusal.status, refusal));
    }

    firstRequestAt ??= clock.now();
    if (refusals && refused(refusals, index, clock.now() - firstRequestAt)) {
      stampNow();
      const retry: Record<string, string> = {};
      writeRetryAfter(retry, refusals.retryAfterMs ?? 1000);
      const message = "The server is receiving too many requests right now. Please try again later.";
      return later(res, delay, () => fail(429, api === "openai" ? { type: "requests", code: "rate_limit_exceeded", message } : { message }, retry));
    }

    const promptTokens = estimateTokens(mreq);
    if (limiter) {
      const admission = limiter.admit(promptTokens);
      stampNow();
      if (!admission.ok) {
        const retry: Record<string, string> = {};
        writeRetryAfter(retry, admission.waitMs);
        const limit = admission.which === "requests" ? limiter.requests.perMinute : limiter.tokens!.perMinute;
        const wait = `${(admission.waitMs / 1000).toFixed(3)}s`;
        const message =
          api === "openai"
            ? `Rate limit reached for ${model} on ${admission.which} per min (${admission.which === "requests" ? "RPM" : "TPM"}): Limit ${limit}. Please try again in ${wait}.`
            : `This request would exceed the rate limit for your organization of ${limit} ${admission.which === "requests" ? "requests" : "tokens"} per minute. Please try again in ${wait}.`;
        const given = api === "openai" ? { type: admission.which, code: "rate_limit_exceeded", message } : { message };
        return later(res, delay, () => fail(429, given, retry));
      }
    }

    const reply = await responder(mreq);
    later(res, delay, () => deliver(reply));

    function deliver(r: MockReply): void {
      if (res.destroyed || res.writableEnded) return;
      switch (r.kind) {
        case "text":
        case "json": {
          const tool = r.kind === "json" && api === "anthropic" ? forcedTool(body) : undefined;
          const text = r.kind === "text" ? r.text : JSON.stringify(r.value);
          const given = r.kind === "text" ? r.usage : undefined;
          const completion = given?.completion ?? Math.ceil((tool ? JSON.stringify(r.kind === "json" ? r.value : {}) : text).length / 4);
          const usage: WireUsage = { prompt: given?.prompt ?? promptTokens, completion, cached: given?.cached ?? 0 };
          limiter?.charge(completion);
          writeRateHeaders();
          if (r.kind === "text" && r.headers) Object.assign(headers, r.headers);
          counts.ok++;
          if (api === "openai") return sendJson(res, 200, openaiCompletion(`chatcmpl-mock${index}`, model, text, usage), headers);
          const block: AnthropicBlock =
            tool && r.kind === "json" ? { type: "tool_use", id: `toolu_mock${index}`, name: tool.name, input: r.value } : { type: "text", text };
          return sendJson(res, 200, anthropicMessage(`msg_mock${index}`, model, [block], usage), headers);
        }
        case "tool_calls": {
          const calls = r.calls.map((c, n) => wireCall(c, api === "openai" ? `call_mock${index}_${n}` : `toolu_mock${index}_${n}`));
          const text = r.text ?? "";
          const completion = r.usage?.completion ?? Math.ceil((text + JSON.stringify(calls)).length / 4);
          const usage: WireUsage = { prompt: r.usage?.prompt ?? promptTokens, completion, cached: r.usage?.cached ?? 0 };
          limiter?.charge(completion);
          writeRateHeaders();
          counts.ok++;
          if (api === "openai") return sendJson(res, 200, openaiCompletion(`chatcmpl-mock${index}`, model, text, usage, calls), headers);
          const blocks: AnthropicBlock[] = text === "" ? [] : [{ type: "text", text }];
          for (const c of calls) blocks.push({ type: "tool_use", id: c.id, name: c.name, input: anthropicInput(c.arguments) });
          return sendJson(res, 200, anthropicMessage(`msg_mock${index}`, model, blocks, usage), headers);
        }
        case "error":
          return fail(r.status, { type: r.type, code: r.code, message: r.message }, r.headers);
        case "hang":
          return; // The socket closes when the client aborts, or on close().
        case "slow":
          return later(res, r.ms, () => deliver(r.reply));
        case "malformed": {
          counts.errors++;
          res.writeHead(r.status ?? 200, { "content-type": JSON_TYPE, "content-length": Buffer.byteLength(r.body), ...headers });
          res.end(r.body);
          return;
        }
        case "reset": {
          counts.errors++;
          const socket = req.socket as import("node:net").Socket & { resetAndDestroy?: () => void };
          if (typeof socket.resetAndDestroy === "function") socket.resetAndDestroy();
          else socket.destroy();
          return;
        }
      }
    }
  }

  /** Runs `fn` after `ms` (at once for 0); the timer dies with the request or on close(). */
  function later(res: http.ServerResponse, ms: number, fn: () => void): void {
    if (ms <= 0) return fn();
    const stop = clock.timer(ms, () => {
      timers.delete(cancel);
      res.off("close", cancel);
      fn();
    });
    const cancel = () => {
      stop();
      timers.delete(cancel);
    };
    timers.add(cancel);
    res.once("close", cancel);
  }

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      const { port } = server.address() as AddressInfo;
      const url = `http://127.0.0.1:${port}`;
      let closing: Promise<void> | undefined;
      resolve({
        url,
        openaiBaseUrl: `${url}/v1`,
        anthropicBaseUrl: url,
        requests,
        counts,
        setResponder(fn: MockResponder) {
          responder = fn;
        },
        reset() {
          requests.length = 0;
          counts.total = counts.ok = counts.rateLimited = counts.errors = 0;
          nextIndex = 0;
          firstRequestAt = undefined;
          limiter?.reset();
          responder = initialResponder;
        },
        close() {
          if (closing) return closing;
          for (const cancel of [...timers]) cancel();
          closing = new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          });
          return closing;
        },
      });
    });
  });
}

/** A scripted tool call with its id and its arguments as JSON text (raw text kept as is). */
function wireCall(c: MockToolCall, id: string): WireToolCall {
  return { id: c.id ?? id, name: c.name, arguments: typeof c.arguments === "string" ? c.arguments : JSON.stringify(c.arguments) };
}

/** Arguments as Anthropic's `input` object: `{}` when the text is not a JSON object. */
function anthropicInput(args: string): unknown {
  try {
    const value: unknown = JSON.parse(args);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? value : {};
  } catch {
    return {};
  }
}

function sendJson(res: http.ServerResponse, status: number, value: unknown, headers: Record<string, string>): void {
  if (res.destroyed || res.writableEnded) return;
  const text = JSON.stringify(value);
  headers["content-type"] = JSON_TYPE;
  headers["content-length"] = String(Buffer.byteLength(text));
  res.writeHead(status, headers);
  res.end(text);
}

/** Content as text: strings as is, content parts / blocks joined by newlines. */
function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return content == null ? "" : JSON.stringify(content);
  const parts: string[] = [];
  for (const part of content) {
    if (typeof part === "string") parts.push(part);
    else if (part && typeof part.text === "string") parts.push(part.text);
    else if (part?.type === "tool_use") parts.push(JSON.stringify(part.input ?? {}));
    else if (part?.type === "tool_result") parts.push(textOf(part.content));
  }
  return parts.join("\n");
}

function normalize(api: MockApi, index: number, body: any, headers: http.IncomingHttpHeaders): MockRequest {
  const list: any[] = Array.isArray(body?.messages) ? body.messages : [];
  const messages = list.map((m) => ({ role: String(m?.role ?? ""), content: textOf(m?.content) }));
  let system: string | undefined;
  if (api === "openai") {
    const sys = messages.filter((m) => m.role === "system" || m.role === "developer");
    if (sys.length > 0) system = sys.map((m) => m.content).join("\n\n");
  } else if (body?.system !== undefined) {
    system = textOf(body.system);
  }
  const req: MockRequest = { api, index, model: typeof body?.model === "string" ? body.model : "", messages, body, headers };
  if (system !== undefined) req.system = system;
  return req;
}

/** What the real API would reject before answering (the parts a client is likely to get wrong). */
function validate(api: MockApi, body: any): string | undefined {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return "The request body must be a JSON object.";
  if (typeof body.model !== "string" || body.model === "") return api === "openai" ? "you must provide a model parameter" : "model: Field required";
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return api === "openai" ? "[] is too short - 'messages'" : "messages: at least one message is required";
  }
  if (body.stream === true) return "stream: the mock provider does not support streaming";
  if (api === "anthropic") {
    if (typeof body.max_tokens !== "number") return "max_tokens: Field required";
    const bad = body.messages.findIndex((m: any) => m?.role !== "user" && m?.role !== "assistant");
    if (bad >= 0) {
      return `messages.${bad}.role: Input should be 'user' or 'assistant' (a system prompt goes in the top-level \`system\` parameter)`;
    }
  }
  return undefined;
}

/** Roughly characters / 4 of the prompt (system and every message). */
function estimateTokens(req: MockRequest): number {
  let chars = req.api === "anthropic" ? (req.system?.length ?? 0) : 0;
  for (const m of req.messages) chars += m.content.length;
  return Math.max(1, Math.ceil(chars / 4));
}

/** Whether a refusal rule answers this request 429 (`elapsedMs`: since the first request arrived). */
function refused(r: MockRefusals, index: number, elapsedMs: number): boolean {
  if (r.first !== undefined && index < r.first) return true;
  return r.storm !== undefined && elapsedMs % r.storm.periodMs < r.storm.durationMs;
}

/** Latency per request index: fixed, or drawn deterministically from [min, max]. */
function latencyFn(spec: MockProviderOptions["latencyMs"]): (index: number) => number {
  if (spec === undefined) return () => 0;
  if (typeof spec === "number") return () => Math.max(0, spec);
  const { min, max } = spec;
  return (index) => {
    // mulberry32, seeded by the index: the same run gets the same latencies.
    let t = (index + 0x6d2b79f5) | 0;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const r = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return Math.max(0, Math.round(min + r * (max - min)));
  };
}

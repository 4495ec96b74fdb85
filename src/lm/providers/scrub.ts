import { LMCallError, ToolsUnsupportedError } from "../call-error.js";

/** What stands in for a secret in messages. */
export const REDACTED = "[redacted]";

/**
 * Text shaped like a credential, whoever's: provider keys (OpenAI sk-…, sk-proj-…, Anthropic
 * sk-ant-…, Google AIza…, Groq gsk_…, xAI xai-…, Hugging Face hf_…, GitHub ghp_…), the value of an
 * Authorization header, and `api_key=…`-style assignments. A provider that echoes a request back in
 * its error (a proxy, a misconfigured gateway, a mock) must not put any of these on screen or disk.
 */
const KEY_SHAPES: readonly [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  [/\b(?:sk|rk|pk)-[A-Za-z0-9_-]{16,}/g, REDACTED],
  [/\bAIza[0-9A-Za-z_-]{30,}/g, REDACTED],
  [/\b(?:gsk|hf|ghp|gho|ghu|ghs|github_pat|r8)_[A-Za-z0-9_]{16,}/g, REDACTED],
  [/\b(?:xai|pplx)-[A-Za-z0-9_-]{16,}/g, REDACTED],
  [/\b((?:x-)?api[-_]?key|access[-_]?token|auth[-_]?token|secret|password)(["']?\s*[=:]\s*["']?)[^\s"'&,;)]{6,}/gi, `$1$2${REDACTED}`],
];

/** Secrets shorter than this are not searched for: they would match ordinary words (`ollama`). */
const MIN_SECRET_LENGTH = 8;

/** `text` with every known secret (the key in use, a base URL's password…) and anything key-shaped replaced. */
export function scrubSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  // Longest first, so a secret that contains another is removed whole.
  for (const secret of [...secrets].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join(REDACTED);
  }
  for (const [shape, replacement] of KEY_SHAPES) out = out.replace(shape, replacement);
  return out;
}

/**
 * A provider's failure with its message scrubbed (see scrubSecrets), ready to be printed or stored.
 * Applied to everything a provider throws, in one place per provider; anything that is not an
 * LMCallError (the caller's own abort) passes through.
 */
export function scrubbed(err: unknown, secrets: readonly string[]): unknown {
  if (!(err instanceof LMCallError)) return err;
  const message = scrubSecrets(err.message, secrets);
  if (message === err.message) return err;
  if (err instanceof ToolsUnsupportedError) return new ToolsUnsupportedError(message, err.status !== undefined ? { status: err.status } : {});
  return new LMCallError(err.kind, message, {
    ...(err.status !== undefined ? { status: err.status } : {}),
    ...(err.fatalCause !== undefined ? { fatalCause: err.fatalCause } : {}),
    ...(err.rateLimit !== undefined ? { rateLimit: err.rateLimit } : {}),
  });
}

/** Runs `work`, scrubbing whatever it throws (see scrubbed). */
export async function scrubbingErrors<T>(secrets: readonly string[], work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw scrubbed(err, secrets);
  }
}

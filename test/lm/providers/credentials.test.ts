import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LMCallError } from "../../../src/lm/call-error.js";
import { AnthropicProvider } from "../../../src/lm/providers/anthropic.js";
import { OpenAIProvider } from "../../../src/lm/providers/openai.js";
import { REDACTED, scrubSecrets } from "../../../src/lm/providers/scrub.js";
import type { ProviderClient } from "../../../src/lm/providers/types.js";
import type { LMRequest } from "../../../src/lm/types.js";
import { startMockProvider, type MockProvider, type MockRequest } from "../../support/mock-provider.js";

const KEY = "sk-proj-CANARY-3c1f9e7a5b2d4f6a8c0e";
const ANTHROPIC_KEY = "sk-ant-CANARY-0d9b7f5e3c1a2b4d";

let mock: MockProvider;
beforeAll(async () => {
  mock = await startMockProvider();
});
afterAll(() => mock.close());
beforeEach(() => mock.reset());

const request: LMRequest = {
  model: "x",
  messages: [{ role: "user", content: "Hello there" }],
  temperature: 0,
  maxTokens: 64,
  sample: 0,
  meta: { purpose: "predict", adapter: "chat", signature: { inputs: [], outputs: [] }, instruction: "", demos: [], inputs: {} },
};
const ctx = { signal: undefined, timeoutMs: 60_000 };

/** A base URL of the mock with `user:password@` before the host. */
function withUserInfo(base: string, user: string, password: string): string {
  const u = new URL(base);
  u.username = user;
  u.password = password;
  return u.toString().replace(/\/$/, "");
}

const openai = (baseURL: string, apiKey = KEY) =>
  new OpenAIProvider({ provider: "openai", model: "gpt-4.1-mini", apiKey, baseURL, official: false, structuredOutput: false, prices: undefined });
const anthropic = (baseURL: string, apiKey = ANTHROPIC_KEY) => new AnthropicProvider({ model: "claude-haiku-4-5", apiKey, baseURL, prices: undefined });

describe("credentials in a base URL", () => {
  it("OpenAI-compatible: user:password@ becomes an Authorization: Basic header in place of the Bearer key, and leaves the URL", async () => {
    const r = await openai(withUserInfo(mock.openaiBaseUrl, "alice", "p@ss:wörd")).attempt(request, ctx);
    expect(r.value.text).toBeTruthy();
    const sent = mock.requests[0]!;
    expect(sent.headers.authorization).toBe(`Basic ${Buffer.from("alice:p@ss:wörd").toString("base64")}`);
    expect(JSON.stringify(sent.headers)).not.toContain(KEY);
    expect(sent.url).toBe("/v1/chat/completions");
  });

  it("keeps a query (?api-key=) and credentials together", async () => {
    await openai(`${withUserInfo(mock.openaiBaseUrl, "bob", "secret-pw")}?api-key=gateway-key`).attempt(request, ctx);
    const sent = mock.requests[0]!;
    expect(sent.headers.authorization).toBe(`Basic ${Buffer.from("bob:secret-pw").toString("base64")}`);
    expect(sent.url).toBe("/v1/chat/completions?api-key=gateway-key");
  });

  it("Anthropic: the Basic header goes along with the key, which stays in x-api-key", async () => {
    await anthropic(withUserInfo(mock.anthropicBaseUrl, "carol", "pw-anthropic")).attempt(request, ctx);
    const sent = mock.requests[0]!;
    expect(sent.headers.authorization).toBe(`Basic ${Buffer.from("carol:pw-anthropic").toString("base64")}`);
    expect(sent.headers["x-api-key"]).toBe(ANTHROPIC_KEY);
  });

  it("without credentials in the URL, the OpenAI key goes as Bearer as before", async () => {
    await openai(mock.openaiBaseUrl).attempt(request, ctx);
    expect(mock.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
  });
});

/** A provider error body that repeats every credential the request carried. */
function echo(status: number) {
  return (req: MockRequest) => ({
    kind: "error" as const,
    status,
    message: `denied: authorization=${String(req.headers.authorization)} x-api-key=${String(req.headers["x-api-key"])} url=${req.url} key ${KEY} ${ANTHROPIC_KEY}`,
  });
}

async function failure(provider: ProviderClient): Promise<LMCallError> {
  const err = await provider.attempt(request, ctx).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(LMCallError);
  return err as LMCallError;
}

describe("provider error text", () => {
  it.each([401, 429, 500, 400])("never carries the key in use, the URL's password or query, nor anything key-shaped (status %i)", async (status) => {
    mock.setResponder(echo(status));
    const base = `${withUserInfo(mock.openaiBaseUrl, "dave", "url-password-123")}?api-key=query-secret-456`;
    for (const provider of [openai(base), openai(mock.openaiBaseUrl), anthropic(withUserInfo(mock.anthropicBaseUrl, "dave", "url-password-123"))]) {
      const err = await failure(provider);
      for (const secret of [KEY, ANTHROPIC_KEY, "url-password-123", "query-secret-456", Buffer.from("dave:url-password-123").toString("base64")]) {
        expect(err.message).not.toContain(secret);
      }
      expect(err.message).toContain(REDACTED);
      // What the error means is kept: the status and the kind.
      expect(err.status).toBe(status);
      expect(err.message).toContain("denied");
    }
  });
});

describe("scrubSecrets", () => {
  it("removes the secrets it is given and key-shaped text, and leaves ordinary words alone", () => {
    expect(scrubSecrets("bad key my-own-secret-key for ollama", ["my-own-secret-key", "ollama"])).toBe(`bad key ${REDACTED} for ollama`);
    expect(scrubSecrets("Incorrect API key provided: sk-proj-abcdefghijklmnop1234.")).toBe(`Incorrect API key provided: ${REDACTED}.`);
    expect(scrubSecrets("x-api-key: sk-ant-api03-abcdefghijklmnopqrstu")).toBe(`x-api-key: ${REDACTED}`);
    expect(scrubSecrets("sent Authorization: Bearer abc.def-ghi_jkl and Basic YWxpY2U6cHc=")).toBe(`sent Authorization: Bearer ${REDACTED} and Basic ${REDACTED}`);
    expect(scrubSecrets('{"api_key": "hunter2hunter2"} password=swordfish1')).toBe(`{"api_key": "${REDACTED}"} password=${REDACTED}`);
    expect(scrubSecrets("gsk_abcdefghijklmnopqrst AIzaSyA1234567890abcdefghijklmnopqrstu hf_abcdefghijklmnopqrstu")).toBe(`${REDACTED} ${REDACTED} ${REDACTED}`);
    const ordinary = "This model's maximum context length is 8192 tokens; max_tokens: 100000 is too large (task-runner sk-1)";
    expect(scrubSecrets(ordinary)).toBe(ordinary);
  });
});

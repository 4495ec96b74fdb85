import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMockProvider, type MockProvider } from "../support/mock-provider.js";
import { ROOT, runCli } from "../support/cli.js";

const TRIAGE = path.join(ROOT, "programs/support-triage.yaml");
const SECRET = "sk-dspx-test-SECRET-0123456789";
let mock: MockProvider;
let dir: string;

beforeAll(async () => {
  mock = await startMockProvider();
  dir = await mkdtemp(path.join(os.tmpdir(), "dspx-providers-"));
});
afterAll(() => mock.close());
beforeEach(() => mock.reset());

/** Runs dspx against the mock with a fresh database per test unless one is given. */
function dspx(args: string[], env: Record<string, string | undefined> = {}, db = path.join(dir, `${Math.random().toString(36).slice(2)}.db`)) {
  return runCli(args, { env: { OPENAI_API_KEY: SECRET, DSPX_DB: db, ...env } });
}

const openaiArgs = () => ["--lm", "openai:gpt-4.1-mini", "--base-url", mock.openaiBaseUrl];

describe("eval against a provider", () => {
  it("evaluates through the official OpenAI SDK, counts tokens and cost", async () => {
    const r = await dspx(["eval", TRIAGE, ...openaiArgs(), "--limit", "10", "--json"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.model).toBe("openai:gpt-4.1-mini");
    expect(report.summary.done).toBe(10);
    expect(report.summary.errors).toBe(0);
    expect(report.summary.calls).toBe(10);
    expect(report.summary.costUsd).toBeGreaterThan(0);
    expect(report.summary.usage.promptTokens).toBeGreaterThan(0);
    expect(mock.requests).toHaveLength(10);
    expect(mock.requests.every((q) => q.model === "gpt-4.1-mini")).toBe(true);
  });

  it("answers a re-run from the cache: no request sent, nothing spent, same scores", async () => {
    const db = path.join(dir, "cache.db");
    const first = JSON.parse((await dspx(["eval", TRIAGE, ...openaiArgs(), "--limit", "8", "--json"], {}, db)).stdout);
    const sent = mock.requests.length;
    // --no-memo: evaluate again rather than reuse the recorded results, so the calls reach the cache.
    const second = JSON.parse((await dspx(["eval", TRIAGE, ...openaiArgs(), "--limit", "8", "--json", "--no-memo"], {}, db)).stdout);
    expect(mock.requests.length).toBe(sent);
    expect(second.summary.cachedCalls).toBe(8);
    expect(second.summary.costUsd).toBe(0);
    expect(second.results.map((x: { score: number }) => x.score)).toEqual(first.results.map((x: { score: number }) => x.score));
    const bypass = await dspx(["eval", TRIAGE, ...openaiArgs(), "--limit", "8", "--json", "--no-cache", "--no-memo"], {}, db);
    expect(bypass.code).toBe(0);
    expect(mock.requests.length).toBe(sent + 8);
    const stats = await dspx(["cache", "stats", "--json"], {}, db);
    expect(JSON.parse(stats.stdout)).toMatchObject({ entries: 8, hits: 8 });
    const cleared = await dspx(["cache", "clear", "--older-than", "30d", "--json"], {}, db);
    expect(JSON.parse(cleared.stdout).removed).toBe(0);
    const all = await dspx(["cache", "clear", "--json"], {}, db);
    expect(JSON.parse(all.stdout).removed).toBe(8);
  });

  it("never writes the API key to the database or the output", async () => {
    const db = path.join(dir, "secret.db");
    const r = await dspx(["eval", TRIAGE, ...openaiArgs(), "--limit", "3", "--json"], {}, db);
    expect(r.code).toBe(0);
    expect(mock.requests[0]!.headers.authorization).toBe(`Bearer ${SECRET}`);
    for (const file of [db, `${db}-wal`]) {
      const bytes = await readFile(file).catch(() => Buffer.alloc(0));
      expect(bytes.includes(SECRET)).toBe(false);
    }
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });

  it("talks to Anthropic through its SDK (ANTHROPIC_BASE_URL)", async () => {
    const r = await dspx(["eval", TRIAGE, "--lm", "anthropic:claude-haiku-4-5", "--limit", "4", "--json"], {
      ANTHROPIC_API_KEY: "sk-ant-test",
      ANTHROPIC_BASE_URL: mock.anthropicBaseUrl,
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).summary.done).toBe(4);
    expect(mock.requests.every((q) => q.api === "anthropic" && q.headers["anthropic-version"] === "2023-06-01")).toBe(true);
  });

  it("picks OpenAI with its default model when only OPENAI_API_KEY is set, reading a .env file", async () => {
    const cwd = await mkdtemp(path.join(os.tmpdir(), "dspx-dotenv-"));
    await writeFile(path.join(cwd, ".env"), `OPENAI_API_KEY=${SECRET}\nOPENAI_BASE_URL=${mock.openaiBaseUrl}\n`);
    const r = await runCli(["eval", TRIAGE, "--limit", "2", "--json"], { cwd, env: { DSPX_DB: path.join(cwd, "x.db") } });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).model).toBe("openai:gpt-4.1-mini");
    expect(r.stderr).not.toContain("running on `sim`");
    expect(mock.requests).toHaveLength(2);
  });

  it("shows an unknown model's cost as unknown, and refuses a cost cap it cannot enforce", async () => {
    const r = await dspx(["eval", TRIAGE, "--lm", "openai:my-finetune", "--base-url", mock.openaiBaseUrl, "--limit", "2"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("cost unknown");
    const capped = await dspx(["eval", TRIAGE, "--lm", "openai:my-finetune", "--base-url", mock.openaiBaseUrl, "--max-usd", "1"]);
    expect(capped.code).toBe(2);
    expect(capped.stderr).toContain("--max-usd: the price of openai:my-finetune is unknown");
  });

  it("stops dispatching at --max-usd and says so", async () => {
    mock.setResponder(() => ({ kind: "text", text: "[[ ## reasoning ## ]]\nx\n\n[[ ## team ## ]]\nbilling\n\n[[ ## urgency ## ]]\nlow\n\n[[ ## completed ## ]]", usage: { prompt: 100_000, completion: 0 } }));
    // 100k prompt tokens at $0.40/M = $0.04 per example; the cap allows about 3.
    const r = await dspx(["eval", TRIAGE, ...openaiArgs(), "--max-usd", "0.1", "--concurrency", "1", "--json"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.summary.stopped).toBe("budget");
    expect(report.summary.done).toBe(3);
    expect(report.summary.costUsd).toBeCloseTo(0.12, 6);
  });
});

describe("provider failures", () => {
  it("stops at once on a rejected key with exit 3 and a clear message", async () => {
    mock.setResponder(() => ({ kind: "error", status: 401 }));
    const r = await dspx(["eval", TRIAGE, ...openaiArgs(), "--concurrency", "4"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("the API key was rejected");
    // one line, naming the endpoint once
    expect(r.stderr).toContain(`error: openai:gpt-4.1-mini @ ${mock.openaiBaseUrl}: authentication failed`);
    expect(r.stderr.split("openai:gpt-4.1-mini @").length - 1).toBe(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr).not.toContain(SECRET);
    expect(mock.requests.length).toBeLessThanOrEqual(4);
  });

  it("stops on exhausted quota with exit 3", async () => {
    mock.setResponder(() => ({ kind: "error", status: 429, code: "insufficient_quota" }));
    const r = await dspx(["eval", TRIAGE, ...openaiArgs()]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("out of quota or credit");
  });

  it("needs a key for a remote endpoint, and none for a loopback one", async () => {
    const r = await dspx(["eval", TRIAGE, "--lm", "openai:gpt-4.1-mini", "--limit", "1"], { OPENAI_API_KEY: undefined });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("OPENAI_API_KEY is not set");
    const local = await dspx(["eval", TRIAGE, ...openaiArgs(), "--limit", "1", "--json"], { OPENAI_API_KEY: undefined });
    expect(local.code).toBe(0);
    expect(mock.requests[0]!.headers.authorization).toBe("Bearer dspx-no-key");
  });

  it("retries transient failures and 429s, then succeeds", async () => {
    const seen = new Map<string, number>();
    mock.setResponder((req) => {
      const key = req.messages[req.messages.length - 1]!.content;
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      if (n === 1) return { kind: "error", status: 500 };
      if (n === 2) return { kind: "error", status: 429, headers: { "retry-after-ms": "50" } };
      return { kind: "text", text: "[[ ## reasoning ## ]]\nx\n\n[[ ## team ## ]]\nbilling\n\n[[ ## urgency ## ]]\nlow\n\n[[ ## completed ## ]]" };
    });
    const r = await dspx(["eval", TRIAGE, ...openaiArgs(), "--limit", "4", "--json"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.summary.errors).toBe(0);
    expect(mock.requests.length).toBe(12);
  });

  it("records a request that keeps timing out as that example's error and goes on", async () => {
    mock.setResponder((req) =>
      req.messages[req.messages.length - 1]!.content.includes("android-7f3a") ? { kind: "hang" } : { kind: "text", text: "[[ ## reasoning ## ]]\nx\n\n[[ ## team ## ]]\nsecurity\n\n[[ ## urgency ## ]]\nhigh\n\n[[ ## completed ## ]]" },
    );
    const r = await dspx(["eval", TRIAGE, ...openaiArgs(), "--limit", "6", "--timeout", "300ms", "--max-attempts", "2", "--json"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    const failed = report.results.filter((x: { error?: unknown }) => x.error);
    expect(failed).toHaveLength(1);
    expect(failed[0].id).toBe("st-0003");
    expect(failed[0].error.message).toMatch(/timed out|timeout/i);
    expect(report.summary.done).toBe(6);
  });

  it("records a prompt the model cannot take as that example's error, once, and goes on (no retry, no breaker)", async () => {
    mock.setResponder(() => ({ kind: "error", status: 400, message: "This model's maximum context length is 128000 tokens" }));
    const r = await dspx(["eval", TRIAGE, ...openaiArgs(), "--limit", "12", "--concurrency", "1", "--json"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.summary.done).toBe(12);
    expect(report.summary.errors).toBe(12);
    expect(report.results[0].error.message).toMatch(/prompt is too long/);
    expect(mock.requests).toHaveLength(12);
  });

  it("does not retry a 429 that no wait cures (Anthropic's long-context extra usage): that example's error, once each", async () => {
    mock.setResponder(() => ({ kind: "error", status: 429, type: "rate_limit_error", message: "Extra usage is required for long context requests." }));
    const r = await dspx(["eval", TRIAGE, "--lm", "anthropic:claude-haiku-4-5", "--limit", "6", "--concurrency", "2", "--json"], { ANTHROPIC_API_KEY: "sk-ant-test", ANTHROPIC_BASE_URL: mock.anthropicBaseUrl });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.summary.done).toBe(6);
    expect(report.summary.errors).toBe(6);
    expect(report.results[0].error.message).toMatch(/extra usage/);
    expect(mock.requests).toHaveLength(6);
  });

  it("opens the circuit breaker when the endpoint keeps failing: exit 3, no draining of the dataset", async () => {
    mock.setResponder(() => ({ kind: "error", status: 503 }));
    const r = await dspx(["eval", TRIAGE, ...openaiArgs(), "--max-attempts", "2", "--concurrency", "2"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/looks down/);
    // Draining the 70 examples would take 140 requests; the breaker stops it after its 3 s well before.
    expect(mock.requests.length).toBeLessThan(70);
  });
});

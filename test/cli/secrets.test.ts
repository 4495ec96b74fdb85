import { mkdtemp, readdir, readFile } from "node:fs/promises";
import Database from "better-sqlite3";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultResponder, startMockProvider, type MockProvider } from "../support/mock-provider.js";
import { ROOT, runCli } from "../support/cli.js";

/** A key nobody could confuse with anything else, so any trace of it in an artefact is a leak. */
const KEY = "sk-proj-DSPX-CANARY-7f3c9a1e5b2d4f6a8c0e";
const ANTHROPIC_KEY = "sk-ant-DSPX-CANARY-b4d2e6f8a0c1";
let mock: MockProvider;
let dir: string;

beforeAll(async () => {
  mock = await startMockProvider();
  dir = await mkdtemp(path.join(os.tmpdir(), "dspx-secrets-"));
});
afterAll(() => mock.close());

async function filesUnder(d: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else out.push(p);
  }
  return out;
}

describe("secrets", () => {
  it("never writes an API key to the database, reports, exports, JSON output or logs", async () => {
    const env = { OPENAI_API_KEY: KEY, ANTHROPIC_API_KEY: ANTHROPIC_KEY, DSPX_DB: path.join(dir, "dspx.db"), GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: path.join(dir, "summary.md") };
    const program = path.join(ROOT, "programs/support-triage.yaml");
    const lm = ["--lm", "openai:gpt-4.1-mini", "--base-url", mock.openaiBaseUrl];
    const outputs: string[] = [];
    const run = async (args: string[]) => {
      const r = await runCli(args, { env });
      outputs.push(r.stdout, r.stderr);
      return r;
    };
    const evalRun = await run(["eval", program, ...lm, "--limit", "6", "--json", "--junit", path.join(dir, "junit.xml"), "--output", path.join(dir, "results.jsonl")]);
    expect(evalRun.code).toBe(0);
    const runId = JSON.parse(evalRun.stdout).runId as string;
    await run(["--verbose", "eval", program, ...lm, "--limit", "6"]);
    await run(["runs", "--json"]);
    await run(["show", runId, "--json"]);
    await run(["compare", runId, program, ...lm, "--limit", "6", "--json"]);
    await run(["export", runId, "-o", path.join(dir, "exported.yaml")]);
    await run(["cache", "stats", "--json"]);
    // A failing call: the error message must not echo the key either.
    mock.setResponder(() => ({ kind: "error", status: 401, message: "Incorrect API key provided" }));
    const failed = await run(["--verbose", "eval", program, ...lm, "--limit", "2", "--no-cache", "--no-memo"]);
    expect(failed.code).toBe(3);
    // The key did reach the provider, so the canary is live.
    expect(mock.requests.some((q) => q.headers.authorization === `Bearer ${KEY}`)).toBe(true);

    for (const text of outputs) expect(text).not.toContain(KEY);
    const files = await filesUnder(dir);
    expect(files.some((f) => f.endsWith("dspx.db"))).toBe(true);
    for (const f of files) {
      const bytes = await readFile(f);
      expect(bytes.includes(KEY), f).toBe(false);
      expect(bytes.includes(ANTHROPIC_KEY), f).toBe(false);
    }
  });

  it("stores a --base-url without its credentials, and resume gets the full URL back from the user", async () => {
    const BASE_SECRET = "sk-FAKE-BASEURL-CANARY-2d9e41";
    const d = await mkdtemp(path.join(os.tmpdir(), "dspx-secrets-baseurl-"));
    const db = path.join(d, "dspx.db");
    const fullUrl = `${mock.openaiBaseUrl}?api-key=${BASE_SECRET}`;
    const env = { OPENAI_API_KEY: KEY, DSPX_DB: db };
    const program = path.join(ROOT, "programs/support-triage.yaml");
    const outputs: string[] = [];
    const run = async (args: string[], extraEnv: Record<string, string> = {}) => {
      const r = await runCli(args, { env: { ...env, ...extraEnv } });
      outputs.push(r.stdout, r.stderr);
      return r;
    };
    // The first attempt fails (the provider refuses the key), leaving a run to resume.
    mock.setResponder(() => ({ kind: "error", status: 401, message: "Incorrect API key provided" }));
    const first = await run(["optimize", program, "--optimizer", "labeled", "--budget-calls", "300", "--lm", "openai:gpt-4.1-mini", "--base-url", fullUrl, "--json"]);
    expect(first.code).toBe(3);
    const runId = /dspx resume ([2-9a-z]{8})/.exec(first.stderr)?.[1];
    expect(runId, first.stderr).toBeDefined();
    // The query reached the provider (so the canary is live) …
    expect(mock.requests.some((q) => q.url?.includes(`api-key=${BASE_SECRET}`))).toBe(true);
    mock.setResponder(defaultResponder);

    // … but resume cannot find it in the store: nothing supplies it, so it asks (exit 2).
    const missing = await run(["resume", runId!]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/credentials/);
    expect(missing.stderr).toContain(`--base-url`);
    expect(missing.stderr).toContain(mock.openaiBaseUrl);
    // Another endpoint is refused: a resumed run keeps the one it started with.
    const other = await run(["resume", runId!, "--base-url", "http://127.0.0.1:1/v1?api-key=x"]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/keeps its endpoint/);
    // Given again (here through OPENAI_BASE_URL), the run goes on against the full URL and finishes.
    const before = mock.requests.length;
    const resumed = await run(["resume", runId!, "--json"], { OPENAI_BASE_URL: fullUrl });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(mock.requests.length).toBeGreaterThan(before);
    expect(mock.requests.slice(before).every((q) => q.url?.includes(`api-key=${BASE_SECRET}`))).toBe(true);
    // The flag on resume works too (the run is done now, so it only has to be accepted).
    const again = await run(["resume", runId!, "--base-url", fullUrl]);
    expect(again.code).toBe(0);
    await run(["show", runId!, "--json"]);
    await run(["runs", "--json"]);
    await run(["export", runId!, "-o", path.join(d, "exported.yaml")]);

    for (const text of outputs) expect(text).not.toContain(BASE_SECRET);
    const files = await filesUnder(d);
    expect(files.some((f) => f.endsWith("dspx.db"))).toBe(true);
    for (const f of files) expect((await readFile(f)).includes(BASE_SECRET), f).toBe(false);
  });

  it("scrubs a key the provider echoes in its error body from stderr, runs.error and every stored error", async () => {
    const d = await mkdtemp(path.join(os.tmpdir(), "dspx-secrets-echo-"));
    const db = path.join(d, "dspx.db");
    const program = path.join(ROOT, "programs/support-triage.yaml");
    const lm = ["--lm", "openai:gpt-4.1-mini", "--base-url", mock.openaiBaseUrl, "--no-cache", "--no-memo"];
    const echoed = (req: { headers: Record<string, unknown> }) => `You sent ${String(req.headers.authorization)}; the key ${KEY} is not valid here`;
    const outputs: string[] = [];
    // One example refused (its error is recorded and the run goes on), then every call refused as unauthorised.
    mock.setResponder((req) => ({ kind: "error", status: 413, message: `prompt too long for ${echoed(req)}` }));
    const rejected = await runCli(["--verbose", "eval", program, ...lm, "--limit", "2", "--json"], { env: { OPENAI_API_KEY: KEY, DSPX_DB: db } });
    outputs.push(rejected.stdout, rejected.stderr);
    expect(rejected.code, rejected.stderr).toBe(0);
    mock.setResponder((req) => ({ kind: "error", status: 401, message: echoed(req) }));
    const denied = await runCli(["--verbose", "eval", program, ...lm, "--limit", "2"], { env: { OPENAI_API_KEY: KEY, DSPX_DB: db } });
    outputs.push(denied.stdout, denied.stderr);
    expect(denied.code).toBe(3);
    // The canary is live: the provider did send it back.
    expect(mock.requests.some((q) => q.headers.authorization === `Bearer ${KEY}`)).toBe(true);
    expect(denied.stderr).toContain("the API key was rejected");
    expect(denied.stderr).toContain("[redacted]");

    for (const text of outputs) expect(text).not.toContain(KEY);
    const store = new Database(db, { readonly: true });
    const runErrors = store.prepare("SELECT error FROM runs WHERE error IS NOT NULL").all() as { error: string }[];
    const exampleErrors = store.prepare("SELECT error FROM evaluations WHERE error IS NOT NULL").all() as { error: string }[];
    store.close();
    expect(runErrors.length).toBeGreaterThan(0);
    expect(exampleErrors.length).toBeGreaterThan(0);
    for (const { error } of [...runErrors, ...exampleErrors]) {
      expect(error).not.toContain(KEY);
      expect(error).toContain("[redacted]");
    }
    for (const f of await filesUnder(d)) expect((await readFile(f)).includes(KEY), f).toBe(false);
  });

  it("sends the user and password of a --base-url as Authorization: Basic, and stores neither", async () => {
    const d = await mkdtemp(path.join(os.tmpdir(), "dspx-secrets-userinfo-"));
    const db = path.join(d, "dspx.db");
    const PASSWORD = "basic-auth-CANARY-9e8d7c";
    const url = new URL(mock.openaiBaseUrl);
    url.username = "dspx-user";
    url.password = PASSWORD;
    mock.setResponder(defaultResponder);
    mock.reset();
    const program = path.join(ROOT, "programs/support-triage.yaml");
    // No OPENAI_API_KEY: the URL's credentials are the endpoint's authentication.
    const r = await runCli(["eval", program, "--lm", "openai:gpt-4.1-mini", "--base-url", url.toString(), "--limit", "3", "--json"], { env: { DSPX_DB: db } });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).summary.done).toBe(3);
    expect(mock.requests.length).toBeGreaterThan(0);
    const basic = `Basic ${Buffer.from(`dspx-user:${PASSWORD}`).toString("base64")}`;
    expect(mock.requests.every((q) => q.headers.authorization === basic)).toBe(true);
    for (const text of [r.stdout, r.stderr]) expect(text).not.toContain(PASSWORD);
    for (const f of await filesUnder(d)) expect((await readFile(f)).includes(PASSWORD), f).toBe(false);
  });
});

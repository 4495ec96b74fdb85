import { existsSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ROOT, runCli, startCli } from "../support/cli.js";
import { heldResponder } from "../support/held-responder.js";
import { defaultResponder, startMockProvider, type MockProvider, type MockRequest } from "../support/mock-provider.js";

const TRIAGE = "programs/support-triage.yaml";
let mock: MockProvider;
let dir: string;
let messages: string[] = [];

beforeAll(async () => {
  mock = await startMockProvider();
  dir = await mkdtemp(path.join(os.tmpdir(), "dspx-run-batch-"));
  const text = await readFile(path.join(ROOT, "datasets/support-triage/train.jsonl"), "utf8");
  messages = text
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => String((JSON.parse(l) as { message: unknown }).message));
});
afterAll(() => mock.close());
beforeEach(() => mock.reset());

let files = 0;
/** An inputs file of `n` distinct messages (each given a reference number), ids `m-0` …; `extra` lines are appended as they are. */
async function inputs(n: number, extra: string[] = []): Promise<string> {
  const file = path.join(dir, `inputs-${++files}.jsonl`);
  const lines = Array.from({ length: n }, (_, i) => JSON.stringify({ id: `m-${i}`, message: `${messages[i % messages.length]} (ref #${i})` }));
  await writeFile(file, `${[...lines, ...extra].join("\n")}\n`);
  return file;
}

const onMock = () => ["--lm", "openai:gpt-4.1-mini", "--base-url", mock.openaiBaseUrl];
const lines = (text: string) =>
  text
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { line: number; id?: string; outputs?: Record<string, unknown>; error?: { step?: string; message: string } });
/** The reference number a request's message carries. */
const refOf = (req: MockRequest) => Number(/\(ref #(\d+)\)/.exec(req.messages.at(-1)?.content ?? "")?.[1]);

describe("dspx run --input-file inputs.jsonl (batch prediction)", () => {
  it("answers every line on stdout as JSONL, in input order whatever order the answers come in, with a summary on stderr", async () => {
    const file = await inputs(24);
    // Early lines answer last: the order the results are written in is not the order they finish in.
    mock.setResponder((req) => ({ kind: "slow", ms: refOf(req) < 8 ? 150 - refOf(req) * 10 : 0, reply: defaultResponder(req) }));
    const db = path.join(dir, "order.db");
    const r = await runCli(["run", TRIAGE, "--input-file", file, "--concurrency", "8", ...onMock()], { env: { DSPX_DB: db } });
    expect(r.code, r.stderr).toBe(0);
    const out = lines(r.stdout);
    expect(out.map((l) => l.id)).toEqual(Array.from({ length: 24 }, (_, i) => `m-${i}`));
    expect(out.map((l) => l.line)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    for (const l of out) {
      expect(["billing", "technical", "account", "shipping", "returns", "security", "other"]).toContain(l.outputs?.team);
      expect(["low", "normal", "high"]).toContain(l.outputs?.urgency);
    }
    // The answers really did finish out of order (else this test proves nothing about ordering).
    const answered = mock.requests.map(refOf);
    expect(answered.slice(0, 8)).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(r.stderr).toMatch(/^24 lines: 24 ok, 0 errors · 24 LM calls · [\d,]+ tokens · cost \$[\d.]+$/m);
  });

  it("records a line that fails and goes on; its result says which step and why", async () => {
    const file = await inputs(6);
    mock.setResponder((req) => (refOf(req) === 2 ? { kind: "text", text: "I cannot help with that." } : defaultResponder(req)));
    const out = path.join(dir, "failing.jsonl");
    const r = await runCli(["run", TRIAGE, "--input-file", file, "--output", out, ...onMock()], { env: { DSPX_DB: path.join(dir, "failing.db") } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("");
    const written = lines(await readFile(out, "utf8"));
    expect(written.map((l) => l.id)).toEqual(["m-0", "m-1", "m-2", "m-3", "m-4", "m-5"]);
    expect(written[2]!.outputs).toBeUndefined();
    expect(written[2]!.error?.step).toBe("route");
    expect(written[2]!.error?.message).toMatch(/step route/);
    for (const i of [0, 1, 3, 4, 5]) expect(written[i]!.outputs?.team).toBeDefined();
    expect(r.stderr).toMatch(/^6 lines: 5 ok, 1 error · /m);
  });

  it("--json with --output: one JSON object (the summary) on stdout, nothing else", async () => {
    const file = await inputs(3);
    const out = path.join(dir, "json.jsonl");
    const r = await runCli(["run", TRIAGE, "--input-file", file, "--output", out, "--json", ...onMock()], { env: { DSPX_DB: path.join(dir, "json.db") } });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.summary).toMatchObject({ total: 3, done: 3, ok: 3, errors: 0, calls: 3, cachedCalls: 0 });
    expect(report.output).toBe(path.relative(ROOT, out));
    expect(lines(await readFile(out, "utf8"))).toHaveLength(3);
  });

  it("reports every bad line of the file at once (file:line:column), exit 2, before any call and before touching --output", async () => {
    const file = await inputs(2, ['{"mesage": "typo"}', "", "{not json", '{"message": null}', '["a list"]', '{"message": "fine", "id": {"x": 1}}', '{"message": 5}']);
    const out = path.join(dir, "untouched.jsonl");
    await writeFile(out, "earlier predictions\n");
    const r = await runCli(["run", TRIAGE, "--input-file", file, "--output", out, ...onMock()], { env: { DSPX_DB: path.join(dir, "bad.db") } });
    expect(r.code, r.stderr).toBe(2);
    const shown = path.relative(ROOT, file);
    const errors = r.stderr.split("\n").filter((l) => l.startsWith("error:"));
    expect(errors).toEqual([
      `error: ${shown}:3:1: missing program input \`message\` (row has: mesage)`,
      expect.stringMatching(new RegExp(`^error: ${shown.replace(/[.]/g, "\\.")}:5:2: not valid JSON`)),
      `error: ${shown}:6:2: program input \`message\` is null`,
      `error: ${shown}:7:1: expected a JSON object per line`,
      `error: ${shown}:8:21: \`id\` should be a string or a number, got {"x":1}`,
      `error: ${shown}:9:2: input \`message\` should be string: got 5`,
    ]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(mock.counts.total).toBe(0);
    expect(await readFile(out, "utf8")).toBe("earlier predictions\n");
  });

  it("refuses an --output whose folder does not exist (and does not create it), or that is the input file, before any call", async () => {
    const file = await inputs(2);
    const missing = path.join(dir, "no-such-folder", "deeper", "preds.jsonl");
    const r = await runCli(["run", TRIAGE, "--input-file", file, "--output", missing, ...onMock()], { env: { DSPX_DB: path.join(dir, "paths.db") } });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^error: option '--output <file\.jsonl>' argument '.*' is invalid\. the folder .*no-such-folder[/\\]deeper does not exist \(dspx creates no folders: create it first\)$/m);
    expect(existsSync(path.join(dir, "no-such-folder"))).toBe(false);

    const same = await runCli(["run", TRIAGE, "--input-file", file, "--output", file, ...onMock()], { env: { DSPX_DB: path.join(dir, "paths.db") } });
    expect(same.code, same.stderr).toBe(2);
    expect(same.stderr).toMatch(/^error: --output: .* is the input file/m);
    expect(lines(await readFile(file, "utf8"))).toHaveLength(2);
    expect(mock.counts.total).toBe(0);
  });

  it("refuses --output and --concurrency without a file of inputs", async () => {
    const r = await runCli(["run", TRIAGE, "--input", '{"message": "hi"}', "--output", path.join(dir, "x.jsonl")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --output: is for running a file of inputs: give --input-file <inputs\.jsonl>/m);
    expect(existsSync(path.join(dir, "x.jsonl"))).toBe(false);
  });

  it("Ctrl-C stops dispatching and lets the calls in flight end (exit 130); the same command again sends requests only for the lines not done, and ends as an uninterrupted run", async () => {
    const n = 30;
    const file = await inputs(n);
    const db = path.join(dir, "resume.db");
    const out = path.join(dir, "resume.jsonl");
    // The first 10 requests are answered; the next ones wait, so Ctrl-C lands with calls in flight.
    const held = heldResponder();
    mock.setResponder(held.respond);
    held.hold(10);
    const cli = startCli(["run", TRIAGE, "--input-file", file, "--output", out, "--concurrency", "4", ...onMock()], { env: { DSPX_DB: db } });
    for (let i = 0; i < 800 && held.waiting() === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(held.waiting(), cli.stderr()).toBeGreaterThan(0);
    cli.child.kill("SIGINT");
    for (let i = 0; i < 800 && !cli.stderr().includes("stopping"); i++) await new Promise((r) => setTimeout(r, 25));
    // The calls in flight end after the Ctrl-C: their lines are done, and nothing new is sent.
    held.release();
    expect(await cli.closed, cli.stderr()).toBe(130);
    const sentFirst = mock.counts.total;
    expect(cli.stderr()).toContain(`interrupted after ${sentFirst} of 30 lines; the first ${sentFirst} results are in `);
    expect(cli.stderr()).toContain("running the same command again answers the finished lines from the LM cache");
    // Every line sent was answered and written, in order: a prefix of the inputs.
    const partial = lines(await readFile(out, "utf8"));
    expect(partial.map((l) => l.id)).toEqual(Array.from({ length: sentFirst }, (_, i) => `m-${i}`));
    expect(sentFirst).toBeLessThan(n);
    const done = new Set(mock.requests.map(refOf));

    mock.reset();
    const again = await runCli(["run", TRIAGE, "--input-file", file, "--output", out, "--concurrency", "4", ...onMock()], { env: { DSPX_DB: db } });
    expect(again.code, again.stderr).toBe(0);
    expect(mock.counts.total).toBe(n - sentFirst);
    expect(new Set(mock.requests.map(refOf))).toEqual(new Set(Array.from({ length: n }, (_, i) => i).filter((i) => !done.has(i))));
    expect(again.stderr).toMatch(new RegExp(`^30 lines: 30 ok, 0 errors · 30 LM calls \\(${sentFirst} from the cache\\)`, "m"));

    // The same as a run that was never stopped.
    const fresh = path.join(dir, "fresh.jsonl");
    const whole = await runCli(["run", TRIAGE, "--input-file", file, "--output", fresh, ...onMock()], { env: { DSPX_DB: path.join(dir, "fresh.db") } });
    expect(whole.code, whole.stderr).toBe(0);
    expect(await readFile(out, "utf8")).toBe(await readFile(fresh, "utf8"));
  });

  it("kill -9 once some answers are committed: the same command again sends requests only for the lines not answered", async () => {
    const n = 24;
    const answered = 9;
    const file = await inputs(n);
    const db = path.join(dir, "killed.db");
    const out = path.join(dir, "killed.jsonl");
    mock.setResponder((req) => (req.index < answered ? defaultResponder(req) : { kind: "hang" }));
    const cli = startCli(["run", TRIAGE, "--input-file", file, "--output", out, "--concurrency", "4", ...onMock()], { env: { DSPX_DB: db } });
    // Wait until the answered calls are in the database (commits trail the answers a little), then kill.
    const cached = () => {
      if (!existsSync(db)) return 0;
      const sql = new Database(db, { readonly: true, fileMustExist: true });
      try {
        return (sql.prepare("SELECT COUNT(*) AS n FROM lm_cache").get() as { n: number }).n;
      } catch {
        return 0; // the schema is not created yet
      } finally {
        sql.close();
      }
    };
    for (let i = 0; i < 800 && !(mock.requests.length > answered && cached() >= answered); i++) await new Promise((r) => setTimeout(r, 25));
    expect(cached(), cli.stderr()).toBe(answered);
    cli.child.kill("SIGKILL");
    await cli.closed;
    const done = new Set(mock.requests.slice(0, answered).map(refOf));

    mock.reset();
    const again = await runCli(["run", TRIAGE, "--input-file", file, "--output", out, "--concurrency", "4", ...onMock()], { env: { DSPX_DB: db } });
    expect(again.code, again.stderr).toBe(0);
    expect(mock.counts.total).toBe(n - answered);
    expect(new Set(mock.requests.map(refOf))).toEqual(new Set(Array.from({ length: n }, (_, i) => i).filter((i) => !done.has(i))));
    expect(lines(await readFile(out, "utf8")).map((l) => l.id)).toEqual(Array.from({ length: n }, (_, i) => `m-${i}`));
  });

  it("stops dispatching once the reader of stdout goes away (`| head -1`), and exits 0", async () => {
    const n = 200;
    const file = await inputs(n);
    // Answers for the first 40 requests, then nothing: a command that kept dispatching would never end.
    mock.setResponder((req) => (req.index < 40 ? defaultResponder(req) : { kind: "hang" }));
    const cli = startCli(["run", TRIAGE, "--input-file", file, "--concurrency", "2", ...onMock()], { env: { DSPX_DB: path.join(dir, "head.db") } });
    await new Promise<void>((resolve) => {
      const onData = () => {
        if (!cli.stdout().includes("\n")) return;
        cli.child.stdout!.off("data", onData);
        cli.child.stdout!.destroy();
        resolve();
      };
      cli.child.stdout!.on("data", onData);
    });
    expect(await cli.closed, cli.stderr()).toBe(0);
    expect(cli.stderr()).toMatch(/^stopped after \d+ of 200 lines: standard output was closed$/m);
    expect(mock.counts.total).toBeLessThan(n);
    expect(lines(cli.stdout().split("\n")[0]!)[0]!.id).toBe("m-0");
  });

  it("a provider that refuses the key stops the batch with exit 3, after writing the results before it in order", async () => {
    const file = await inputs(20);
    const out = path.join(dir, "refused.jsonl");
    mock.setResponder((req) => (refOf(req) >= 6 ? { kind: "error", status: 401 } : defaultResponder(req)));
    const r = await runCli(["run", TRIAGE, "--input-file", file, "--output", out, "--concurrency", "2", ...onMock()], { env: { DSPX_DB: path.join(dir, "refused.db") } });
    expect(r.code, r.stderr).toBe(3);
    const written = lines(await readFile(out, "utf8"));
    expect(written.map((l) => l.id)).toEqual(Array.from({ length: written.length }, (_, i) => `m-${i}`));
    expect(written.length).toBeLessThanOrEqual(6);
    expect(r.stderr).toMatch(new RegExp(`^${written.length} of 20 lines: ${written.length} ok, 0 errors · `, "m"));
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("goes through the endpoint's scheduler: 429s are waited out and retried, every line answered", async () => {
    const limited = await startMockProvider({ refusals: { first: 4, retryAfterMs: 200 } });
    try {
      const file = await inputs(8);
      const r = await runCli(["run", TRIAGE, "--input-file", file, "--lm", "openai:gpt-4.1-mini", "--base-url", limited.openaiBaseUrl], { env: { DSPX_DB: path.join(dir, "limited.db") } });
      expect(r.code, r.stderr).toBe(0);
      expect(limited.counts.rateLimited).toBe(4);
      expect(limited.counts.ok).toBe(8);
      expect(lines(r.stdout).map((l) => l.outputs !== undefined)).toEqual(Array(8).fill(true));
    } finally {
      await limited.close();
    }
  });

  it("a single --input still prints that input's outputs", async () => {
    const r = await runCli(["run", TRIAGE, "--input", '{"message": "I was charged twice"}', "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(Object.keys(JSON.parse(r.stdout).outputs).sort()).toEqual(["team", "urgency"]);
  });
});

import { readdirSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, runCli, startCli, watch, type RunningCli } from "../support/cli.js";
import { defaultResponder, startMockProvider, type MockProvider } from "../support/mock-provider.js";
import { waitUntil } from "../support/wait.js";

const TRIAGE = "programs/support-triage.yaml";
let dir: string;
let mock: MockProvider;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "dspx-housekeeping-"));
  mock = await startMockProvider();
});
afterAll(() => mock.close());

const dspx = (args: string[], db: string, env: Record<string, string> = {}) => runCli(args, { env: { DSPX_DB: db, OPENAI_API_KEY: "sk-test", ...env } });
const json = (text: string) => JSON.parse(text) as Record<string, any>;

function query<T>(db: string, sql: string): T {
  const d = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return d.prepare(sql).get() as T;
  } finally {
    d.close();
  }
}
const count = (db: string, sql: string) => query<{ n: number }>(db, sql).n;

/** Waits until `sql` counts at least one row (the database may not exist yet); fails if `cli` ends first. */
async function waitFor(db: string, sql: string, cli: RunningCli): Promise<void> {
  const counted = (): boolean => {
    try {
      return count(db, sql) > 0;
    } catch {
      return false; // not created yet
    }
  };
  await waitUntil(counted, `a row for ${sql}`, watch(cli));
}

interface MissingCase {
  args: string[];
  code: number;
  out?: RegExp;
  err?: RegExp;
  json?: (v: Record<string, any>) => void;
}

const MISSING: MissingCase[] = [
  { args: ["runs"], code: 0, out: /^no runs yet: there is no dspx database at .*runs\/dspx\.db/ },
  { args: ["runs", "--json"], code: 0, json: (v) => expect(v).toEqual({ runs: [] }) },
  { args: ["show", "abcd"], code: 2, err: /^error: no run "abcd": there is no dspx database at .*dspx\.db yet/ },
  { args: ["export", "abcd"], code: 2, err: /there is no dspx database/ },
  { args: ["cache", "stats"], code: 0, out: /no database file yet/ },
  { args: ["cache", "stats", "--json"], code: 0, json: (v) => expect(v.entries).toBe(0) },
  { args: ["cache", "clear"], code: 0, out: /^removed 0 cached responses/ },
  { args: ["runs", "rm", "abcd"], code: 2, err: /there is no dspx database/ },
  { args: ["gc"], code: 0, out: /^nothing to remove$/m },
  { args: ["gc", "--cache", "--vacuum", "--json"], code: 0, json: (v) => expect(v.vacuum).toEqual({ skipped: "there is no database file" }) },
  { args: ["eval", TRIAGE, "--limit", "2", "--no-record", "--no-cache", "--json"], code: 0, json: (v) => expect(v.summary.done).toBe(2) },
  { args: ["gc", "--older-than", "soon"], code: 2, err: /^error: --older-than: expected a duration such as 30d, 12h or 90m\n$/ },
];

describe("with no database file, a command that only reads or removes", () => {
  it.each(MISSING.map((c) => [c.args.join(" "), c] as const))("(%s) says there is nothing and leaves no file or folder behind", async (_name, c) => {
    const home = await mkdtemp(path.join(dir, "empty-"));
    const r = await runCli(c.args, { env: { DSPX_DB: path.join(home, "runs", "dspx.db") } });
    expect(r.code, r.stderr).toBe(c.code);
    if (c.out) expect(r.stdout).toMatch(c.out);
    if (c.err) expect(r.stderr).toMatch(c.err);
    if (c.json) c.json(json(r.stdout));
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(home)).toEqual([]);
  });
});

describe("dspx runs rm and dspx gc", () => {
  const lm = () => ["--lm", "openai:gpt-4.1-mini", "--base-url", mock.openaiBaseUrl];

  it("remove runs with their results, evaluations when no other run uses them, and the cache only when asked", async () => {
    const db = path.join(dir, "flow.db");
    const a = json((await dspx(["eval", TRIAGE, "--limit", "4", ...lm(), "--json"], db)).stdout);
    const b = json((await dspx(["eval", TRIAGE, "--limit", "6", ...lm(), "--json"], db)).stdout);
    expect(b.summary.memoized).toBe(4);
    expect(count(db, "SELECT COUNT(*) AS n FROM evaluations")).toBe(6);
    expect(count(db, "SELECT COUNT(*) AS n FROM lm_cache")).toBe(6);

    // A ref that names no run removes nothing, not even the runs the other refs name.
    const bad = await dspx(["runs", "rm", a.runId, "zzzz"], db);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(`error: no run "zzzz" in this database (see \`dspx runs\`)\n`);
    expect(count(db, "SELECT COUNT(*) AS n FROM runs")).toBe(2);

    const dry = await dspx(["runs", "rm", a.runId.slice(0, 5), "--dry-run"], db);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(new RegExp(`^would remove 1 run: ${a.runId} \\(eval support-triage, done\\)\n  with 1 candidate · 4 results · 4 cache links\n`));
    expect(dry.stdout).toMatch(/nothing was removed \(--dry-run\)\n$/);
    expect(count(db, "SELECT COUNT(*) AS n FROM runs")).toBe(2);

    // A's evaluations are B's too (reused through the memo): they stay.
    const rmA = await dspx(["runs", "rm", a.runId.slice(0, 5), "--json"], db);
    expect(rmA.code, rmA.stderr).toBe(0);
    expect(json(rmA.stdout)).toMatchObject({
      dryRun: false,
      runs: [{ id: a.runId, kind: "eval", program: "support-triage", status: "done" }],
      removed: { runs: 1, candidates: 1, results: 4, cacheLinks: 4, evaluations: 0 },
      kept: { evaluations: 0, inProgress: [] },
    });
    expect((await dspx(["show", a.runId], db)).code).toBe(2);
    const shown = json((await dspx(["show", b.runId, "--json"], db)).stdout);
    expect(shown.results).toHaveLength(6);

    const rmB = json((await dspx(["runs", "rm", b.runId, "--json"], db)).stdout);
    expect(rmB.removed).toMatchObject({ runs: 1, results: 6, evaluations: 6, cacheLinks: 2 });
    expect(count(db, "SELECT COUNT(*) AS n FROM evaluations")).toBe(0);

    // The cache outlives the runs; gc leaves it alone unless asked. (The runs' stored messages and examples go.)
    const gc = await dspx(["gc"], db);
    expect(gc.stdout).toMatch(/^removed \d+ stored texts nothing refers to \(messages and examples, [\d.]+ kB\)\n/);
    expect(gc.stdout).toMatch(/\nkept the LM cache: 6 cache entries no run used \(`--cache` removes them, `--older-than 30d` those unused for 30 days\)\n$/);
    expect(json((await dspx(["gc", "--older-than", "30d", "--json"], db)).stdout)).toMatchObject({ removed: { cacheEntries: 0 }, kept: { cacheEntries: 6 } });
    const sent = mock.requests.length;
    const collected = await dspx(["gc", "--cache", "--vacuum", "--json"], db);
    expect(collected.code, collected.stderr).toBe(0);
    const report = json(collected.stdout);
    expect(report.removed.cacheEntries).toBe(6);
    expect(report.vacuum.afterBytes).toBeLessThan(report.vacuum.beforeBytes);
    expect(count(db, "SELECT COUNT(*) AS n FROM lm_cache")).toBe(0);
    // Gone for real: the same eval asks the model again.
    expect((await dspx(["eval", TRIAGE, "--limit", "4", ...lm()], db)).code).toBe(0);
    expect(mock.requests.length - sent).toBe(4);
  }, 180_000);

  /** Holds every request after the first `pass` until `release` (so a run stays in progress as long as a test needs). */
  function holdRequests(pass: number): () => void {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let served = 0;
    mock.setResponder(async (req) => {
      if (++served > pass) await gate;
      return defaultResponder(req);
    });
    return () => {
      release();
      mock.setResponder(defaultResponder);
    };
  }

  it("beside a run in progress: refuse to remove it, keep every evaluation it may reuse, do not compact; the run ends as if nothing happened", async () => {
    const db = path.join(dir, "live.db");
    const dev = (await readFile(path.join(ROOT, "datasets/support-triage/dev.jsonl"), "utf8")).trim().split("\n").slice(0, 8);
    // B evaluates 8 examples one at a time; the last 4 were scored by run A: B reuses them at its end.
    const all = path.join(dir, "all.jsonl");
    const lastHalf = path.join(dir, "last-half.jsonl");
    await writeFile(all, `${dev.join("\n")}\n`);
    await writeFile(lastHalf, `${dev.slice(4).join("\n")}\n`);
    const a = json((await dspx(["eval", TRIAGE, "--dataset", lastHalf, ...lm(), "--json"], db)).stdout);
    // B's first call is held: B is in progress, and has reused nothing yet, until the test lets it go on.
    const release = holdRequests(0);
    const b = startCli(["eval", TRIAGE, "--dataset", all, ...lm(), "--concurrency", "1", "--json"], { env: { DSPX_DB: db, OPENAI_API_KEY: "sk-test" } });
    try {
      await waitFor(db, `SELECT COUNT(*) AS n FROM runs WHERE id != '${a.runId}'`, b);
      const bId = query<{ id: string }>(db, `SELECT id FROM runs WHERE id != '${a.runId}'`).id;

      const rmA = await dspx(["runs", "rm", a.runId, "--json"], db);
      expect(rmA.code, rmA.stderr).toBe(0);
      expect(json(rmA.stdout)).toMatchObject({ removed: { runs: 1, results: 4, evaluations: 0 }, kept: { evaluations: 4, inProgress: [bId] } });
      const human = await dspx(["gc", "--vacuum"], db);
      expect(human.stdout).toBe(
        `nothing to remove\nkept 4 evaluations no run refers to: run ${bId} is in progress and may reuse them (run gc again once it has ended)\n` +
          "kept the LM cache: 4 cache entries no run used (`--cache` removes them, `--older-than 30d` those unused for 30 days)\n" +
          `not compacted: run ${bId} is in progress (compacting would hold up its writes)\n`,
      );
      expect(json((await dspx(["gc", "--json"], db)).stdout)).toMatchObject({ removed: { evaluations: 0 }, kept: { evaluations: 4 }, inProgress: [bId] });
      const rmB = await dspx(["runs", "rm", bId], db);
      expect(rmB.code).toBe(2);
      expect(rmB.stderr).toBe(`error: run ${bId} (process ${b.child.pid}) is still running: stop it first, or give --force (the process then fails at its next write)\n`);
    } finally {
      release();
    }
    expect(await b.closed, b.stderr()).toBe(0);
    expect(json(b.stdout()).summary).toMatchObject({ done: 8, errors: 0, memoized: 4 });
    // Over: gc may now remove what no run uses (nothing: B linked all four).
    expect(json((await dspx(["gc", "--json"], db)).stdout)).toMatchObject({ removed: { evaluations: 0 }, kept: { evaluations: 0 }, inProgress: [] });
    expect(count(db, "SELECT COUNT(*) AS n FROM evaluations")).toBe(8);
  }, 180_000);

  it("--force removes a run in progress; its process stops at its next write, with the database's error", async () => {
    const db = path.join(dir, "force.db");
    const release = holdRequests(1);
    const b = startCli(["eval", TRIAGE, "--limit", "6", ...lm(), "--concurrency", "1"], { env: { DSPX_DB: db, OPENAI_API_KEY: "sk-test" } });
    try {
      await waitFor(db, "SELECT COUNT(*) AS n FROM run_results", b);
      const id = query<{ id: string }>(db, "SELECT id FROM runs").id;
      const forced = await dspx(["runs", "rm", id, "--force"], db);
      expect(forced.code, forced.stderr).toBe(0);
      expect(forced.stdout).toContain(`run ${id} was running in process ${b.child.pid}: it fails at its next write`);
    } finally {
      release();
    }
    expect(await b.closed).toBe(2);
    expect(b.stderr()).toMatch(/error: .*force\.db: cannot write to the dspx database: FOREIGN KEY constraint failed/);
    expect(count(db, "SELECT COUNT(*) AS n FROM runs")).toBe(0);
  });
});

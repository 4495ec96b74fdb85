import { existsSync, readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import type { EvaluationRow } from "../../src/store/evaluations-store.js";
import { Store } from "../../src/store/store.js";
import { UserError } from "../../src/util/errors.js";
import { EVAL_CONFIG } from "../support/run-configs.js";

const stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

async function tmpDb(): Promise<string> {
  return path.join(await mkdtemp(path.join(os.tmpdir(), "dspx-housekeeping-")), "dspx.db");
}

function open(file: string, options: { write?: boolean; create?: boolean } = {}): Store {
  const store = Store.open(file, options);
  stores.push(store);
  return store;
}

const ROW: EvaluationRow = { score: 1, trace: [{ step: "x", text: "y".repeat(200) }], usage: { promptTokens: 1, completionTokens: 1, cachedTokens: 0 }, costUsd: 0, nominalCostUsd: 0, calls: 1, cachedCalls: 0, latencyMs: 1 };
const DAY = 86_400_000;

/** A pid no process can have: Linux hands out pids below `pid_max` only. */
const deadPid = (): number => Number(readFileSync("/proc/sys/kernel/pid_max", "utf8"));

function addRun(store: Store, id: string, options: { status?: "done" | "running"; pid?: number; startedAt?: number } = {}): void {
  store.runs.create({ id, kind: "eval", programName: "p", programFile: "/p.yaml", programHash: "h", programSource: "", config: EVAL_CONFIG, ...(options.pid ? { pid: options.pid } : {}), ...(options.startedAt ? { startedAt: options.startedAt } : {}) });
  store.runs.addCandidate(id, { hash: "cand", state: {}, origin: "program" });
  store.runs.addEvent(id, "started");
  store.runs.addEvent(id, "finished");
  store.runs.putCheckpoint(id, 1, { any: true });
  if ((options.status ?? "done") === "done") store.runs.update(id, { status: "done", finished: true });
}

/** Links an evaluation (made now, or found in the memo) to a run as its result for `example`. */
function link(store: Store, runId: string, example: string, evalId: string): void {
  store.evaluations.link({ runId, candidate: "cand", dataset: "dev", exampleId: example, idx: 0, evalId, memoized: false });
}

function putCache(store: Store, key: string, runId?: string, createdAt = Date.now()): void {
  const entry = { provider: "sim", model: "m", text: "t", responseModel: "m", usage: { promptTokens: 1, completionTokens: 1, cachedTokens: 0 }, costUsd: 0, latencyMs: 1, createdAt };
  (runId ? store.cache.forRun(runId) : store.cache).put(key.repeat(64).slice(0, 64), entry);
}

/** Row counts of every table, read on a connection of its own. */
function tables(file: string): Record<string, number> {
  const db = new Database(file, { readonly: true });
  const n = (t: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
  const counts = Object.fromEntries(["runs", "candidates", "events", "checkpoints", "run_results", "evaluations", "lm_cache", "lm_cache_uses"].map((t) => [t, n(t)]));
  db.close();
  return counts;
}

function evaluationIds(file: string): string[] {
  const db = new Database(file, { readonly: true });
  const ids = (db.prepare("SELECT example_id AS id FROM evaluations ORDER BY example_id").all() as { id: string }[]).map((r) => r.id);
  db.close();
  return ids;
}

/**
 * Two finished runs sharing an evaluation through the memo: `aaaa1111` links e1 and e2, `bbbb2222`
 * links e2 (reused) and e3; e4 is linked to no run (a compare's). Cache: k1 used by a, k2 by b, k3 by none.
 */
async function sharing(): Promise<{ file: string; store: Store }> {
  const file = await tmpDb();
  const store = open(file);
  addRun(store, "aaaa1111", { startedAt: 1000 });
  addRun(store, "bbbb2222", { startedAt: 2000 });
  const e = Object.fromEntries(["e1", "e2", "e3", "e4"].map((x) => [x, store.evaluations.add(`key-${x}`, "cand", x, ROW)]));
  link(store, "aaaa1111", "e1", e.e1!);
  link(store, "aaaa1111", "e2", e.e2!);
  link(store, "bbbb2222", "e2", e.e2!);
  link(store, "bbbb2222", "e3", e.e3!);
  putCache(store, "1", "aaaa1111");
  putCache(store, "2", "bbbb2222");
  putCache(store, "3");
  await store.flush();
  return { file, store };
}

describe("removing runs", () => {
  it("deletes the runs' rows and the evaluations no other run links to; shared evaluations and the LM cache stay", async () => {
    const { file, store } = await sharing();
    const removal = await store.removeRuns(["aaaa1111"]);
    expect(removal).toEqual({
      runs: ["aaaa1111"],
      removed: { runs: 1, candidates: 1, events: 2, checkpoints: 1, results: 2, cacheLinks: 1, evaluations: 1 },
      keptEvaluations: 0,
      inProgress: [],
      forced: [],
      dryRun: false,
    });
    expect(evaluationIds(file)).toEqual(["e2", "e3", "e4"]);
    expect(tables(file)).toEqual({ runs: 1, candidates: 1, events: 2, checkpoints: 1, run_results: 2, evaluations: 3, lm_cache: 3, lm_cache_uses: 1 });
    // The other run reads as before, its shared result included.
    expect(store.evaluations.results("bbbb2222").map((r) => r.exampleId)).toEqual(["e2", "e3"]);
    // Now nothing else links to e2: it goes with the second run; e4 was never a run's, so gc's job.
    expect((await store.removeRuns(["bbbb2222"])).removed.evaluations).toBe(2);
    expect(evaluationIds(file)).toEqual(["e4"]);
    expect(tables(file)).toMatchObject({ runs: 0, run_results: 0, lm_cache: 3, lm_cache_uses: 0 });
  });

  it("takes several runs at once, with a shared evaluation removed once", async () => {
    const { file, store } = await sharing();
    const removal = await store.removeRuns(["bbbb2222", "aaaa1111", "aaaa1111"]);
    expect(removal.runs).toEqual(["aaaa1111", "bbbb2222"]);
    expect(removal.removed).toEqual({ runs: 2, candidates: 2, events: 4, checkpoints: 2, results: 4, cacheLinks: 2, evaluations: 3 });
    expect(evaluationIds(file)).toEqual(["e4"]);
  });

  it("refuses a run in progress in a live process unless forced; one whose process is gone goes without", async () => {
    const file = await tmpDb();
    const store = open(file);
    addRun(store, "live0001", { status: "running" }); // this process: alive
    addRun(store, "dead0001", { status: "running", pid: deadPid() });
    store.evaluations.add("k", "cand", "x", ROW);
    await store.flush();
    const refused = await store.removeRuns(["dead0001", "live0001"]).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UserError);
    expect((refused as Error).message).toBe(`run live0001 (process ${process.pid}) is still running: stop it first, or give --force (the process then fails at its next write)`);
    // All or nothing: the run that could go is still there too.
    expect(tables(file).runs).toBe(2);
    expect((await store.removeRuns(["dead0001"])).runs).toEqual(["dead0001"]);
    expect(await store.removeRuns(["live0001"], { force: true })).toMatchObject({ runs: ["live0001"], forced: [{ id: "live0001", pid: process.pid }] });
    expect(tables(file)).toMatchObject({ runs: 0, candidates: 0, events: 0, checkpoints: 0 });
  });

  it("keeps the evaluations it leaves unreferenced while another run is in progress (that run may be about to link one)", async () => {
    const { file, store } = await sharing();
    addRun(store, "live0001", { status: "running" });
    await store.flush();
    const removal = await store.removeRuns(["aaaa1111"]);
    expect(removal.removed.evaluations).toBe(0);
    expect(removal.keptEvaluations).toBe(1);
    expect(removal.inProgress).toEqual([{ id: "live0001", pid: process.pid }]);
    expect(evaluationIds(file)).toEqual(["e1", "e2", "e3", "e4"]);
    // Once it is over, gc removes them.
    store.runs.update("live0001", { status: "done", finished: true });
    expect((await store.gc()).removed.evaluations).toBe(2);
    expect(evaluationIds(file)).toEqual(["e2", "e3"]);
  });

  it("in a dry run, counts exactly what would go and removes nothing", async () => {
    const { file, store } = await sharing();
    const before = tables(file);
    const dry = await store.removeRuns(["aaaa1111"], { dryRun: true });
    expect(tables(file)).toEqual(before);
    const real = await store.removeRuns(["aaaa1111"]);
    expect({ ...dry, dryRun: false }).toEqual(real);
    expect(dry.dryRun).toBe(true);
  });

  it("removes a run whose row is damaged (found by its id as any other)", async () => {
    const { file, store } = await sharing();
    const raw = new Database(file);
    raw.prepare("UPDATE runs SET config = '{oops' WHERE id = 'aaaa1111'").run();
    raw.close();
    expect(() => store.runs.resolve("aaaa")).toThrow(/damaged/);
    const found = store.runs.resolveId("aaaa");
    expect(found).toMatchObject({ id: "aaaa1111", damaged: expect.stringMatching(/config/) });
    expect((await store.removeRuns([found.id])).removed.runs).toBe(1);
    expect(store.runs.list().map((r) => r.id)).toEqual(["bbbb2222"]);
  });
});

describe("gc", () => {
  it("by default removes evaluations no run links to and rows of runs that are gone, and leaves the LM cache alone", async () => {
    const { file, store } = await sharing();
    // A run deleted by hand in the sqlite3 shell, which does not enforce foreign keys: its rows stay behind.
    const raw = new Database(file);
    raw.pragma("foreign_keys = OFF");
    raw.prepare("DELETE FROM runs WHERE id = 'aaaa1111'").run();
    raw.close();
    const report = await store.gc();
    expect(report).toEqual({
      removed: { evaluations: 2, cacheEntries: 0, orphans: { results: 2, candidates: 1, events: 2, checkpoints: 1, cacheLinks: 1 }, blobs: 0, blobBytes: 0 },
      kept: { evaluations: 0, cacheEntries: 2, blobs: 0 },
      inProgress: [],
      cache: false,
      dryRun: false,
    });
    expect(evaluationIds(file)).toEqual(["e2", "e3"]);
    expect(tables(file)).toEqual({ runs: 1, candidates: 1, events: 2, checkpoints: 1, run_results: 2, evaluations: 2, lm_cache: 3, lm_cache_uses: 1 });
    expect(store.evaluations.results("bbbb2222").map((r) => r.exampleId)).toEqual(["e2", "e3"]);
  });

  it("with cache, removes the entries no recorded run used; entries a run used stay whatever their age", async () => {
    const { file, store } = await sharing();
    putCache(store, "4", "aaaa1111", Date.now() - 90 * DAY);
    await store.flush();
    const report = await store.gc({ cache: true });
    expect(report.removed.cacheEntries).toBe(1);
    expect(report.kept.cacheEntries).toBe(0);
    expect(tables(file).lm_cache).toBe(3);
  });

  it("with before, removes only what is older: evaluations made before it, cache entries not used since", async () => {
    const file = await tmpDb();
    const store = open(file);
    addRun(store, "aaaa1111");
    await store.flush();
    const now = Date.now();
    const raw = new Database(file);
    const insert = raw.prepare(
      "INSERT INTO evaluations (id, key, candidate, example_id, score, trace, usage, calls, cached_calls, latency_ms, created_at) VALUES (?, ?, 'c', ?, 1, '[]', '{}', 1, 0, 1, ?)",
    );
    insert.run("old", "k1", "old", now - 40 * DAY);
    insert.run("new", "k2", "new", now - 1 * DAY);
    const cache = raw.prepare(
      "INSERT INTO lm_cache (key, provider, model, response, response_model, prompt_tokens, completion_tokens, cached_tokens, latency_ms, created_at, last_hit_at) VALUES (?, 's', 'm', 'r', 'm', 1, 1, 0, 1, ?, ?)",
    );
    cache.run(Buffer.from("a1", "hex"), now - 40 * DAY, null); // unused for 40 days: goes
    cache.run(Buffer.from("a2", "hex"), now - 40 * DAY, now - DAY); // made long ago, read yesterday: warm, stays
    cache.run(Buffer.from("a3", "hex"), now - DAY, null); // young: stays
    cache.run(Buffer.from("a4", "hex"), now - 40 * DAY, null); // old but used by a run: stays
    raw.prepare("INSERT INTO lm_cache_uses (run_id, key) VALUES ('aaaa1111', ?)").run(Buffer.from("a4", "hex"));
    raw.close();
    const report = await store.gc({ before: now - 30 * DAY });
    expect(report.cache).toBe(true);
    expect(report.removed).toMatchObject({ evaluations: 1, cacheEntries: 1 });
    expect(report.kept).toEqual({ evaluations: 1, cacheEntries: 2, blobs: 0 });
    expect(evaluationIds(file)).toEqual(["new"]);
    const left = new Database(file, { readonly: true });
    expect((left.prepare("SELECT hex(key) AS k FROM lm_cache ORDER BY key").all() as { k: string }[]).map((r) => r.k)).toEqual(["A2", "A3", "A4"]);
    left.close();
  });

  it("removes no evaluation while a run is in progress, not even one it wrote and has not linked yet", async () => {
    const { file, store } = await sharing();
    addRun(store, "live0001", { status: "running" });
    // The live run's evaluation, committed before its link (they can go in separate batches).
    store.evaluations.add("key-fresh", "cand", "fresh", ROW);
    await store.flush();
    const report = await store.gc({ cache: true });
    expect(report.inProgress.map((r) => r.id)).toEqual(["live0001"]);
    expect(report.removed.evaluations).toBe(0);
    expect(report.kept.evaluations).toBe(2);
    expect(evaluationIds(file)).toEqual(["e1", "e2", "e3", "e4", "fresh"]);
    // Rows of gone runs and the cache are not the live run's business: they still go.
    expect(report.removed.cacheEntries).toBe(1);
  });

  it("in a dry run, reports what would go and changes nothing", async () => {
    const { file, store } = await sharing();
    const before = tables(file);
    const dry = await store.gc({ cache: true, dryRun: true });
    expect(tables(file)).toEqual(before);
    expect({ ...dry, dryRun: false }).toEqual(await store.gc({ cache: true }));
  });

  it("compacts the file: after removing a large run, it shrinks", async () => {
    const file = await tmpDb();
    const store = open(file);
    addRun(store, "big00001");
    const big = { ...ROW, trace: [{ text: "z".repeat(20_000) }] };
    for (let i = 0; i < 200; i++) link(store, "big00001", `x${i}`, store.evaluations.add(`k${i}`, "cand", `x${i}`, big));
    await store.flush();
    await store.removeRuns(["big00001"]);
    const compaction = (await store.vacuum())!;
    expect(compaction.beforeBytes).toBeGreaterThan(4_000_000);
    expect(compaction.afterBytes).toBeLessThan(compaction.beforeBytes / 10);
  });
});

describe("a run's row", () => {
  it("is committed when it is created, before any write of the writer thread (another process sees it in progress at once)", async () => {
    const file = await tmpDb();
    const store = open(file);
    addRun(store, "new00001", { status: "running" });
    const other = new Database(file, { readonly: true });
    expect(other.prepare("SELECT status, pid FROM runs WHERE id = 'new00001'").get()).toEqual({ status: "running", pid: process.pid });
    other.close();
  });

  it("is committed when a process takes it over (resume), with its pid", async () => {
    const file = await tmpDb();
    const store = open(file);
    addRun(store, "old00001", { pid: deadPid() });
    await store.flush();
    store.runs.update("old00001", { status: "running", pid: process.pid });
    const other = new Database(file, { readonly: true });
    expect(other.prepare("SELECT status, pid FROM runs WHERE id = 'old00001'").get()).toEqual({ status: "running", pid: process.pid });
    other.close();
  });
});

describe("a database file that does not exist", () => {
  it("is not created by a store that only reads, nor by removing from it: it reads as empty", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "dspx-nofile-"));
    const file = path.join(dir, "runs", "dspx.db");
    const reader = open(file, { write: false });
    expect(reader.exists).toBe(false);
    expect(reader.runs.list()).toEqual([]);
    expect((await reader.cache.stats()).entries).toBe(0);
    expect(() => reader.runs.resolve("abcd")).toThrow(/no run "abcd": there is no dspx database at .*dspx\.db yet/);
    const remover = open(file, { create: false });
    await expect(remover.removeRuns(["abcd1234"])).resolves.toMatchObject({ runs: [], removed: { runs: 0 } });
    expect((await remover.gc({ cache: true })).removed).toMatchObject({ evaluations: 0, cacheEntries: 0 });
    expect(await remover.vacuum()).toBeUndefined();
    await reader.close();
    await remover.close();
    expect(existsSync(path.join(dir, "runs"))).toBe(false);
  });
});

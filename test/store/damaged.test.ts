import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { checkpointSchema } from "../../src/optimize/checkpoint.js";
import { openDatabase } from "../../src/store/db.js";
import { isDamaged } from "../../src/store/runs-store.js";
import { Store } from "../../src/store/store.js";
import { UserError } from "../../src/util/errors.js";
import { OPTIMIZE_CONFIG } from "../support/run-configs.js";

const stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

async function tmpDb(): Promise<string> {
  return path.join(await mkdtemp(path.join(os.tmpdir(), "dspx-rows-")), "dspx.db");
}

const CHECKPOINT = {
  v: 1,
  step: 2,
  state: { anything: true },
  rng: [1, 2, 3, 4],
  budget: { calls: 10, usd: 0, rollouts: 10, proposalCalls: 0, elapsedMs: 5 },
  baseline: { candidate: "c0", score: 0.5 },
  spent: { tokens: { promptTokens: 1, completionTokens: 2, cachedTokens: 0 }, costUsd: null },
};

/** A database with two complete runs (candidates, events, a checkpoint, results), `good` and `bad`. */
async function twoRuns(): Promise<{ file: string; store: Store }> {
  const file = await tmpDb();
  const store = Store.open(file);
  stores.push(store);
  for (const [i, id] of ["good0001", "bad00001"].entries()) {
    store.runs.create({ id, kind: "optimize", programName: "p", programFile: "/p.yaml", programHash: "h", programSource: "name: p", config: OPTIMIZE_CONFIG, startedAt: 1000 + i });
    store.runs.addCandidate(id, { hash: `cand-${id}`, state: { steps: {} }, origin: "baseline" });
    store.runs.addEvent(id, "accepted", { score: 0.5 });
    store.runs.putCheckpoint(id, 2, CHECKPOINT);
    const evalId = store.evaluations.add(`key-${id}`, `cand-${id}`, "ex1", {
      score: 1,
      trace: [],
      usage: { promptTokens: 1, completionTokens: 1, cachedTokens: 0 },
      costUsd: 0,
      nominalCostUsd: 0,
      calls: 1,
      cachedCalls: 0,
      latencyMs: 1,
    });
    store.evaluations.link({ runId: id, candidate: `cand-${id}`, dataset: "dev", exampleId: "ex1", idx: 0, evalId, memoized: false });
    store.runs.update(id, { status: "done", totals: { calls: 1 }, finished: true });
  }
  await store.flush();
  return { file, store };
}

/** Runs `sql` on the file behind the store's back, as a crash, a disk error or a hand edit would. */
function damage(file: string, sql: string): void {
  const raw = new Database(file);
  raw.exec(sql);
  raw.close();
}

function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return err as UserError;
  }
  throw new Error("expected a UserError, but the call succeeded");
}

const shown = (file: string) => path.relative(process.cwd(), file);

describe("a damaged row breaks only its own run", () => {
  it.each([
    ["config", "UPDATE runs SET config = '{not json' WHERE id = 'bad00001'", /its `config` is not valid JSON/],
    ["config of the wrong shape", "UPDATE runs SET config = '[1, 2]' WHERE id = 'bad00001'", /its `config` does not have the expected shape/],
    ["totals", "UPDATE runs SET totals = 'null' WHERE id = 'bad00001'", /its `totals` does not have the expected shape/],
    ["a column of the wrong type", "UPDATE runs SET started_at = 'yesterday' WHERE id = 'bad00001'", /its row has a column of the wrong type \(started_at:/],
  ])("its %s: listed as damaged, refused by name, the other run reads", async (_what, sql, reason) => {
    const { file, store } = await twoRuns();
    damage(file, sql);
    const listed = store.runs.list();
    expect(listed.map((r) => r.id)).toEqual(expect.arrayContaining(["good0001", "bad00001"]));
    const bad = listed.find((r) => r.id === "bad00001")!;
    expect(isDamaged(bad) && bad.damaged).toMatch(reason);
    expect(isDamaged(listed.find((r) => r.id === "good0001")!)).toBe(false);
    const err = userError(() => store.runs.resolve("bad0"));
    expect(err.problems[0]!.pos).toEqual({ file: shown(file) });
    expect(err.problems[0]!.message).toMatch(/^run bad00001 is damaged: /);
    expect(err.problems[0]!.message).toMatch(reason);
    expect(() => store.runs.get("bad00001")).toThrow(UserError);
    expect(store.runs.resolve("good").config).toEqual(OPTIMIZE_CONFIG);
    expect(store.runs.candidates("good0001")).toHaveLength(1);
  });

  it.each([
    ["a candidate's state", "UPDATE candidates SET state = '{' WHERE run_id = 'bad00001'", (s: Store, id: string) => s.runs.candidates(id), /the state of candidate cand-bad00 is not valid JSON/],
    ["a candidate's parents", "UPDATE candidates SET parents = '{\"a\": 1}' WHERE run_id = 'bad00001'", (s: Store, id: string) => s.runs.candidates(id), /the parents of candidate cand-bad00 does not have the expected shape/],
    ["an event", "UPDATE events SET data = 'oops' WHERE run_id = 'bad00001'", (s: Store, id: string) => s.runs.events(id), /event 0 \(accepted\) is not valid JSON/],
    ["a result", "UPDATE evaluations SET usage = '{}' WHERE key = 'key-bad00001'", (s: Store, id: string) => s.evaluations.results(id), /its result for example ex1 `usage` does not have the expected shape/],
    ["a checkpoint", "UPDATE checkpoints SET state = '{\"x\": 1}' WHERE run_id = 'bad00001'", (s: Store, id: string) => s.runs.checkpoint(id, checkpointSchema), /its checkpoint does not have the expected shape \(v: /],
    ["a checkpoint's JSON", "UPDATE checkpoints SET state = 'garbage' WHERE run_id = 'bad00001'", (s: Store, id: string) => s.runs.checkpoint(id, checkpointSchema), /its checkpoint is not valid JSON/],
  ])("%s: a UserError naming the run and the file; the other run reads", async (_what, sql, read, reason) => {
    const { file, store } = await twoRuns();
    damage(file, sql);
    const err = userError(() => read(store, "bad00001"));
    expect(err.problems[0]!.pos).toEqual({ file: shown(file) });
    expect(err.problems[0]!.message).toMatch(/^run bad00001 is damaged: /);
    expect(err.problems[0]!.message).toMatch(reason);
    expect(() => read(store, "good0001")).not.toThrow();
  });

  it("reads a good checkpoint through the optimizer's schema", async () => {
    const { store } = await twoRuns();
    // A version-1 checkpoint reads as the current form: the optimizer's position, `spent` no longer read.
    const { v: _v, spent: _spent, ...position } = CHECKPOINT;
    expect(store.runs.checkpoint("good0001", checkpointSchema)).toEqual({ step: 2, state: { ...position, phase: "optimizing" } });
    expect(store.runs.checkpoint("nope0001", z.unknown())).toBeUndefined();
  });

  it("a damaged memo row is no answer: the example is evaluated again rather than the command failing", async () => {
    const { file, store } = await twoRuns();
    expect(await store.evaluations.lookup("key-bad00001")).toBeDefined();
    damage(file, "UPDATE evaluations SET trace = '{' WHERE key = 'key-bad00001'");
    expect(await store.evaluations.lookup("key-bad00001")).toBeUndefined();
    expect((await store.evaluations.lookup("key-good0001"))?.row.score).toBe(1);
  });
});

describe("a damaged schema version", () => {
  it.each([0, -1])("user_version %i over existing tables is reported as damaged, naming the file", async (version) => {
    const file = await tmpDb();
    openDatabase(file).close();
    damage(file, `PRAGMA user_version = ${version}`);
    const err = userError(() => openDatabase(file));
    expect(err.problems[0]!.pos).toEqual({ file: shown(file) });
    expect(err.problems[0]!.message).toMatch(/damaged/);
    expect(err.problems[0]!.message).toContain("evaluations");
    // Nothing was changed: the tables are there, the version is as found.
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma("user_version", { simple: true })).toBe(version);
    raw.close();
  });

  it("a file with another program's tables is not taken over", async () => {
    const file = await tmpDb();
    damage(file, "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)");
    expect(userError(() => openDatabase(file)).problems[0]!.message).toMatch(/is not a dspx database: it has tables \(notes\)/);
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()).toEqual([{ name: "notes" }]);
    raw.close();
  });

  it("a missing table is reported as damage, naming the file", async () => {
    const file = await tmpDb();
    openDatabase(file).close();
    damage(file, "DROP TABLE run_results");
    const err = userError(() => Store.open(file, { write: false }));
    expect(err.problems).toEqual([{ message: expect.stringMatching(/^the file is damaged: .*run_results/), pos: { file: shown(file) } }]);
  });
});

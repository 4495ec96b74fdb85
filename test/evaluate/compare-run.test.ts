import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { showCommand } from "../../src/cli/commands/show.js";
import { runsCommand } from "../../src/cli/commands/runs.js";
import { settingsFromFlags } from "../../src/cli/open.js";
import { comparePrograms, type CompareSide } from "../../src/evaluate/compare-programs.js";
import { compareSummary } from "../../src/evaluate/compare-run.js";
import { LMPool } from "../../src/lm/pool.js";
import { resume } from "../../src/optimize/run.js";
import { stateHash, type ProgramState } from "../../src/program/state.js";
import { resolveCandidateRef } from "../../src/runtime/candidate-ref.js";
import { loadProgram } from "../../src/runtime/load.js";
import type { Program } from "../../src/runtime/program.js";
import { Store } from "../../src/store/store.js";
import { UserError } from "../../src/util/errors.js";
import { runInProcess } from "../support/command.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const PROGRAM = path.join(ROOT, "programs/support-triage.yaml");

let dir: string;
let file: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "dspx-compare-run-"));
  file = path.join(dir, "dspx.db");
  store = Store.open(file);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Both sides on one pool (sim), as `dspx compare` loads them: A the program as written, B with another instruction (or A's own state). */
async function sides(sameState = false): Promise<{ a: CompareSide; b: CompareSide; pool: LMPool }> {
  const pool = new LMPool(settingsFromFlags({ lm: "sim" }), { cache: store.cache.forRun() });
  const pa: Program = await loadProgram(PROGRAM, { pool });
  const state = structuredClone(pa.state) as ProgramState;
  if (!sameState) state.steps.route!.instruction = "Pick the team that handles billing, refunds and invoices, accounts and logins, bugs, or anything else.";
  const pb: Program = await loadProgram(PROGRAM, { pool, state });
  return { a: { label: "the program", program: pa, ref: "programs/support-triage.yaml" }, b: { label: "the new instruction", program: pb, ref: "b.yaml" }, pool };
}

/** A run's results per candidate, as linked in run_results. */
function linked(runId: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of store.evaluations.results(runId)) out.set(r.candidate, [...(out.get(r.candidate) ?? []), `${r.dataset}:${r.exampleId}`]);
  return out;
}

describe("a recorded comparison (a compare run)", () => {
  it("records both sides' results under their candidates, the configuration, totals, best score and the summary", async () => {
    const { a, b, pool } = await sides();
    const c = await comparePrograms(store, a, b, { split: "dev", limit: 12, seed: 3, concurrency: 4, record: { lm: pool.recordedLm(), name: "instruction test" } });
    expect(c.runId).toBeDefined();
    await store.writer.flush();
    const run = store.runs.get(c.runId!)!;
    expect(run).toMatchObject({ kind: "compare", status: "done", name: "instruction test", programName: "support-triage", seed: 3 });
    if (run.kind !== "compare") throw new Error("not a compare run");
    const [ha, hb] = [stateHash(a.program.state), stateHash(b.program.state)];
    expect(ha).not.toBe(hb);
    // The configuration as stored, read back through its schema.
    expect(run.config).toMatchObject({
      a: { ref: "programs/support-triage.yaml", label: "the program", candidate: ha, program: { name: "support-triage", file: PROGRAM }, models: ["sim"], lm: { override: "sim" } },
      b: { ref: "b.yaml", label: "the new instruction", candidate: hb, models: ["sim"] },
      dataset: "dev",
      limit: 12,
      seed: 3,
      concurrency: 4,
      lm: { override: "sim" },
    });
    expect(store.runs.candidates(run.id).map((x) => [x.hash, x.origin])).toEqual([
      [ha, "A"],
      [hb, "B"],
    ]);
    const results = linked(run.id);
    expect(results.get(ha)).toHaveLength(12);
    expect(results.get(hb)).toEqual(results.get(ha));
    expect(run.totals.compare).toEqual(compareSummary(c));
    expect(run.totals).toMatchObject({ examples: 12, calls: c.a.report.summary.calls + c.b.report.summary.calls, errors: c.a.report.summary.errors + c.b.report.summary.errors });
    expect(run.totals.compare).toMatchObject({ n: 12, diff: c.diff, ci95: c.diffCi95, bootstrap: { seed: 3 }, improved: c.improved.length, regressed: c.regressed.length });
    expect(run.bestScore).toBe(Math.max(c.meanA, c.meanB));
    expect(run.bestCandidate).toBe(c.meanB >= c.meanA ? hb : ha);
    expect(store.runs.events(run.id).map((e) => e.type)).toEqual(["compared"]);
  });

  it("gives B a candidate of its own when both sides have the same state, and B reuses A's evaluations", async () => {
    const { a, b, pool } = await sides(true);
    const c = await comparePrograms(store, a, b, { split: "dev", limit: 5, record: { lm: pool.recordedLm() } });
    await store.writer.flush();
    const run = store.runs.get(c.runId!)!;
    const h = stateHash(a.program.state);
    expect(run.kind === "compare" && [run.config.a.candidate, run.config.b.candidate]).toEqual([h, `${h}-b`]);
    const results = linked(run.id);
    expect(results.get(h)).toHaveLength(5);
    expect(results.get(`${h}-b`)).toEqual(results.get(h));
    expect(c.b.report.summary.memoized).toBe(5);
    expect(c.diff).toBe(0);
  });

  it("marks the run interrupted when stopped, failed (with the error) when the data cannot be read", async () => {
    const { a, b, pool } = await sides();
    const stop = new AbortController();
    stop.abort();
    let created: string | undefined;
    await expect(comparePrograms(store, a, b, { split: "dev", limit: 4, signal: stop.signal, record: { lm: pool.recordedLm(), onCreated: (r) => (created = r.runId) } })).rejects.toThrow(/interrupted/);
    await store.writer.flush();
    expect(store.runs.get(created!)).toMatchObject({ kind: "compare", status: "interrupted" });
    expect(store.runs.get(created!)?.totals.compare).toBeUndefined();

    await expect(comparePrograms(store, a, b, { dataset: path.join(dir, "missing.jsonl"), record: { lm: pool.recordedLm(), onCreated: (r) => (created = r.runId) } })).rejects.toThrow(UserError);
    await store.writer.flush();
    const failed = store.runs.get(created!)!;
    expect(failed).toMatchObject({ kind: "compare", status: "failed", error: expect.stringMatching(/missing\.jsonl/) });
    expect(failed.finishedAt).toBeDefined();
  });

  it("records nothing without `record`", async () => {
    const { a, b } = await sides();
    const c = await comparePrograms(store, a, b, { split: "dev", limit: 3 });
    expect(c.runId).toBeUndefined();
    await store.writer.flush();
    expect(store.runs.list()).toEqual([]);
  });

  it("is listed and shown with its comparison, and refused by resume, export and as a candidate", async () => {
    const { a, b, pool } = await sides();
    const c = await comparePrograms(store, a, b, { split: "dev", limit: 10, record: { lm: pool.recordedLm() } });
    await store.close();
    store = Store.open(file);
    const id = c.runId!;

    const runs = await runInProcess((ctx) => runsCommand({ db: file, json: true }, ctx), { json: true });
    expect(JSON.parse(runs.stdout).runs).toEqual([expect.objectContaining({ id, kind: "compare", split: "dev", optimizer: null, status: "done", bestScore: Math.max(c.meanA, c.meanB) })]);

    const shown = await runInProcess((ctx) => showCommand(id, { db: file }, ctx));
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`run ${id}`);
    expect(shown.stdout).toContain("compare");
    expect(shown.stdout).toMatch(/side A +programs\/support-triage\.yaml/);
    expect(shown.stdout).toMatch(/side B +b\.yaml/);
    expect(shown.stdout).toContain("B − A");
    expect(shown.stdout).toContain("95% CI");
    expect(shown.stdout).toContain("10 examples of dev");
    expect(shown.stdout).toMatch(/sign test p = /);
    expect(shown.stdout).toContain("10 examples compared");
    const json = JSON.parse((await runInProcess((ctx) => showCommand(id, { db: file }, ctx), { json: true })).stdout);
    expect(json.run.totals.compare).toEqual(compareSummary(c));

    await expect(resume(id, store, new AbortController().signal)).rejects.toThrow(`run ${id} is a compare run: only optimize runs can be resumed`);
    expect(() => resolveCandidateRef(store, id, "export")).toThrow(new RegExp(`run ${id} is a compare run \\(A = programs/support-triage.yaml, B = b.yaml\\): it has no candidate of its own to export`));
    expect(() => resolveCandidateRef(store, `${id}:${c.runId}`)).toThrow(UserError);
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { settingsFromFlags } from "../../src/cli/open.js";
import { comparePrograms, type ProgramComparison } from "../../src/evaluate/compare-programs.js";
import { beginCompareRun } from "../../src/evaluate/compare-run.js";
import { evaluateProgram } from "../../src/evaluate/program.js";
import { LMPool } from "../../src/lm/pool.js";
import type { ProgramState } from "../../src/program/state.js";
import { loadProgram } from "../../src/runtime/load.js";
import type { Program } from "../../src/runtime/program.js";
import { Store } from "../../src/store/store.js";
import type { CandidatesResponse, ExampleResponse, ExamplesResponse, RunResponse, RunsResponse } from "../../src/view/api-types.js";
import { handleApi } from "../../src/view/api/router.js";
import { openViewStore, type ViewStore } from "../../src/view/view-store.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const PROGRAM = path.join(ROOT, "programs/support-triage.yaml");

let dir: string;
let file: string;
let view: ViewStore;
let comparison: ProgramComparison;
let runId: string;
let sides: { a: Program; b: Program };

async function programs(store: Store): Promise<{ a: Program; b: Program; pool: LMPool }> {
  const pool = new LMPool(settingsFromFlags({ lm: "sim" }), { cache: store.cache.forRun() });
  const a = await loadProgram(PROGRAM, { pool });
  const state = structuredClone(a.state) as ProgramState;
  state.steps.route!.instruction = "Pick the team that handles billing, refunds and invoices, accounts and logins, bugs, or anything else.";
  return { a, b: await loadProgram(PROGRAM, { pool, state }), pool };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "dspx-compare-api-"));
  file = path.join(dir, "dspx.db");
  const store = Store.open(file);
  const { a, b, pool } = await programs(store);
  sides = { a, b };
  comparison = await comparePrograms(store, { label: "A side", program: a, ref: "programs/support-triage.yaml" }, { label: "B side", program: b, ref: "b.yaml" }, { split: "dev", limit: 16, record: { lm: pool.recordedLm() } });
  runId = comparison.runId!;
  await store.close();
  view = openViewStore(file);
});
afterAll(() => {
  view.close();
  rmSync(dir, { recursive: true, force: true });
});

function get<T>(url: string, store = view): { status: number; body: T } {
  const u = new URL(url, "http://viewer.invalid");
  const { status, body } = handleApi(store, "GET", u.pathname, u.searchParams);
  return { status, body: JSON.parse(JSON.stringify(body)) as T };
}

describe("the viewer's API on a compare run", () => {
  it("lists it with kind compare (and filters by that kind)", () => {
    const { body } = get<RunsResponse>("/api/runs?kind=compare");
    expect(body.runs).toEqual([expect.objectContaining({ id: runId, kind: "compare", status: "done", live: false, split: "dev", optimizer: null, model: "sim", candidates: 2 })]);
    expect(get<RunsResponse>("/api/runs?kind=eval").body.runs).toEqual([]);
  });

  it("shows its two sides, the recorded B − A with its CI and sign test, and the same figures over its results", () => {
    const { status, body } = get<RunResponse>(`/api/runs/${runId}`);
    expect(status).toBe(200);
    expect(body.run.kind).toBe("compare");
    const cmp = body.compare!;
    expect(cmp.dataset).toBe("dev");
    expect(cmp.a).toMatchObject({ ref: "programs/support-triage.yaml", label: "A side", run: null, candidate: expect.any(String), models: ["sim"], n: 16, mean: comparison.meanA });
    expect(cmp.b).toMatchObject({ ref: "b.yaml", label: "B side", n: 16, mean: comparison.meanB });
    expect(cmp.summary).toEqual({
      n: 16,
      meanA: comparison.meanA,
      meanB: comparison.meanB,
      meanDiff: comparison.diff,
      ci95: comparison.diffCi95,
      wins: comparison.improved.length,
      losses: comparison.regressed.length,
      ties: 16 - comparison.improved.length - comparison.regressed.length,
      signTestP: expect.any(Number),
      resamples: comparison.bootstrap.resamples,
      seed: comparison.bootstrap.seed,
      exact: comparison.exact ?? null,
      sameModels: true,
    });
    // The examples view's statistics over the stored results are the recorded ones (same code, same default seed).
    expect(cmp.stats).toEqual({ ...cmp.summary, resamples: undefined, seed: undefined, exact: undefined, sameModels: undefined });
    expect(body.progress).toEqual({ done: 32, total: 32 });
    expect(body.events.map((e) => e.type)).toEqual(["compared"]);
    expect(body.budget).toBeNull();
    expect(body.stages).toEqual([]);
  });

  it("opens the examples view on A vs B by default, and each example with both sides' traces", () => {
    const run = get<RunResponse>(`/api/runs/${runId}`).body;
    const { body } = get<ExamplesResponse>(`/api/runs/${runId}/examples?pageSize=all`);
    expect([body.a, body.b]).toEqual([run.compare!.a.candidate, run.compare!.b.candidate]);
    expect(body.dataset).toBe("dev");
    expect(body.total).toBe(16);
    expect(body.stats).toEqual(run.compare!.stats);
    const flips = get<ExamplesResponse>(`/api/runs/${runId}/examples?filter=flips&pageSize=all`).body;
    expect(flips.total).toBe(comparison.improved.length + comparison.regressed.length);
    const example = get<ExampleResponse>(`/api/runs/${runId}/examples/${encodeURIComponent(body.rows[0]!.exampleId)}`).body;
    expect(example.a?.candidate).toBe(body.a);
    expect(example.b?.candidate).toBe(body.b);
    expect(example.a?.steps[0]?.calls.length).toBeGreaterThan(0);
    const candidates = get<CandidatesResponse>(`/api/runs/${runId}/candidates`).body.candidates;
    expect(candidates.map((c) => [c.hash, c.origin])).toEqual([
      [body.a, "A"],
      [body.b, "B"],
    ]);
    expect(candidates[1]!.steps[0]!.instruction).toMatch(/^Pick the team/);
  });

  it("follows a compare run in progress: each side's results as they come, the paired statistics so far, no summary yet", async () => {
    const store = Store.open(file);
    const run = await beginCompareRun(store, { label: "A", program: sides.a }, { label: "B", program: sides.b }, { dataset: "dev", concurrency: 4, lm: sides.a.pool.recordedLm() });
    const live = openViewStore(file);
    try {
      const at = () => get<RunResponse>(`/api/runs/${run.runId}`, live).body;
      const started = at();
      expect(started.run).toMatchObject({ kind: "compare", status: "running", live: true });
      expect(started.compare).toMatchObject({ a: { n: 0, mean: null }, b: { n: 0 }, summary: null, stats: null });
      expect(started.progress).toEqual({ done: 0, total: null });
      run.expect(12);
      await store.writer.flush();
      expect(at().progress).toEqual({ done: 0, total: 12 });

      await evaluateProgram(sides.a, { split: "dev", limit: 6, memoFor: (d) => run.memoFor("a", d) });
      await store.writer.flush();
      const halfway = at();
      expect(halfway.version).not.toBe(started.version);
      expect(halfway.compare).toMatchObject({ a: { n: 6 }, b: { n: 0 }, summary: null, stats: null });
      expect(halfway.progress).toEqual({ done: 6, total: 12 });

      await evaluateProgram(sides.b, { split: "dev", limit: 4, memoFor: (d) => run.memoFor("b", d) });
      await store.writer.flush();
      const paired = at().compare!;
      expect(paired.b.n).toBe(4);
      expect(paired.stats?.n).toBe(4);
      expect(paired.summary).toBeNull();
      run.finish({ error: new Error("stopped by the test"), sides: [] });
      await store.writer.flush();
      expect(at().run.status).toBe("failed");
    } finally {
      live.close();
      await store.close();
    }
  });

  it("sets out to record both sides' examples (A's twice until B's are counted), and counts what it scored once done", async () => {
    const store = Store.open(file);
    const told: number[] = [];
    try {
      const { a, b, pool } = await programs(store);
      const done = await comparePrograms(store, { label: "A", program: a }, { label: "B", program: b }, {
        split: "dev",
        limit: 5,
        record: {
          lm: pool.recordedLm(),
          onCreated: (run) => {
            const expect = run.expect.bind(run);
            run.expect = (n) => {
              told.push(n);
              expect(n);
            };
          },
        },
      });
      await store.writer.flush();
      expect(told).toEqual([10, 10]);
      expect(get<RunResponse>(`/api/runs/${done.runId!}`).body.progress).toEqual({ done: 10, total: 10 });
    } finally {
      await store.close();
    }
  });

  it("labels each side's steps with its own program's modules, not A's, when B is another program", async () => {
    const variant = path.join(dir, "support-triage-predict.yaml");
    const source = readFileSync(PROGRAM, "utf8")
      .replace("module: chain_of_thought", "module: predict")
      .replaceAll("../datasets/", `${path.join(ROOT, "datasets")}/`);
    writeFileSync(variant, source);
    const store = Store.open(file);
    try {
      const pool = new LMPool(settingsFromFlags({ lm: "sim" }), { cache: store.cache.forRun() });
      const a = await loadProgram(PROGRAM, { pool });
      const b = await loadProgram(variant, { pool });
      const done = await comparePrograms(store, { label: "A", program: a }, { label: "B", program: b }, { split: "dev", limit: 3, record: { lm: pool.recordedLm() } });
      await store.writer.flush();
      const candidates = get<CandidatesResponse>(`/api/runs/${done.runId!}/candidates`).body.candidates;
      expect(candidates.map((c) => [c.origin, c.steps.map((s) => s.module)])).toEqual([
        ["A", ["chain_of_thought"]],
        ["B", ["predict"]],
      ]);
    } finally {
      await store.close();
    }
  });
});

import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { comparePrograms } from "../../src/evaluate/compare-programs.js";
import { LMPool } from "../../src/lm/pool.js";
import { loadCandidate, resolveCandidateRef } from "../../src/runtime/candidate-ref.js";
import { settingsFromFlags } from "../../src/cli/open.js";
import { openDatabase } from "../../src/store/db.js";
import { Store } from "../../src/store/store.js";
import type { CandidatesResponse, ExampleResponse, ExamplesResponse, RunResponse, RunsResponse } from "../../src/view/api-types.js";
import { handleApi } from "../../src/view/api/router.js";
import { filterExampleRows } from "../../src/view/examples-filter.js";
import { once } from "../support/once.js";
import { HOSTILE, makeFixture } from "./fixture.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const fixture = once(makeFixture);
afterAll(async () => (await fixture()).view.close());

async function get<T>(url: string, method = "GET"): Promise<{ status: number; body: T }> {
  const u = new URL(url, "http://viewer.invalid");
  const { status, body } = handleApi((await fixture()).view, method, u.pathname, u.searchParams);
  // What the server sends: the body as JSON, and back.
  return { status, body: JSON.parse(JSON.stringify(body)) as T };
}

describe("the viewer's API on a database made by a GEPA run on sim and an eval run", () => {
  it("lists every run, newest first, with what the runs list shows; filters by kind and text", async () => {
    const f = await fixture();
    const { body } = await get<RunsResponse>("/api/runs");
    expect(body.apiVersion).toBe(1);
    expect(body.runs.map((r) => r.id).sort()).toEqual([f.gepaRun, f.hostileRun].sort());
    const gepa = body.runs.find((r) => r.id === f.gepaRun)!;
    const row = f.view.runs.get(f.gepaRun)!;
    expect(gepa).toMatchObject({ kind: "optimize", status: "done", live: false, optimizer: "gepa", model: "sim", split: "dev", bestScore: row.bestScore, calls: row.totals.calls });
    expect(gepa.candidates).toBe(f.view.runs.candidates(f.gepaRun).length);
    expect((await get<RunsResponse>("/api/runs?kind=eval")).body.runs.map((r) => r.id)).toEqual([f.hostileRun]);
    expect((await get<RunsResponse>("/api/runs?q=SUPPORT-tri")).body.runs.map((r) => r.id)).toEqual([f.gepaRun]);
    expect((await get("/api/runs?status=sleeping")).status).toBe(400);
  });

  it("shows a run: its plan, budget, score over time (baseline first, best so far never falling) and final scores", async () => {
    const f = await fixture();
    const { status, body } = await get<RunResponse>(`/api/runs/${f.gepaRun.slice(0, 5)}`);
    expect(status).toBe(200);
    const candidates = f.view.runs.candidates(f.gepaRun);
    expect(body.baselineCandidate).toBe(candidates[0]!.hash);
    expect(body.plan).toMatchObject({ buys: expect.stringMatching(/GEPA iterations/) });
    expect(body.budget!.limit.calls).toBe(400);
    expect(body.budget!.used.calls).toBeGreaterThan(0);
    expect(body.stages).toEqual([{ optimizer: "gepa", status: "done", bestScore: f.view.runs.get(f.gepaRun)!.bestScore }]);
    expect(body.scores[0]!.candidate).toBe(body.baselineCandidate);
    for (let i = 1; i < body.scores.length; i++) expect(body.scores[i]!.best).toBeGreaterThanOrEqual(body.scores[i - 1]!.best);
    // The best candidate's point, and its final dev score, are the run's best score.
    const run = f.view.runs.get(f.gepaRun)!;
    expect(body.scores.find((p) => p.candidate === run.bestCandidate)!.score).toBe(run.bestScore);
    expect(body.final.best.find((d) => d.dataset === "dev")!.mean).toBe(run.bestScore);
    expect(body.final.baseline.map((d) => d.dataset).sort()).toEqual(["dev", "test", "train"]);
    expect(body.events.map((e) => e.type)).toContain("accepted");
    expect(body.progress.done).toBe(f.view.evaluations.results(f.gepaRun).length);
  });

  it("changes the run's version when the run changes in another process's connection (how the UI sees a live run)", async () => {
    const f = await fixture();
    const before = (await get<RunResponse>(`/api/runs/${f.hostileRun}`)).body;
    const writer = Store.open(f.file);
    writer.runs.addEvent(f.hostileRun, "note", { summary: "written while the viewer reads" });
    await writer.close();
    const after = (await get<RunResponse>(`/api/runs/${f.hostileRun}`)).body;
    expect(after.version).not.toBe(before.version);
    expect(after.events.at(-1)!.type).toBe("note");
  });

  it("sees results another process adds, replaces and removes while the viewer has the run in memory", async () => {
    const f = await fixture();
    const url = `/api/runs/${f.hostileRun}/examples?pageSize=all`;
    const before = (await get<ExamplesResponse>(url)).body;
    const progress = (await get<RunResponse>(`/api/runs/${f.hostileRun}`)).body.progress.done;
    const writer = Store.open(f.file);
    const [first] = writer.evaluations.results(f.hostileRun);
    const add = (exampleId: string, idx: number, score: number) => {
      const evalId = writer.evaluations.add(`live-${exampleId}-${score}`, f.hostileCandidate, exampleId, { ...first!, score, error: undefined });
      writer.evaluations.link({ runId: f.hostileRun, candidate: f.hostileCandidate, dataset: "dev", exampleId, idx, evalId, memoized: false });
    };
    add("ex-live", 3, 1);
    await writer.flush();
    const grown = (await get<ExamplesResponse>(url)).body;
    expect(grown.total).toBe(before.total + 1);
    expect(grown.rows.at(-1)).toMatchObject({ exampleId: "ex-live", a: { score: 1 } });
    expect((await get<RunResponse>(`/api/runs/${f.hostileRun}`)).body.progress.done).toBe(progress + 1);
    // A link written again (INSERT OR REPLACE) comes back with a new row: shown once, with its new score.
    add("ex-live", 3, 0);
    await writer.flush();
    const replaced = (await get<ExamplesResponse>(url)).body;
    expect(replaced.rows.filter((r) => r.exampleId === "ex-live")).toEqual([expect.objectContaining({ a: { score: 0, error: null } })]);
    expect((await get<RunResponse>(`/api/runs/${f.hostileRun}`)).body.final.best[0]!.n).toBe(before.total + 1);
    await writer.close();
    // A link removed behind the viewer's back (by hand, or a tool of another version): read again.
    const db = openDatabase(f.file);
    db.prepare("DELETE FROM run_results WHERE run_id = ? AND example_id = 'ex-live'").run(f.hostileRun);
    db.close();
    expect((await get<RunResponse>(`/api/runs/${f.hostileRun}`)).body.final.best[0]!.n).toBe(before.total);
    expect((await get<ExamplesResponse>(url)).body.total).toBe(before.total);
  });

  it("lists candidates with lineage, scores and GEPA's frontier: the best is on it, a child rejected on its minibatch is not", async () => {
    const f = await fixture();
    const { body } = await get<CandidatesResponse>(`/api/runs/${f.gepaRun}/candidates`);
    const run = f.view.runs.get(f.gepaRun)!;
    const best = body.candidates.find((c) => c.hash === run.bestCandidate)!;
    expect(best.onFrontier).toBe(true);
    expect(best.origin).toBe("reflection");
    expect(best.parents).toEqual([body.candidates[0]!.hash]);
    expect(best.stage).toBe("gepa");
    expect(best.note).toMatch(/minibatch/);
    expect(best.steps).toEqual([{ step: "route", module: "chain_of_thought", instruction: (best as { steps: { instruction: string }[] }).steps[0]!.instruction, demos: [] }]);
    expect(best.steps[0]!.instruction).not.toBe(body.candidates[0]!.steps[0]!.instruction);
    expect(best.scores.dev!.n).toBe(body.candidates[0]!.scores.dev!.n);
    // A child that lost on its minibatch never joined the pool: never scored on dev, never on the frontier.
    const rejected = body.candidates.filter((c) => !c.scores.dev);
    expect(rejected.length).toBeGreaterThan(0);
    for (const c of rejected) expect(c.onFrontier).toBe(false);
    // An eval run has no frontier.
    expect((await get<CandidatesResponse>(`/api/runs/${f.hostileRun}/candidates`)).body.candidates.map((c) => c.onFrontier)).toEqual([false]);
  });

  it("compares baseline and best on every dev example with the statistics `dspx compare` computes", async () => {
    const f = await fixture();
    const { body } = await get<ExamplesResponse>(`/api/runs/${f.gepaRun}/examples?pageSize=all`);
    const run = f.view.runs.get(f.gepaRun)!;
    expect(body.b).toBe(run.bestCandidate);
    // dspx compare's own path: both candidates loaded and scored from the store (memoized), then compared.
    const store = Store.open(f.file);
    try {
      const pool = new LMPool(settingsFromFlags({}), { cache: store.cache });
      const [a, b] = [resolveCandidateRef(store, `${f.gepaRun}:${body.a}`), resolveCandidateRef(store, `${f.gepaRun}:${body.b}`)];
      const [pa, pb] = await Promise.all([loadCandidate(a, pool), loadCandidate(b, pool)]);
      const c = await comparePrograms(store, { label: "A", program: pa }, { label: "B", program: pb }, { split: "dev" });
      expect(body.stats).toEqual({
        n: c.n,
        meanA: c.meanA,
        meanB: c.meanB,
        meanDiff: c.diff,
        ci95: c.diffCi95,
        wins: c.improved.length,
        losses: c.regressed.length,
        ties: c.n - c.improved.length - c.regressed.length,
        signTestP: expect.any(Number),
      });
      expect(c.a.report.summary.memoized).toBe(c.n);
      if (c.exact) expect(body.stats!.signTestP).toBe(c.exact.pValue);
    } finally {
      await store.close();
    }
    expect(body.total).toBe(body.stats!.n);
    expect(body.rows.map((r) => r.index)).toEqual([...body.rows.map((r) => r.index)].sort((x, y) => x - y));
  });

  it("filters flips, improved, regressed and failures, searches ids and inputs, and pages on the server", async () => {
    const f = await fixture();
    const all = (await get<ExamplesResponse>(`/api/runs/${f.gepaRun}/examples?pageSize=all`)).body;
    const flips = (await get<ExamplesResponse>(`/api/runs/${f.gepaRun}/examples?filter=flips&pageSize=all`)).body;
    expect(flips.total).toBe(all.stats!.wins + all.stats!.losses);
    expect(flips.total).toBeGreaterThan(0);
    for (const r of flips.rows) expect(r.a.score).not.toBe(r.b.score);
    const improved = (await get<ExamplesResponse>(`/api/runs/${f.gepaRun}/examples?filter=improved&pageSize=all`)).body;
    expect(improved.total).toBe(all.stats!.wins);
    for (const r of improved.rows) expect(r.b.score!).toBeGreaterThan(r.a.score!);
    const regressed = (await get<ExamplesResponse>(`/api/runs/${f.gepaRun}/examples?filter=regressed&pageSize=all`)).body;
    expect(regressed.total).toBe(all.stats!.losses);
    const failures = (await get<ExamplesResponse>(`/api/runs/${f.gepaRun}/examples?filter=failures&pageSize=all`)).body;
    expect(failures.total).toBe(all.rows.filter((r) => r.b.score! < 1).length);
    // Stats are over every example, whatever the filter.
    expect(flips.stats).toEqual(all.stats);
    // Search: an id, and a word of the inputs.
    const target = all.rows[7]!;
    expect((await get<ExamplesResponse>(`/api/runs/${f.gepaRun}/examples?q=${target.exampleId.toUpperCase()}`)).body.rows.map((r) => r.exampleId)).toEqual([target.exampleId]);
    const word = target.preview.split(/\s+/).find((w) => w.length > 6)!;
    const byWord = (await get<ExamplesResponse>(`/api/runs/${f.gepaRun}/examples?q=${encodeURIComponent(word)}&pageSize=all`)).body;
    expect(byWord.rows.map((r) => r.exampleId)).toContain(target.exampleId);
    for (const r of byWord.rows) expect(r.preview.toLowerCase()).toContain(word.toLowerCase());
    // Paging: page 2 of 5 is rows 5..9 of the filtered list; total counts the filtered rows.
    const page = (await get<ExamplesResponse>(`/api/runs/${f.gepaRun}/examples?filter=flips&page=2&pageSize=5`)).body;
    expect(page.rows).toEqual(flips.rows.slice(5, 10));
    expect(page.total).toBe(flips.total);
    // The report's UI filters with the same function.
    expect(filterExampleRows(all.rows, { filter: "flips" })).toEqual(flips.rows);
  });

  it("shows one example for both candidates: inputs, prediction, score, feedback and each step's calls", async () => {
    const f = await fixture();
    const rows = (await get<ExamplesResponse>(`/api/runs/${f.gepaRun}/examples?filter=flips`)).body.rows;
    const id = rows[0]!.exampleId;
    const { status, body } = await get<ExampleResponse>(`/api/runs/${f.gepaRun}/examples/${encodeURIComponent(id)}`);
    expect(status).toBe(200);
    const stored = (c: string) => f.view.evaluations.results(f.gepaRun, { candidate: c, dataset: "dev" }).find((r) => r.exampleId === id)!;
    for (const side of [body.a!, body.b!]) {
      const row = stored(side.candidate);
      expect(side.score).toBe(row.score);
      expect(side.prediction).toEqual(row.outputs);
      expect(side.feedback).toBe(row.feedback);
      const trace = row.trace as { step: string; inputs: unknown; calls: { text: string }[] }[];
      expect(side.steps.map((s) => s.step)).toEqual(trace.map((s) => s.step));
      expect(side.steps[0]!.calls.map((c) => c.completion)).toEqual(trace[0]!.calls.map((c) => c.text));
      expect(body.inputs).toEqual(trace[0]!.inputs);
    }
    expect(body.a!.score).not.toBe(body.b!.score);
    // The example as stored (inputs and gold), and each call's rendered messages, also by their hash.
    const line = readFileSync(path.join(ROOT, "datasets/support-triage/dev.jsonl"), "utf8").split("\n").map((l) => JSON.parse(l || "null")).find((r) => r?.id === id);
    expect(body.goldStored).toBe(true);
    expect(body.gold).toEqual({ team: line.team, urgency: line.urgency });
    expect(body.inputs).toEqual({ message: line.message });
    const call = body.b!.steps[0]!.calls[0]!;
    expect(call.messagesHash).toMatch(/^[0-9a-f]{64}$/);
    expect(call.messages!.at(-1)).toMatchObject({ role: "user", content: expect.stringContaining(line.message) });
    expect(call.messages!.map((m) => m.role)[0]).toBe("system");
    const messages = await get<{ messages: unknown }>(`/api/messages/${call.messagesHash}`);
    expect(messages.status).toBe(200);
    expect(messages.body.messages).toEqual(call.messages);
  });

  it("keeps hostile text as data: markup in names, inputs, instructions, completions, feedback and errors comes back verbatim", async () => {
    const f = await fixture();
    const runs = (await get<RunsResponse>("/api/runs")).body;
    expect(runs.runs.find((r) => r.id === f.hostileRun)!.program).toBe(`triage ${HOSTILE}`);
    const examples = (await get<ExamplesResponse>(`/api/runs/${f.hostileRun}/examples?filter=errors`)).body;
    expect(examples.rows).toEqual([{ exampleId: "ex-1", index: 1, preview: `message: ${HOSTILE} #1`, a: { score: 0, error: HOSTILE }, b: { score: 0, error: HOSTILE } }]);
    const one = (await get<ExampleResponse>(`/api/runs/${f.hostileRun}/examples/${encodeURIComponent(HOSTILE)}`)).body;
    expect(one.exampleId).toBe(HOSTILE);
    expect(one.a!.steps[0]!.calls[0]!.completion).toBe(`[[ ## team ## ]]\n${HOSTILE}`);
    expect(one.a!.feedback).toBe(HOSTILE);
    const candidates = (await get<CandidatesResponse>(`/api/runs/${f.hostileRun}/candidates`)).body;
    expect(candidates.candidates[0]!.steps[0]).toEqual({ step: "route", module: "predict", instruction: HOSTILE, demos: [{ fields: { message: HOSTILE, team: "other" }, origin: null }] });
  });

  it("answers 404 for an unknown run, candidate, example or path, 400 for bad parameters, 405 for anything but GET and HEAD", async () => {
    const f = await fixture();
    const cases: [string, number][] = [
      ["/api/runs/zzzzzz", 404],
      ["/api/runs/..", 404],
      [`/api/runs/${f.gepaRun}/examples?a=ffffffff`, 404],
      [`/api/runs/${f.gepaRun}/examples/no-such-example`, 404],
      [`/api/runs/${f.gepaRun}/nothing`, 404],
      ["/api/nothing", 404],
      ["/api/messages/0123456789abcdef0123", 404],
      [`/api/runs/${f.gepaRun}/examples?filter=everything`, 400],
      [`/api/runs/${f.gepaRun}/examples?pageSize=0`, 400],
      [`/api/runs/${f.gepaRun}/examples?pageSize=100000`, 400],
      [`/api/runs/${f.gepaRun}/examples?page=-1`, 400],
      [`/api/runs/${f.gepaRun}/examples?page=1&page=2`, 400],
      [`/api/runs/${f.gepaRun}/examples/%E0%A4%A`, 400],
      ["/api/messages/not-a-hash", 400],
      ["/api/compare?a=" + f.gepaRun, 400],
    ];
    for (const [url, status] of cases) {
      const answer = await get<{ apiVersion: number; error: { status: number; message: string } }>(url);
      expect({ url, status: answer.status }).toEqual({ url, status });
      expect(answer.body).toEqual({ apiVersion: 1, error: { status, message: expect.any(String) } });
    }
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) expect((await get("/api/runs", method)).status).toBe(405);
    expect((await get("/api/runs", "HEAD")).status).toBe(200);
  });

  it("compares two recorded candidates across runs with the same statistics", async () => {
    const f = await fixture();
    const examples = (await get<ExamplesResponse>(`/api/runs/${f.gepaRun}/examples`)).body;
    const { status, body } = await get<{ stats: unknown; a: { candidate: string }; b: { candidate: string } }>(`/api/compare?a=${f.gepaRun}:${examples.a.slice(0, 8)}&b=${f.gepaRun}`);
    expect(status).toBe(200);
    expect(body.a.candidate).toBe(examples.a);
    expect(body.b.candidate).toBe(examples.b);
    expect(body.stats).toEqual(examples.stats);
  });
});

import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkBatchInputs, readBatchInputs, type BatchInput } from "../../src/batch/inputs.js";
import { predictBatch, type BatchResult, type BatchSummary, type PredictBatchOptions } from "../../src/batch/predict.js";
import { loadGraph } from "../../src/graph/load.js";
import type { Graph } from "../../src/graph/types.js";
import { initialState } from "../../src/program/state.js";
import { ProviderError, UserError } from "../../src/util/errors.js";
import { FakeLM, type FakeScript as Answer } from "../support/fake-lm.js";

let dir: string;
let graph: Graph;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "dspx-batch-"));
  const file = path.join(dir, "p.yaml");
  await writeFile(file, `name: t\ninputs:\n  message: string\noutputs:\n  team: route.team\nsteps:\n  route:\n    signature: "message -> team: enum(billing, technical)"\nmetric:\n  exact_match: team\n`);
  graph = await loadGraph(file);
});

/** `n` inputs, generated one at a time as they are pulled (`stats.pulled` counts them). */
function stream(n: number) {
  const stats = { pulled: 0 };
  async function* inputs(): AsyncGenerator<BatchInput> {
    for (let i = 0; i < n; i++) {
      stats.pulled++;
      yield { line: i + 1, id: `x-${i}`, inputs: { message: `message ${i}` } };
    }
  }
  return { stats, inputs: inputs() };
}

function run(answer: Answer, n: number, options: Partial<PredictBatchOptions> = {}) {
  const lm = new FakeLM(answer, { response: { usage: { promptTokens: 3, completionTokens: 2, cachedTokens: 0 } } });
  const { stats, inputs } = stream(n);
  const results: BatchResult[] = [];
  const done = predictBatch({
    graph,
    state: initialState(graph.spec, graph.lmSteps),
    exec: { lmFor: () => lm },
    inputs,
    total: n,
    concurrency: 4,
    onResult: (r) => void results.push(r),
    ...options,
  });
  return { lm, stats, results, done };
}

const team = (message: string) => ({ team: Number(message.split(" ")[1]) % 2 === 0 ? "billing" : "technical" });

describe("predictBatch", () => {
  it("gives every result in input order with its line and id, a failed line as a result with its error, and sums the calls", async () => {
    const { results, done } = run((req) => {
      const message = String(req.meta.inputs.message);
      // Line 3 is unreadable; the others answer in reverse order of their index (later ones sooner).
      if (message === "message 2") return "no idea";
      const i = Number(message.split(" ")[1]);
      return new Promise((r) => setTimeout(() => r(team(message)), (10 - i) * 3));
    }, 10);
    const summary = await done;
    expect(results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(results.map((r) => r.id)).toEqual(results.map((r) => `x-${r.index}`));
    expect(results.map((r) => r.line)).toEqual(results.map((r) => r.index + 1));
    expect(results[2]!.error).toMatchObject({ kind: "step", step: "route", raw: "no idea" });
    expect(results[2]!.outputs).toBeUndefined();
    expect(results[3]!.outputs).toEqual({ team: "technical" });
    // The unreadable line is tried with the json adapter too: 2 calls.
    expect(summary).toMatchObject({ total: 10, done: 10, ok: 9, errors: 1, calls: 11, cachedCalls: 0 });
    expect(summary.usage.promptTokens).toBe(33);
    expect(summary.stopped).toBeUndefined();
  });

  it("holds a bounded number of results behind a slow first line: of 3,000 inputs it pulls at most window + concurrency", async () => {
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    const { stats, results, done } = run(async (req) => {
      const message = String(req.meta.inputs.message);
      if (message === "message 0") await slow;
      return team(message);
    }, 3000, { window: 50, concurrency: 4 });
    // Let the fast lines run until the workers are all waiting behind line 0.
    for (let i = 0; i < 200; i++) await new Promise((r) => setImmediate(r));
    expect(results).toHaveLength(0);
    expect(stats.pulled).toBeGreaterThanOrEqual(50);
    expect(stats.pulled).toBeLessThanOrEqual(50 + 4);
    release();
    const summary = await done;
    expect(summary).toMatchObject({ total: 3000, done: 3000, ok: 3000 });
    expect(results.every((r, i) => r.index === i)).toBe(true);
  });

  it("a fatal error stops dispatching; the in-flight lines end and the error carries what was given so far", async () => {
    const { lm, results, done } = run((req) => {
      if (req.meta.inputs.message === "message 5") throw new ProviderError("fake", "auth", "bad key");
      return team(String(req.meta.inputs.message));
    }, 1000);
    const err = await done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProviderError);
    const partial = (err as { partial: BatchSummary }).partial;
    expect(partial.stopped).toBe("fatal");
    expect(partial.done).toBe(results.length);
    expect(results.map((r) => r.index)).toEqual(Array.from({ length: results.length }, (_, i) => i));
    expect(results.length).toBeLessThanOrEqual(5);
    expect(lm.requests.length).toBeLessThan(20);
  });

  it("an aborted signal stops dispatch: nothing more is pulled or run, and the summary says interrupted", async () => {
    const controller = new AbortController();
    let calls = 0;
    const { stats, done } = run(
      (req) => {
        if (++calls === 3) controller.abort();
        return team(String(req.meta.inputs.message));
      },
      1000,
      { signal: controller.signal, concurrency: 1 },
    );
    const summary = await done;
    expect(summary.stopped).toBe("interrupted");
    expect(summary.done).toBe(3);
    expect(stats.pulled).toBe(3);
  });
});

describe("inputs files", () => {
  it("streams the lines of a checked file: ids, line numbers past blank lines, inputs coerced, other keys ignored", async () => {
    const file = path.join(dir, "in.jsonl");
    await writeFile(file, `{"id": 7, "message": "a", "team": "billing"}\n\n{"message": "b"}\n`);
    expect(await checkBatchInputs(file, graph.spec.inputs)).toEqual({ count: 2 });
    const got: BatchInput[] = [];
    for await (const input of readBatchInputs(file, graph.spec.inputs)) got.push(input);
    expect(got).toEqual([
      { line: 1, id: "7", inputs: { message: "a" } },
      { line: 3, inputs: { message: "b" } },
    ]);
  });

  it("reports every bad line at once, sorted, with file:line:column", async () => {
    const file = path.join(dir, "bad.jsonl");
    await writeFile(file, `{"message": "ok"}\n{"text": "x"}\n{"message": "ok", "id": true}\n[1]\n`);
    const err = await checkBatchInputs(file, graph.spec.inputs).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).problems.map((p) => [p.pos?.line, p.pos?.col])).toEqual([
      [2, 1],
      [3, 19],
      [4, 1],
    ]);
  });
});

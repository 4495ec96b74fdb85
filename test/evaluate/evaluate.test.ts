import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadProgram } from "../../src/runtime/load.js";
import { evaluateProgram, evaluateProgramStreaming } from "../../src/evaluate/program.js";
import { worstResults } from "../../src/cli/report/text.js";
import type { ExampleResult } from "../../src/evaluate/types.js";
import type { LMClient, LMRequest, LMResponse } from "../../src/lm/types.js";
import { LMPool } from "../../src/lm/pool.js";
import { ProviderError } from "../../src/util/errors.js";

/** A scripted LM: answers `team` by a rule, or fails in the ways a test asks for. */
class ScriptedLM implements LMClient {
  readonly id = "fake:script";
  readonly provider = "fake";
  readonly model = "script";
  readonly structuredOutput = false;
  requests: LMRequest[] = [];
  constructor(private readonly answer: (message: string, req: LMRequest) => string) {}
  async complete(req: LMRequest): Promise<LMResponse> {
    this.requests.push(req);
    const text = this.answer(String(req.meta.inputs.message), req);
    return { text, usage: { promptTokens: 100, completionTokens: 10, cachedTokens: 0 }, costUsd: 0.001, cached: false, latencyMs: 1, model: "script" };
  }
}

async function fixture(metric = "exact_match: team") {
  const dir = await mkdtemp(path.join(os.tmpdir(), "dspx-eval-"));
  await writeFile(
    path.join(dir, "p.yaml"),
    `name: t\ninputs:\n  message: string\noutputs:\n  team: route.team\nsteps:\n  route:\n    signature: "message -> team: enum(billing, technical)"\nmetric:\n  ${metric}\ndata:\n  dev: dev.jsonl\n`,
  );
  const rows = [
    { id: "1", message: "invoice wrong", team: "billing" },
    { id: "2", message: "app crashes", team: "technical" },
    { id: "3", message: "garbage please", team: "billing" },
    { id: "4", message: "refund", team: "billing" },
  ];
  await writeFile(path.join(dir, "dev.jsonl"), rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
  return path.join(dir, "p.yaml");
}

function poolWith(lm: LMClient): LMPool {
  const pool = new LMPool({ override: "sim", cache: false });
  pool.clientFor = () => lm;
  return pool;
}

const chat = (team: string) => `[[ ## team ## ]]\n${team}\n\n[[ ## completed ## ]]`;

describe("evaluate", () => {
  it("scores examples, records unreadable outputs as errors with the raw completion, and keeps example order", async () => {
    const lm = new ScriptedLM((m) => (m.startsWith("garbage") ? "I refuse to answer in that format." : chat(m.includes("app") ? "technical" : "billing")));
    const program = await loadProgram(await fixture(), { pool: poolWith(lm) });
    const report = await evaluateProgram(program, { concurrency: 3 });
    expect(report.results.map((r) => r.exampleId)).toEqual(["1", "2", "3", "4"]);
    expect(report.results.map((r) => r.score)).toEqual([1, 1, 0, 1]);
    const failed = report.results[2]!;
    expect(failed.error?.kind).toBe("step");
    expect(failed.error?.step).toBe("route");
    expect(failed.error?.raw).toBe("I refuse to answer in that format.");
    // chat then the json fallback: two calls for the failed example
    expect(failed.calls).toBe(2);
    expect(report.summary).toMatchObject({ total: 4, done: 4, errors: 1, calls: 5, mean: 0.75 });
    expect(report.summary.costUsd).toBeCloseTo(0.005, 10);
    expect(report.summary.usage.promptTokens).toBe(500);
  });

  it("records a metric exception against its example and goes on", async () => {
    const dir = path.dirname(await fixture());
    await writeFile(path.join(dir, "m.mjs"), `export default (ex) => { if (ex.id === "2") throw new Error("bad row"); return 1; };`);
    const file = path.join(dir, "q.yaml");
    await writeFile(
      file,
      `name: t\ninputs:\n  message: string\noutputs:\n  team: route.team\nsteps:\n  route:\n    signature: "message -> team: enum(billing, technical)"\nmetric:\n  module: ./m.mjs\ndata:\n  dev: dev.jsonl\n`,
    );
    const program = await loadProgram(file, { pool: poolWith(new ScriptedLM(() => chat("billing"))) });
    const report = await evaluateProgram(program);
    expect(report.results.map((r) => r.score)).toEqual([1, 0, 1, 1]);
    expect(report.results[1]!.error).toEqual({ kind: "metric", message: "metric custom(./m.mjs): bad row" });
    expect(report.results[1]!.outputs).toEqual({ team: "billing" });
  });

  it("stops on a fatal provider error after the in-flight examples, with the partial report attached", async () => {
    let n = 0;
    const lm = new ScriptedLM(() => {
      n++;
      if (n === 2) throw new ProviderError("fake", "auth", "invalid API key");
      return chat("billing");
    });
    const program = await loadProgram(await fixture(), { pool: poolWith(lm) });
    const err = await evaluateProgram(program, { concurrency: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    const partial = (err as { partial?: { results: unknown[]; summary: { stopped?: string } } }).partial;
    expect(partial?.results).toHaveLength(1);
    expect(partial?.summary.stopped).toBe("fatal");
    expect(lm.requests).toHaveLength(2);
  });

  it("stops dispatching when canDispatch says no (a cost cap) and says so", async () => {
    const lm = new ScriptedLM(() => chat("billing"));
    const program = await loadProgram(await fixture(), { pool: poolWith(lm) });
    let done = 0;
    const report = await evaluateProgram(program, { concurrency: 1, canDispatch: () => done < 2, onResult: () => void done++ });
    expect(report.summary.done).toBe(2);
    expect(report.summary.stopped).toBe("budget");
  });

  it("stops when the signal aborts and marks the report interrupted", async () => {
    const controller = new AbortController();
    const lm = new ScriptedLM(() => {
      controller.abort();
      return chat("billing");
    });
    const program = await loadProgram(await fixture(), { pool: poolWith(lm) });
    const report = await evaluateProgram(program, { concurrency: 1, signal: controller.signal });
    expect(report.summary.done).toBe(1);
    expect(report.summary.stopped).toBe("interrupted");
  });
});

/** Lets a few turns of the event loop pass (whatever was going to be dispatched has been). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

describe("evaluateProgramStreaming", () => {
  it("keeps no result, only the summary and the lowest, which equal what keeping every result gives", async () => {
    const lm = new ScriptedLM((m) => (m.startsWith("garbage") ? "no format" : chat(m.includes("app") ? "technical" : "billing")));
    const program = await loadProgram(await fixture(), { pool: poolWith(lm) });
    const seen: string[] = [];
    const streamed = await evaluateProgramStreaming(program, { concurrency: 3, onResult: (r) => void seen.push(r.exampleId) });
    const kept = await evaluateProgram(program, { concurrency: 3 });
    expect(streamed).not.toHaveProperty("results");
    expect(seen.sort()).toEqual(["1", "2", "3", "4"]);
    expect({ ...streamed.summary, wallMs: 0 }).toEqual({ ...kept.summary, wallMs: 0 });
    expect(streamed.lowest.map((r) => r.exampleId)).toEqual(worstResults(kept.results, 10).map((r) => r.exampleId));
    expect(streamed.lowest[0]).not.toHaveProperty("trace");
    expect(streamed.examples.length).toBe(4);
    expect(streamed.examples.at(streamed.lowest[0]!.index)?.id).toBe("3");
  });

  it("takes no more examples while a consumer is behind, and goes on once it catches up", async () => {
    const lm = new ScriptedLM(() => chat("billing"));
    const program = await loadProgram(await fixture(), { pool: poolWith(lm) });
    const releases: (() => void)[] = [];
    const running = evaluateProgramStreaming(program, { concurrency: 2, onResult: () => new Promise<void>((resolve) => releases.push(resolve)) });
    while (releases.length < 2) await settle();
    await settle();
    // Both workers wait on their result's consumer: nothing more was sent.
    expect(lm.requests).toHaveLength(2);
    expect(releases).toHaveLength(2);
    releases.splice(0).forEach((go) => go());
    while (releases.length < 2) await settle();
    expect(lm.requests).toHaveLength(4);
    releases.splice(0).forEach((go) => go());
    expect((await running).summary.done).toBe(4);
  });

  it("waits likewise when the memo asks it to (the store's writer is behind)", async () => {
    const lm = new ScriptedLM(() => chat("billing"));
    const program = await loadProgram(await fixture(), { pool: poolWith(lm) });
    const releases: (() => void)[] = [];
    const put: ExampleResult[] = [];
    const running = evaluateProgramStreaming(program, {
      concurrency: 1,
      memo: {
        get: () => undefined,
        put: (_example, result) => {
          put.push(result);
          return new Promise<void>((resolve) => releases.push(resolve));
        },
      },
    });
    while (releases.length < 1) await settle();
    await settle();
    expect(lm.requests).toHaveLength(1);
    for (let i = 0; i < 4; i++) {
      releases.splice(0).forEach((go) => go());
      while (releases.length < 1 && put.length < 4) await settle();
    }
    releases.splice(0).forEach((go) => go());
    expect((await running).summary.done).toBe(4);
    expect(put.map((r) => r.exampleId)).toEqual(["1", "2", "3", "4"]);
  });
});

import { Chalk } from "chalk";
import { describe, expect, it } from "vitest";
import { errorJson, EXIT, RunSaved } from "../../src/cli/errors.js";
import type { Output } from "../../src/cli/output.js";
import { etaMs, paidLine, renderReport } from "../../src/cli/render/optimize.js";
import { MeteredClient } from "../../src/lm/metered.js";
import type { LMClient, LMResponse } from "../../src/lm/types.js";
import { limitNamed, limitProblem, limitSources } from "../../src/optimize/budget-setting.js";
import { bootstrap } from "../../src/optimize/optimizers/bootstrap.js";
import type { OptimizeReport } from "../../src/optimize/report.js";
import { Spend } from "../../src/optimize/spend.js";
import { formatProblem, ProviderError, UserError } from "../../src/util/errors.js";
import { baselineSet, examples, fakeContext, oneStepProgram, runToEnd } from "./bootstrap-helpers.js";

/** Honest summaries (issue 12 item 6): nominal and paid side by side, refusals that name their setting, no negative ETA. */

describe("ETA", () => {
  const at = (calls: number, elapsedMs: number, limits: { calls?: number; timeMs?: number }) => etaMs({ used: { calls, usd: 0, rollouts: 0, proposalCalls: 0, elapsedMs }, limits });

  it("is the time left at the rate so far", () => {
    expect(at(500, 1000, { calls: 1000 })).toBe(1000);
    expect(at(10, 1000, { calls: 1000 })).toBeUndefined(); // too early to tell
  });

  it("is never negative, when calls in flight took the count past the limit or time ran past its budget", () => {
    expect(at(1040, 5000, { calls: 1000 })).toBe(0);
    expect(at(0, 70_000, { timeMs: 60_000 })).toBe(0);
  });
});

describe("what was paid in this process", () => {
  const response = (cached: boolean): LMResponse => ({ text: "x", usage: { promptTokens: 10, completionTokens: 2, cachedTokens: 0 }, costUsd: cached ? 0 : 0.01, cached, latencyMs: 1, model: "m" });

  it("Spend counts calls the model answered, calls the cache answered, and results from the store", () => {
    const spend = new Spend();
    spend.paid(response(false));
    spend.paid(response(false));
    spend.cached();
    spend.noteResult({ memoized: true });
    spend.noteResult({ memoized: false });
    spend.noteResult({});
    expect(spend.paidHere(7)).toEqual({ tokens: { promptTokens: 20, completionTokens: 4, cachedTokens: 0 }, costUsd: 0.02, requests: 7, calls: 2, cachedCalls: 1, storedResults: 1 });
  });

  it("the metered client tells cache hits apart from paid calls", async () => {
    const answers = [response(false), response(true), response(true)];
    const inner = { provider: "p", model: "m", complete: async () => answers.shift()! } as unknown as LMClient;
    const paid: LMResponse[] = [];
    const cached: LMResponse[] = [];
    const client = new MeteredClient(inner, (r) => paid.push(r), (r) => cached.push(r));
    for (let i = 0; i < 3; i++) await client.complete({} as never);
    expect([paid.length, cached.length]).toEqual([1, 2]);
  });

  const report = (thisProcess: OptimizeReport["thisProcess"]): OptimizeReport => ({
    runId: "r1",
    optimizer: "beam",
    ended: "done",
    plan: { buys: "", minimumCalls: 1 },
    baseline: { candidate: "a", dev: { n: 2, mean: 0.5, ci95: [0.4, 0.6], errors: 0 } },
    best: { candidate: "b", state: { steps: {} }, dev: { n: 2, mean: 0.6, ci95: [0.5, 0.7], errors: 0 } },
    candidates: 3,
    steps: 7,
    iterations: 2,
    notes: ["bootstrap: no teacher trace reached the threshold 1 (4 tried)"],
    usage: { calls: 500, usd: 0, rollouts: 250, proposalCalls: 4, elapsedMs: 1000 },
    tokens: { promptTokens: 1000, completionTokens: 100, cachedTokens: 0 },
    costUsd: 0.5,
    thisProcess,
    elapsedMs: 1000,
  });
  const output = { color: new Chalk({ level: 0 }) } as Output;

  it("the summary says what the budget counted and, apart, what this process sent and paid", () => {
    const r = report({ tokens: { promptTokens: 100, completionTokens: 10, cachedTokens: 0 }, costUsd: 0.05, requests: 52, calls: 50, cachedCalls: 300, storedResults: 100 });
    expect(paidLine(r)).toBe("this process: 50 LM calls answered by the model (52 requests sent, retries included) · 300 from the LM cache · 100 results from the store · 110 tokens · cost $0.05");
    const text = renderReport(r, "p.yaml", output);
    expect(text).toMatch(/^used {5}7 steps \(2 beam iterations\) · 3 candidates · 500 LM calls .* \(as the budget counts: cached and reused answers at what they first cost\)$/m);
    expect(text).toContain("\npaid     this process: 50 LM calls answered by the model");
    expect(text).toContain("\nnote     bootstrap: no teacher trace reached the threshold 1 (4 tried)");
  });

  it("a report kept before these counts shows no paid line", () => {
    expect(paidLine(report({ tokens: { promptTokens: 1, completionTokens: 1, cachedTokens: 0 }, costUsd: 0 }))).toBeUndefined();
  });
});

describe("refusals name the setting that applies", () => {
  const positions = new Map([["optimize.budget.calls", { file: "p.yaml", line: 12, col: 12 }]]);

  it("a flag overrides optimize.budget key by key; the default stands only when no limit was given", () => {
    expect(limitSources({ calls: 10 }, { calls: 20, rollouts: 5 }, positions)).toEqual({ calls: { kind: "flag" }, rollouts: { kind: "program" } });
    expect(limitSources({}, { calls: 20 }, positions)).toEqual({ calls: { kind: "program", pos: { file: "p.yaml", line: 12, col: 12 } } });
    expect(limitSources({}, {}, positions)).toEqual({ calls: { kind: "default" } });
    expect(limitSources({ timeMs: 60_000 }, {}, positions)).toEqual({ timeMs: { kind: "flag" } });
  });

  it("the refusal names the flag, the program file's key at its position, or the default", () => {
    const what = "300 LM calls cannot buy a single beam step here";
    expect(formatProblem(limitProblem("calls", { kind: "flag" }, what, "496"))).toBe("--budget-calls: 300 LM calls cannot buy a single beam step here; give at least --budget-calls 496");
    expect(formatProblem(limitProblem("calls", { kind: "program", pos: { file: "p.yaml", line: 12, col: 12 } }, what, "496"))).toBe(
      "p.yaml:12:12: `optimize.budget.calls`: 300 LM calls cannot buy a single beam step here; give at least `calls: 496` (or --budget-calls 496)",
    );
    const byDefault = formatProblem(limitProblem("calls", { kind: "default" }, "2000 LM calls cannot buy a single beam step here", "2496"));
    expect(byDefault).toBe("the default budget of 2000 LM calls cannot buy a single beam step here (no budget was given); give at least --budget-calls 2496, or `optimize.budget.calls: 2496` in the program");
    expect(byDefault).not.toMatch(/^--budget-calls:/);
  });

  it("a USD budget on a model of unknown price is named where it was set", () => {
    const message = "the price of the model is unknown";
    expect(formatProblem(limitNamed("usd", { kind: "program", pos: { file: "p.yaml", line: 4, col: 10 } }, message))).toBe("p.yaml:4:10: `optimize.budget.usd`: the price of the model is unknown");
    expect(formatProblem(limitNamed("usd", { kind: "flag" }, message))).toBe("--budget-usd: the price of the model is unknown");
  });
});

describe("--json errors", () => {
  it("are one JSON object: kind, exit code, message and each problem with where it is", () => {
    const err = new UserError([{ pos: { file: "p.yaml", line: 3, col: 5 }, message: "bad" }, { flag: "--budget-calls", message: "too small", hint: "h" }]);
    expect(JSON.parse(errorJson(err, EXIT.usage))).toEqual({
      error: { kind: "usage", exitCode: 2, message: "p.yaml:3:5: bad\n--budget-calls: too small (h)", problems: [{ message: "bad", file: "p.yaml", line: 3, col: 5 }, { message: "too small", flag: "--budget-calls", hint: "h" }] },
    });
    expect(JSON.parse(errorJson(new RunSaved(new ProviderError("openai", "auth", "bad key"), "r1"), EXIT.provider))).toEqual({ error: { kind: "provider", exitCode: 3, message: "openai: bad key", runId: "r1" } });
  });
});

describe("bootstrap with no passing trace", () => {
  it("says so as a notice (and not only in the event log)", async () => {
    const program = await oneStepProgram();
    const { ctx, log } = fakeContext({ program, train: examples(6), settings: bootstrap.settings.parse({ max_bootstrapped: 2 }), teacher: () => ({ score: 0.5 }) });
    await runToEnd(bootstrap, ctx, baselineSet(program));
    expect(log.notices).toEqual([expect.stringMatching(/^bootstrap: no teacher trace reached the threshold 1 \(6 tried\), so the candidate has no bootstrapped demos; for a graded metric, a lower `optimize\.bootstrap\.threshold` accepts near misses$/)]);
  });

  it("says nothing when a trace passed", async () => {
    const program = await oneStepProgram();
    const { ctx, log } = fakeContext({ program, train: examples(6), settings: bootstrap.settings.parse({ max_bootstrapped: 2 }), teacher: () => ({ score: 1 }) });
    await runToEnd(bootstrap, ctx, baselineSet(program));
    expect(log.notices).toEqual([]);
  });
});

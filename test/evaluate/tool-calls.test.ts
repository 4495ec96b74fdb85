import { Chalk } from "chalk";
import { describe, expect, it } from "vitest";
import { paidLine } from "../../src/cli/render/optimize.js";
import { githubSummaryMarkdown } from "../../src/cli/report/github-summary.js";
import { renderSummary, resultJson } from "../../src/cli/render/eval.js";
import type { Output } from "../../src/cli/output.js";
import { accounting } from "../../src/evaluate/run-example.js";
import { EvalTally } from "../../src/evaluate/tally.js";
import type { StepTrace, Trace } from "../../src/graph/trace.js";
import type { TrajectoryStep } from "../../src/lm/tool-types.js";
import { Spend } from "../../src/optimize/spend.js";
import type { OptimizeReport } from "../../src/optimize/run.js";
import { result } from "../cli/report/fixtures.js";

/** Tool calls of agent steps, counted from traces into results, eval and optimize summaries and their JSON. */

const it_ = (tool: string, extra: Partial<TrajectoryStep> = {}): TrajectoryStep => ({ thought: "", tool, args: {}, observation: "", ...extra });
const agentStep = (trajectory: TrajectoryStep[]): StepTrace => ({ step: "agent", module: "react", inputs: {}, calls: [], trajectory, latencyMs: 1 });

const TRACE: Trace = [
  agentStep([
    it_("lookup_order", { toolLatencyMs: 3 }),
    it_("nope", { error: "there is no tool" }),
    it_("lookup_order", { args: { id: 1 }, toolLatencyMs: 0, replayed: true }),
    it_("broken", { error: "broken failed: threw", toolLatencyMs: 1 }),
    it_("finish"),
  ]),
  { step: "tidy", module: "predict", inputs: {}, calls: [], latencyMs: 1 },
];

const output = { color: new Chalk({ level: 0 }) } as Output;

describe("tool calls", () => {
  it("count the iterations whose tool ran (a failing tool too), replayed ones apart; a bad name or finish is none", () => {
    expect(accounting(TRACE)).toMatchObject({ toolCalls: 2, replayedToolCalls: 1 });
    const none = accounting([{ step: "s", module: "predict", inputs: {}, calls: [], latencyMs: 1 }]);
    expect(none).not.toHaveProperty("toolCalls");
    expect(none).not.toHaveProperty("replayedToolCalls");
  });

  it("add up in the eval summary, its text and the results' JSON; a program without tools shows nothing new", () => {
    const tally = new EvalTally(3, 3);
    tally.add(result("a", 0, { toolCalls: 2, replayedToolCalls: 1 }));
    tally.add(result("b", 1, { toolCalls: 3, replayedToolCalls: 0 }));
    tally.add(result("c", 2, { memoized: true }));
    const { summary } = tally.outcome(1000);
    expect([summary.toolCalls, summary.replayedToolCalls]).toEqual([5, 1]);
    expect(renderSummary(summary, output).split("\n")[1]).toBe("tokens 300 prompt · 60 completion · 3 calls · 5 tool calls (1 replayed) · 1 results reused · cost $0.0036");
    expect(resultJson(result("a", 0, { toolCalls: 2, replayedToolCalls: 1 }))).toMatchObject({ toolCalls: 2, replayedToolCalls: 1 });

    const plain = new EvalTally(1, 1);
    plain.add(result("a", 0));
    const before = plain.outcome(1000).summary;
    expect(before).not.toHaveProperty("toolCalls");
    expect(renderSummary(before, output).split("\n")[1]).toBe("tokens 100 prompt · 20 completion · 1 calls · cost $0.0012");
    expect(resultJson(result("a", 0))).not.toHaveProperty("toolCalls");
    const md = (s: typeof summary) => githubSummaryMarkdown({ program: "p", dataset: "dev", summary: s, lowest: [], examples: new Map() });
    expect(md(summary)).toContain("| tokens | 300 prompt · 60 completion · 3 calls · 5 tool calls (1 replayed) |");
    expect(md(before)).toContain("| tokens | 100 prompt · 20 completion · 1 calls |");
  });

  it("are counted by an optimize run's spend and said on its paid line", () => {
    const spend = new Spend();
    spend.noteResult({ toolCalls: 4, replayedToolCalls: 2 });
    spend.noteResult({ memoized: true });
    const here = spend.paidHere(0);
    expect([here.toolCalls, here.replayedToolCalls, here.storedResults]).toEqual([4, 2, 1]);
    expect(paidLine({ thisProcess: here } as Pick<OptimizeReport, "thisProcess">)).toBe(
      "this process: 0 LM calls answered by the model · 0 from the LM cache · 1 result from the store · 4 tool calls (2 replayed) · 0 tokens · cost $0.00",
    );
    expect(new Spend().paidHere(0)).not.toHaveProperty("toolCalls");
  });
});

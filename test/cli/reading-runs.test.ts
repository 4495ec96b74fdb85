import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Chalk } from "chalk";
import { beforeAll, describe, expect, it } from "vitest";
import type { CandidateView } from "../../src/view/run-view.js";
import { changedProgramNotice } from "../../src/cli/commands/optimize.js";
import { runSplit, runSummary } from "../../src/cli/commands/runs.js";
import { evalDataParts, eventsListed } from "../../src/cli/commands/show.js";
import { bestCandidateLines } from "../../src/cli/render/candidate.js";
import { sha256 } from "../../src/util/canonical.js";
import type { EventRecord, RunOf } from "../../src/store/runs-store.js";
import { EVAL_CONFIG, OPTIMIZE_CONFIG } from "../support/run-configs.js";
import { runCli } from "../support/cli.js";

/** Reading a run: the best candidate's instructions and demos, every event on request, the split, the optimizer. */
const plain = new Chalk({ level: 0 });

function candidate(state: unknown): CandidateView {
  return { hash: "0123456789abcdef", seq: 3, state, parents: [], origin: "reflection", createdAt: 0, scores: { dev: { n: 60, mean: 0.3167, ci95: [0.2, 0.4], errors: 0 } } };
}

describe("the best candidate in show", () => {
  const state = {
    steps: {
      route: { instruction: "Route the message.\n- billing: invoice, refund\n- shipping: parcel", demos: [{ message: "a", team: "billing" }, { message: "b", team: "shipping" }] },
      judge: { instruction: "Judge its urgency from what the customer says about deadlines, money and security, in as few words as the answer allows.", demos: [] },
    },
  };

  it("lists every LM step with its demo count and its whole instruction", () => {
    const lines = bestCandidateLines(candidate(state), "dev", undefined, plain);
    expect(lines).toEqual([
      "best     0123456789 · reflection · dev 0.317",
      "  route · 2 demos",
      "    Route the message.",
      "    - billing: invoice, refund",
      "    - shipping: parcel",
      "  judge · no demos",
      "    Judge its urgency from what the customer says about deadlines, money and security, in as few words as the answer allows.",
    ]);
  });

  it("wraps long instructions to the terminal, losing no word", () => {
    const lines = bestCandidateLines(candidate(state), "dev", 40, plain);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(40);
    const judge = lines.slice(lines.indexOf("  judge · no demos") + 1).join(" ").split(/\s+/).filter(Boolean).join(" ");
    expect(judge).toBe(state.steps.judge.instruction);
  });

  it("says when the stored state cannot be read, or when there is no candidate", () => {
    expect(bestCandidateLines(candidate({ steps: { route: { instruction: 5 } } }), "dev", undefined, plain)[1]).toMatch(/cannot be read/);
    expect(bestCandidateLines(undefined, "dev", undefined, plain)).toEqual(["best     none recorded"]);
  });
});

describe("events in show", () => {
  const events: EventRecord[] = Array.from({ length: 30 }, (_, i) => ({ seq: i, at: 0, type: "proposal", data: { summary: `iteration ${i}` } }));

  it("lists the latest ones by default, saying how many of how many; --events all lists every one", () => {
    const latest = eventsListed(events, 20);
    expect(latest.listed.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 10));
    expect(latest.heading).toBe("events (the last 20 of 30; --events all lists every one)");
    const all = eventsListed(events, "all");
    expect(all.listed).toHaveLength(30);
    expect(all.heading).toBe("events (30)");
  });
});

const FIELDS = { id: "abcd1234", programName: "p", programFile: "p.yaml", programHash: "h", programSource: "", status: "done" as const, startedAt: 0, updatedAt: 0 };
function evalRecord(config: Partial<RunOf<"eval">["config"]>, totals: Record<string, unknown> = {}): RunOf<"eval"> {
  return { ...FIELDS, kind: "eval", config: { ...EVAL_CONFIG, ...config }, totals };
}
function optimizeRecord(config: Partial<RunOf<"optimize">["config"]>): RunOf<"optimize"> {
  return { ...FIELDS, kind: "optimize", config: { ...OPTIMIZE_CONFIG, ...config }, totals: {} };
}

describe("the split and the optimizer", () => {
  it("an eval run's split (or file), an optimize run's train and dev sets and its optimizer", () => {
    expect(runSplit(evalRecord({ dataset: "test" }))).toBe("test");
    expect(runSplit(evalRecord({ dataset: "data/holdout.jsonl" }))).toBe("data/holdout.jsonl");
    expect(runSplit(optimizeRecord({ data: { ...OPTIMIZE_CONFIG.data, dev: { file: "d.jsonl", sha256: "x" } } }))).toBe("train/dev");
    expect(runSplit(optimizeRecord({ data: { ...OPTIMIZE_CONFIG.data, dev: { splitFromTrain: true } } }))).toBe("train");
    expect(runSummary(optimizeRecord({ optimizer: "gepa" }))).toMatchObject({ optimizer: "gepa" });
    expect(runSummary(evalRecord({ dataset: "dev" }))).toMatchObject({ split: "dev", optimizer: null });
  });

  it("show's data line for an eval run: the split, its file, the examples and the limit", () => {
    expect(evalDataParts(evalRecord({ dataset: "dev", datasetFile: "/x/dev.jsonl", limit: 4 }, { examples: 4 }))).toEqual(["split dev", expect.stringMatching(/x\/dev\.jsonl$/), "4 examples (--limit 4)"]);
    expect(evalDataParts(evalRecord({ dataset: "more.jsonl" }, { examples: 1 }))).toEqual(["dataset more.jsonl", "1 example"]);
  });
});

describe("resume after the program file changed", () => {
  it("says the recorded program is used when the file differs or is gone, and nothing when it is the same", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "dspx-changed-"));
    const file = path.join(dir, "p.yaml");
    await writeFile(file, "name: p\n");
    const run = { kind: "optimize" as const, status: "interrupted" as const, programFile: file, programHash: sha256("name: p\n") };
    expect(changedProgramNotice(run)).toBeUndefined();
    await writeFile(file, "name: p2\n");
    expect(changedProgramNotice(run)).toMatch(/p\.yaml has changed since this run started: the run continues with the program it recorded/);
    expect(changedProgramNotice({ ...run, programFile: path.join(dir, "gone.yaml") })).toMatch(/gone\.yaml is gone: the run continues with the program it recorded/);
    // A finished run is not resumed: nothing to say.
    expect(changedProgramNotice({ ...run, status: "done" })).toBeUndefined();
  });
});

describe("dspx show and runs, spawned", () => {
  let env: Record<string, string>;
  let optimizeRun: string;
  let evalRun: string;
  beforeAll(async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "dspx-reading-"));
    env = { DSPX_DB: path.join(dir, "runs.db") };
    const o = await runCli(["optimize", "programs/support-triage.yaml", "--optimizer", "bootstrap", "--budget-calls", "400", "--json"], { env });
    expect(o.code, o.stderr).toBe(0);
    optimizeRun = JSON.parse(o.stdout).runId;
    const e = await runCli(["eval", "programs/support-triage.yaml", "--split", "test", "--limit", "3", "--json"], { env });
    expect(e.code, e.stderr).toBe(0);
    evalRun = JSON.parse(e.stdout).runId;
  });

  it("show prints the best candidate's steps and lists events as asked", async () => {
    const r = await runCli(["show", optimizeRun, "--events", "1"], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^best {5}[0-9a-f]{10} · \S+ · dev \d\.\d{3}$/m);
    expect(r.stdout).toMatch(/^ {2}route · (\d+ demos?|no demos)$/m);
    const total = JSON.parse((await runCli(["show", optimizeRun, "--json"], { env })).stdout).events.length;
    expect(total).toBeGreaterThan(1);
    expect(r.stdout).toContain(`events (the last 1 of ${total}; --events all lists every one)`);
    const all = await runCli(["show", optimizeRun, "--events", "all"], { env });
    expect(all.stdout).toContain(`events (${total})`);
    const bad = await runCli(["show", optimizeRun, "--events", "some"], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--events .*expected a positive whole number or `all`/);
  });

  it("show prints an eval run's split; runs lists the split and the optimizer", async () => {
    const s = await runCli(["show", evalRun], { env });
    expect(s.stdout).toMatch(/^data {5}split test · datasets\/support-triage\/test\.jsonl · 3 examples \(--limit 3\)$/m);
    const runs = JSON.parse((await runCli(["runs", "--json"], { env })).stdout).runs;
    expect(runs).toEqual([expect.objectContaining({ id: evalRun, split: "test", optimizer: null }), expect.objectContaining({ id: optimizeRun, split: "train/dev", optimizer: "bootstrap" })]);
  });
});

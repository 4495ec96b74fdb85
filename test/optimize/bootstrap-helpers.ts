import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect } from "vitest";
import { loadProgram } from "../../src/runtime/load.js";
import type { Program } from "../../src/runtime/program.js";
import type { ExampleResult } from "../../src/evaluate/types.js";
import type { StepTrace } from "../../src/graph/trace.js";
import type { Example } from "../../src/program/example.js";
import { stateHash, type ProgramState } from "../../src/program/state.js";
import { Budget } from "../../src/optimize/budget.js";
import { BudgetExhausted, type Best, type OptimizeContext, type Optimizer, type ScoreSet } from "../../src/optimize/types.js";
import { ZERO_USAGE } from "../../src/lm/types.js";
import { Rng, type RngState } from "../../src/util/rng.js";

/**
 * Scripted optimizer contexts for bootstrap and random_search: a real compiled program (so demos
 * are made from real signatures), a teacher whose results and traces the test scripts, and an
 * evaluate that returns scripted dev scores. Everything the optimizer asked for is logged.
 */

const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix = "dspx-bootstrap-"): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** One LM step, chain of thought: `text -> label`. */
const ONE_STEP = `
name: one-step
inputs:
  text: { type: string }
outputs:
  label: classify.label
steps:
  classify:
    module: chain_of_thought
    signature: "text -> label: enum(a, b, c)"
    instruction: Classify the text.
metric:
  exact_match: label
`;

/** Two LM steps, the second reading the first's output: `text -> label`, then `text, label -> grade`. */
const TWO_STEPS = `
name: two-steps
inputs:
  text: { type: string }
outputs:
  label: classify.label
  grade: judge.grade
steps:
  classify:
    module: chain_of_thought
    signature: "text -> label: enum(a, b, c)"
    instruction: Classify the text.
  judge:
    module: predict
    signature: "text, label -> grade: enum(x, y)"
    instruction: Grade the text given its label.
metric:
  mean:
    - exact_match: label
    - exact_match: grade
`;

export async function oneStepProgram(): Promise<Program> {
  return programFrom(ONE_STEP);
}

export async function twoStepProgram(): Promise<Program> {
  return programFrom(TWO_STEPS);
}

async function programFrom(yaml: string): Promise<Program> {
  const file = path.join(tempDir(), "program.yaml");
  writeFileSync(file, yaml);
  return loadProgram(file, { lm: "sim", onNotice: () => {} });
}

/** `n` examples e0…e(n-1) with labels cycling a, b, c and grades x, y. */
export function examples(n: number, prefix = "e"): Example[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}${i}`,
    inputs: { text: `text number ${i} of ${prefix}` },
    labels: { label: "abc"[i % 3]!, grade: "xy"[i % 2]! },
  }));
}

/** What the scripted teacher does on one example with one sample. */
export interface TeacherScript {
  score: number;
  error?: boolean;
}

export type TeacherFn = (example: Example, sample: number) => TeacherScript;

/**
 * A teacher result whose trace marks where it came from: each step's outputs carry
 * `reasoning`/values tagged with the example id and sample, and the second step's `label` input
 * is the first step's traced output (not the gold), so tests can tell a step's own fields apart.
 */
export function teacherResult(program: Program, example: Example, index: number, sample: number, script: TeacherScript): ExampleResult {
  const tag = `${example.id}@${sample}`;
  const trace: StepTrace[] = [];
  for (const step of program.graph.lmSteps) {
    if (step === "classify") {
      trace.push({ step, module: "chain_of_thought", inputs: { text: example.inputs.text }, outputs: { reasoning: `because ${tag}`, label: `label-of-${tag}` }, calls: [], latencyMs: 0 });
    } else {
      trace.push({ step, module: "predict", inputs: { text: example.inputs.text, label: `label-of-${tag}` }, outputs: { grade: `grade-of-${tag}` }, calls: [], latencyMs: 0 });
    }
  }
  return {
    exampleId: example.id,
    index,
    score: script.error ? 0 : script.score,
    ...(script.error ? { error: { kind: "step" as const, message: "scripted failure", step: program.graph.lmSteps[0]! } } : {}),
    trace,
    usage: ZERO_USAGE,
    costUsd: 0,
    calls: program.graph.lmSteps.length,
    cachedCalls: 0,
    latencyMs: 0,
    nominal: { calls: program.graph.lmSteps.length, costUsd: 0 },
  };
}

export interface FakeLog {
  teacher: { ids: string[]; sample: number }[];
  evaluated: { state: ProgramState; hash: string; dataset: string }[];
  candidates: { hash: string; origin: string; parents: string[] }[];
  events: { type: string; data: Record<string, unknown> }[];
  phases: string[];
  notices: string[];
}

export interface FakeOptions<S = Record<string, unknown>> {
  program: Program;
  train: Example[];
  dev?: Example[];
  /** The optimizer's settings, parsed with its schema. */
  settings: S;
  teacher: TeacherFn;
  /** Dev score of a candidate; default: 0.5 for any state. */
  devScore?: (state: ProgramState, call: number) => number;
  /** The rng to use (default `new Rng(1)`): a number seeds a fresh one, a state restores one. */
  rng?: number | RngState;
  /** Evaluations allowed before evaluate throws BudgetExhausted. */
  evaluations?: number;
  /** Teacher calls allowed before teacher throws BudgetExhausted. */
  teacherCalls?: number;
  /** Shared log (to keep one across a "resumed" context). */
  log?: FakeLog;
}

export function emptyLog(): FakeLog {
  return { teacher: [], evaluated: [], candidates: [], events: [], phases: [], notices: [] };
}

export function fakeContext<S>(options: FakeOptions<S>): { ctx: OptimizeContext<S>; log: FakeLog } {
  const log = options.log ?? emptyLog();
  const { program } = options;
  const dev = options.dev ?? examples(5, "d");
  const ctx: OptimizeContext<S> = {
    graph: program.graph,
    baseline: program.state,
    trainset: options.train,
    devset: dev,
    rng: new Rng(options.rng ?? 1),
    settings: options.settings,
    budget: new Budget({}),
    evaluate: async (state, list, dataset) => {
      if (options.evaluations !== undefined && log.evaluated.length >= options.evaluations) throw new BudgetExhausted("LM calls");
      const hash = stateHash(state);
      const score = options.devScore ? options.devScore(state, log.evaluated.length) : 0.5;
      log.evaluated.push({ state: JSON.parse(JSON.stringify(state)) as ProgramState, hash, dataset });
      const set: ScoreSet = { candidate: hash, scores: new Map(list.map((e) => [e.id, score])), mean: score, results: [] };
      return set;
    },
    teacher: async (list, { sample }) => {
      if (options.teacherCalls !== undefined && log.teacher.length >= options.teacherCalls) throw new BudgetExhausted("LM calls");
      log.teacher.push({ ids: list.map((e) => e.id), sample });
      return list.map((e, i) => teacherResult(program, e, i, sample, options.teacher(e, sample)));
    },
    propose: async () => {
      throw new Error("bootstrap optimizers never propose instructions");
    },
    candidate: (state, origin, parents = []) => {
      const hash = stateHash(state);
      log.candidates.push({ hash, origin, parents });
      return hash;
    },
    event: (type, data) => {
      log.events.push({ type, data: JSON.parse(JSON.stringify(data)) as Record<string, unknown> });
    },
    phase: (text) => {
      log.phases.push(text);
    },
    notice: (text) => {
      log.notices.push(text);
    },
    records: () => [],
  };
  return { ctx, log };
}

/** The baseline score set the driver would pass to init. */
export function baselineSet(program: Program, score = 0.25): ScoreSet {
  return { candidate: stateHash(program.state), scores: new Map(), mean: score, results: [] };
}

export interface Finished<S> {
  state: S;
  best: Best;
  steps: number;
}

/** Runs an optimizer like the driver does (init, then steps until done), without budgets. */
export async function runToEnd<S>(optimizer: Optimizer<S, any>, ctx: OptimizeContext, baseline: ScoreSet, maxSteps = 1000): Promise<Finished<S>> {
  let state: S = await optimizer.init(ctx, baseline);
  for (let steps = 1; steps <= maxSteps; steps++) {
    const next = await optimizer.step(ctx, state);
    state = next.state;
    if (next.done) return { state, best: optimizer.best(state), steps };
  }
  throw new Error(`${optimizer.name} did not finish in ${maxSteps} steps`);
}

/**
 * Runs an optimizer as a crash-and-resume would: after every step the state is written as JSON
 * and read back, the rng restored from its checkpointed state, and the next step runs on a fresh
 * context (sharing the log, so the whole history can be compared).
 */
export async function runResumingEveryStep<S>(optimizer: Optimizer<S, any>, make: (rng: number | RngState, log?: FakeLog) => { ctx: OptimizeContext; log: FakeLog }, baseline: ScoreSet, maxSteps = 1000): Promise<Finished<S> & { log: FakeLog }> {
  let { ctx, log } = make(1);
  let state = JSON.parse(JSON.stringify(await optimizer.init(ctx, baseline))) as S;
  for (let steps = 1; steps <= maxSteps; steps++) {
    const rng = ctx.rng.state();
    ({ ctx } = make(rng, log));
    const next = await optimizer.step(ctx, state);
    const text = JSON.stringify(next.state);
    state = JSON.parse(text) as S;
    expect(JSON.parse(text)).toEqual(next.state);
    if (next.done) return { state, best: optimizer.best(state), steps, log };
  }
  throw new Error(`${optimizer.name} did not finish in ${maxSteps} steps`);
}

/** Every demo of every step of a state. */
export function demosOf(state: ProgramState, step: string): Record<string, unknown>[] {
  return state.steps[step]?.demos ?? [];
}

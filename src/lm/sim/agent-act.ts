import { FINISH_TOOL, type AgentMeta, type ToolSchema, type TrajectoryStep } from "../tool-types.js";
import type { Demo } from "../../program/types.js";
import { fillCall, type FilledCall } from "./agent-args.js";
import { answeredSteps } from "./agent-observe.js";
import { inputsText } from "./context.js";
import { cueRules, matchedTerms } from "./cues.js";
import type { Noise } from "./noise.js";
import { similarities } from "./similarity.js";
import { Terms, termsOf } from "./terms.js";

/*
 * Vote weights for the next tool. Each word of the question that no observation covers yet votes
 * DESC for every tool whose name or description has it, and CUE for a tool whose cue line in the
 * instruction (`- lookup_order: parcel, tracking`) lists it. Each of the NEAREST_DEMOS most similar
 * demo trajectories votes DEMO × similarity for the first of its tools not called yet here (or
 * for finishing, once all of them have been). A required id read from the question (an order id)
 * adds KEY to the tool that takes it. Finishing needs no votes: when no callable tool has more
 * votes than finishing, the agent finishes — so an uncovered question that names nothing a tool
 * does, or a question the observations already cover, ends the loop.
 */
export const ACT_WEIGHTS = { desc: 1, cue: 1.5, demo: 3, key: 0.75 } as const;
export const NEAREST_DEMOS = 3;
const EPSILON = 1e-9;

export interface ActChoice {
  tool: string;
  args: Record<string, unknown>;
  thought: string;
}

export interface ActInput {
  agent: AgentMeta;
  instruction: string;
  demos: readonly Demo[];
  /** The step's own inputs as text (the question), without the trajectory. */
  question: string;
  /** The names of those inputs (what a demo's question is read from). */
  inputFields: readonly string[];
  noise: Noise;
}

interface Scored {
  tool: ToolSchema;
  call: FilledCall;
  votes: number;
  why: string[];
}

export function chooseAction(input: ActInput): ActChoice {
  const { agent, noise } = input;
  const trajectory = agent.trajectory;
  if (trajectory.length >= agent.maxIters) return finish(`I have used all ${agent.maxIters} steps; answering from what I found.`);

  const uncovered = uncoveredTerms(input.question, trajectory);
  const names = agent.tools.map((t) => ({ option: t.name, names: [t.name] }));
  const rules = cueRules(input.instruction, names);
  const demoVotes = demoNextTools(input, noise);

  const scored: Scored[] = [];
  for (const tool of agent.tools) {
    const call = fillCall(tool, { question: input.question, trajectory });
    if (!call) continue;
    let votes = 0;
    const why: string[] = [];
    const described = Terms.of(`${tool.name.replace(/[_-]+/g, " ")} ${tool.description}`).set;
    const hits = [...uncovered.set].filter((t) => described.has(t));
    if (hits.length > 0) {
      votes += ACT_WEIGHTS.desc * hits.length;
      why.push(`its description covers ${hits.join(", ")}`);
    }
    const cueHits = new Map<string, string>();
    for (const rule of rules) if (rule.option === tool.name) for (const term of matchedTerms(rule, uncovered)) cueHits.set(term.stems.join(" "), term.text);
    if (cueHits.size > 0) {
      votes += ACT_WEIGHTS.cue * cueHits.size;
      why.push(`the instruction ties ${[...cueHits.values()].join(", ")} to it`);
    }
    const demo = demoVotes.get(tool.name);
    if (demo) {
      votes += demo;
      why.push("similar examples call it next");
    }
    if (call.keyFromQuestion) {
      votes += ACT_WEIGHTS.key;
      why.push("the question gives its key argument");
    }
    scored.push({ tool, call, votes: noise.scale(votes), why });
  }

  const finishVotes = demoVotes.get(FINISH_TOOL) ?? 0;
  const best = Math.max(...scored.map((s) => s.votes), 0);
  if (best <= finishVotes + EPSILON) {
    const seen = answeredSteps(trajectory).length;
    if (seen === 0) return finish("No tool is needed for this question; answering directly.");
    return finish(uncovered.list.length === 0 ? "The observations cover the question." : "No tool has more to add; answering from the observations.");
  }
  const tied = scored.filter((s) => s.votes >= best - EPSILON);
  const pick = tied[noise.breakTie(tied.length)]!;
  const from = Object.entries(pick.call.sources).filter(([, source]) => source === "observation").map(([name]) => name);
  const thought =
    `${capital(pick.why.join("; "))}, so I call ${pick.tool.name}` +
    (from.length > 0 ? ` with the ${from.join(", ")} from an earlier observation.` : ".");
  return { tool: pick.tool.name, args: pick.call.args, thought };
}

function finish(thought: string): ActChoice {
  return { tool: FINISH_TOOL, args: {}, thought };
}

/** The question's content words that no answered observation contains. */
export function uncoveredTerms(question: string, trajectory: readonly TrajectoryStep[]): Terms {
  const seen = new Set(answeredSteps(trajectory).flatMap((s) => termsOf(s.observation)));
  return new Terms(termsOf(question).filter((t) => !seen.has(t)));
}

/** What the demo trajectories most like this question do next, as votes per tool (and for finish). */
function demoNextTools(input: ActInput, noise: Noise): Map<string, number> {
  const all = questionSimilarities(input.question, input.demos, input.inputFields);
  const withPaths = input.demos
    .map((demo, index) => ({ index, path: demoPath(demo), sim: all[index] ?? 0 }))
    .filter((d): d is { index: number; path: string[]; sim: number } => d.path !== undefined);
  const votes = new Map<string, number>();
  if (withPaths.length === 0) return votes;
  const called = new Set(input.agent.trajectory.map((s) => s.tool));
  const known = new Set([...input.agent.tools.map((t) => t.name), FINISH_TOOL]);
  withPaths
    .map((d) => ({ ...d, sim: noise.scale(d.sim) }))
    .filter((d) => d.sim > 0)
    .sort((a, b) => b.sim - a.sim || a.index - b.index)
    .slice(0, NEAREST_DEMOS)
    .forEach((d) => {
      const next = d.path.find((t) => !called.has(t)) ?? FINISH_TOOL;
      if (!known.has(next)) return;
      votes.set(next, (votes.get(next) ?? 0) + ACT_WEIGHTS.demo * d.sim);
    });
  return votes;
}

/** The tools a demo's trajectory called, in order (finish ends it); undefined for a demo without one. */
function demoPath(demo: Demo): string[] | undefined {
  const t = demo["trajectory"];
  if (!Array.isArray(t)) return undefined;
  const path: string[] = [];
  for (const step of t) {
    if (step === null || typeof step !== "object") continue;
    const tool = (step as Record<string, unknown>)["tool"];
    if (typeof tool !== "string") continue;
    if (tool === FINISH_TOOL) break;
    if ((step as Record<string, unknown>)["error"] === undefined) path.push(tool);
  }
  return path;
}

/** The text without ids, codes and addresses (tokens with a digit or an @). */
export function withoutCodes(text: string): string {
  return text.replace(/\S*[\d@]\S*/g, " ");
}

/**
 * How like each demo's question the current one is (tf-idf cosine). What a question needs — which
 * tools, which fact — shows in its words, not in its ids: "P-201" in a demo about the warranty says
 * nothing about a question on returning P-201.
 */
export function questionSimilarities(question: string, demos: readonly Demo[], inputFields: readonly string[]): number[] {
  if (demos.length === 0) return [];
  return similarities(
    termsOf(withoutCodes(question)),
    demos.map((d) => termsOf(withoutCodes(inputsText(d, inputFields)))),
  );
}

function capital(s: string): string {
  return s.length === 0 ? "Nothing points anywhere" : s[0]!.toUpperCase() + s.slice(1);
}

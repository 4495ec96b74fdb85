import type { ToolSchema, TrajectoryStep } from "../tool-types.js";
import { canonicalJson } from "../../util/canonical.js";
import { answeredSteps, valuesForKey } from "./agent-observe.js";
import { findOptions } from "./cues.js";
import { Terms } from "./terms.js";
import { numbersIn } from "./values.js";

/**
 * How sim fills a tool's arguments, from what a careful reader would use: for an id parameter, a
 * token of the id's shape (learned from the example in its description, "an order id such as
 * A1042") in the question, else the value an earlier observation stored under the parameter's
 * name (a product id found in an order: chained calls); numbers from the question; an enum option
 * the question (or else an observation) names; and the question itself for a query.
 */

export interface Param {
  name: string;
  type: string;
  description: string;
  options?: string[];
  required: boolean;
}

export function paramsOf(tool: ToolSchema): Param[] {
  const props = tool.parameters["properties"];
  const required = new Set(Array.isArray(tool.parameters["required"]) ? (tool.parameters["required"] as unknown[]).map(String) : []);
  if (props === null || typeof props !== "object") return [];
  return Object.entries(props as Record<string, unknown>).map(([name, raw]) => {
    const p = (raw ?? {}) as Record<string, unknown>;
    const type = typeof p["type"] === "string" ? p["type"] : Array.isArray(p["enum"]) ? "string" : "string";
    const param: Param = { name, type, description: typeof p["description"] === "string" ? p["description"] : "", required: required.has(name) };
    if (Array.isArray(p["enum"])) param.options = (p["enum"] as unknown[]).map(String);
    return param;
  });
}

/** Where an argument came from, for the thought. */
export type ArgSource = "question" | "observation";

export interface FilledCall {
  args: Record<string, unknown>;
  /** Parameter → where its value came from. */
  sources: Record<string, ArgSource>;
  /** A required id-like argument was read from the question itself (the question is about this tool's object). */
  keyFromQuestion: boolean;
}

export interface ArgContext {
  question: string;
  trajectory: readonly TrajectoryStep[];
}

/**
 * The first call of `tool` whose required arguments can all be filled and that has not been made
 * already (same tool, same arguments), or undefined.
 */
export function fillCall(tool: ToolSchema, ctx: ArgContext): FilledCall | undefined {
  const params = paramsOf(tool);
  const made = new Set(ctx.trajectory.filter((s) => s.tool === tool.name).map((s) => canonicalJson(s.args)));
  const choices = params.map((p) => ({ param: p, candidates: candidatesFor(p, ctx) }));
  if (choices.some((c) => c.param.required && c.candidates.length === 0)) return undefined;
  // The first candidates; then, one parameter at a time, its later candidates (another product of the order).
  const build = (pick: readonly number[]): FilledCall => {
    const args: Record<string, unknown> = {};
    const sources: Record<string, ArgSource> = {};
    let keyFromQuestion = false;
    choices.forEach((c, i) => {
      const cand = c.candidates[pick[i]!];
      if (!cand) return;
      args[c.param.name] = cand.value;
      sources[c.param.name] = cand.source;
      if (c.param.required && cand.source === "question" && cand.kind === "id") keyFromQuestion = true;
    });
    return { args, sources, keyFromQuestion };
  };
  const base = choices.map(() => 0);
  const tries = [base, ...choices.flatMap((c, i) => c.candidates.slice(1).map((_, j) => base.map((b, k) => (k === i ? j + 1 : b))))];
  for (const pick of tries) {
    const call = build(pick);
    if (!made.has(canonicalJson(call.args))) return call;
  }
  return undefined;
}

interface Candidate {
  value: unknown;
  source: ArgSource;
  kind: "id" | "number" | "option" | "text";
}

function candidatesFor(param: Param, ctx: ArgContext): Candidate[] {
  const observations = answeredSteps(ctx.trajectory).map((s) => s.observation).reverse();
  if (param.options) return optionCandidates(param.options, ctx.question, observations);
  if (param.type === "number" || param.type === "integer") {
    const shape = idShape(param);
    const plain = shape ? ctx.question.replace(globalOf(shape), " ") : ctx.question;
    return withoutIdTokens(plain)
      .map((n) => ({ value: param.type === "integer" ? Math.round(n) : n, source: "question" as const, kind: "number" as const }))
      .slice(0, 3);
  }
  if (param.type === "boolean" || param.type === "object" || param.type === "array") return [];
  const shape = idShape(param);
  if (shape || isIdName(param)) return idCandidates(param, shape, ctx.question, observations);
  if (/\bquery|question|search|text|topic|keywords?|about\b/i.test(`${param.name} ${param.description}`) || param.required) {
    return [{ value: ctx.question.trim(), source: "question", kind: "text" }];
  }
  return [];
}

function optionCandidates(options: string[], question: string, observations: string[]): Candidate[] {
  const names = options.map((o) => ({ option: o, names: [o] }));
  const out: Candidate[] = [];
  const seen = new Set<string>();
  const add = (option: string, source: ArgSource) => {
    if (seen.has(option)) return;
    seen.add(option);
    out.push({ value: option, source, kind: "option" });
  };
  for (const m of findOptions(question, names)) add(m.option, "question");
  const q = Terms.of(question);
  for (const o of options) if (q.has(Terms.of(o).list)) add(o, "question");
  for (const obs of observations) for (const m of findOptions(obs, names)) add(m.option, "observation");
  return out;
}

/** Ids in the question first (in order), then values earlier observations hold under the parameter's name, then id-shaped tokens in them. */
function idCandidates(param: Param, shape: RegExp | undefined, question: string, observations: string[]): Candidate[] {
  const out: Candidate[] = [];
  const seen = new Set<string>();
  const add = (value: string, source: ArgSource) => {
    if (seen.has(value)) return;
    seen.add(value);
    out.push({ value, source, kind: "id" });
  };
  if (shape) for (const m of question.matchAll(globalOf(shape))) add(m[0], "question");
  const q = Terms.of(question);
  for (const obs of observations) {
    const keyed = valuesForKey(obs, param.name)
      .map((kv, order) => ({ ...kv, order, overlap: Terms.of(kv.context).list.filter((t) => q.set.has(t)).length }))
      .filter((kv) => !shape || new RegExp(`^(?:${shape.source})$`, shape.flags).test(kv.value))
      .sort((a, b) => b.overlap - a.overlap || a.order - b.order);
    for (const kv of keyed) add(kv.value, "observation");
  }
  if (shape) for (const obs of observations) for (const m of obs.matchAll(globalOf(shape))) add(m[0], "observation");
  return out;
}

/** A parameter that names a thing by its id or code. */
function isIdName(param: Param): boolean {
  return /(?:^|_|\b)(?:id|sku|code|number|email)$/i.test(param.name) || /\b(?:id|identifier|sku|code)\b/i.test(param.description);
}

/**
 * The shape of the ids a parameter takes, from an example in its description: "an order id such as
 * A1042" → /\bA\d{4}\b/ (letters kept as written, digits as any digit); emails by their form.
 */
export function idShape(param: Param): RegExp | undefined {
  if (/email/i.test(`${param.name} ${param.description}`)) return /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/;
  const example = param.description.match(/(?<![\p{L}\p{N}_-])(?=[A-Za-z0-9-]*\d)(?=[A-Za-z0-9-]*[A-Z])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*(?![\p{L}\p{N}_-])/u)?.[0];
  if (!example) return undefined;
  const body = example.replace(/\d+/g, (d) => `\\d{${d.length}}`); // "-" needs no escape outside a class
  return new RegExp(`(?<![\\p{L}\\p{N}_-])${body}(?![\\p{L}\\p{N}_-])`, "u");
}

/** Numbers of a text that are not part of a code ("A1042", "P-301"). */
function withoutIdTokens(text: string): number[] {
  const plain = text.replace(/[\p{L}_]+[-]?\d[\w-]*|\d+[\p{L}_][\w-]*/gu, " ");
  return numbersIn(plain);
}

function globalOf(re: RegExp): RegExp {
  return new RegExp(re.source, re.flags.includes("g") ? re.flags : `${re.flags}g`);
}

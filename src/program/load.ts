import path from "node:path";
import { sha256 } from "../util/canonical.js";
import { UserError, type Problem } from "../util/errors.js";
import { fieldsLeniently, signatureFromSection } from "./fields.js";
import { toLMConfig } from "./lm-config.js";
import { parseMetric } from "./metric-spec.js";
import { parseRef, REF_FORMS } from "./refs.js";
import { dataSchema, fieldsSchema, identifier, lmSchema, mcpToolSchema, moduleToolSchema, programSchema, STEP_BASE_KEYS, stepBaseSchema } from "./schema.js";
import type { DataPaths, MetricSpec, ProgramSpec, Ref, StepSpec, ToolDecl } from "./types.js";
import { YamlSource, type YamlPath } from "./yaml-source.js";
import { describePath, describeValue, zodProblems } from "./zod-problems.js";
import { readUserText } from "./user-file.js";
import { displayPath } from "../util/display-path.js";
import { suggestionHint } from "../util/suggest.js";
import type { z } from "zod";

/** A program file read as far as it could be: the spec, its source, and every problem found. */
export interface ReadProgram {
  spec: ProgramSpec;
  source: YamlSource;
  problems: Problem[];
  /** Steps too broken to compile (their names still exist, so references to them are not "dangling"). */
  brokenSteps: Set<string>;
  /** Every step's module name and module-specific keys, broken steps included, so modules can check them all. */
  stepModules: Map<string, { module: string; options: Record<string, unknown> }>;
  /**
   * Steps in `spec.steps` although they have problems (a bad `temperature`, a bad wiring entry, …):
   * their signature parsed, so the compiler still checks their wiring and what reads their outputs,
   * and the file's graph problems are reported with its schema problems. Never compiled into a graph.
   * Maps each to the step inputs whose wiring is broken (already reported; no implicit source is
   * looked for), or "all" when the whole `inputs:` is.
   */
  flawedSteps: Map<string, Set<string> | "all">;
}

/**
 * Reads and validates a program file. Problems are collected rather than thrown so that, with the
 * graph compiler's, the user sees every problem of the file at once. Missing files and YAML syntax
 * errors throw at once (nothing else can be checked).
 */
export async function readProgram(file: string): Promise<ReadProgram> {
  const abs = path.resolve(file);
  return readProgramText(abs, await readUserText(abs, "program file"));
}

/**
 * Reads a program from its text as if it were the file `file` (relative paths resolve from there):
 * how a run's recorded program is loaded even after the file on disk changed.
 */
export async function readProgramText(file: string, text: string): Promise<ReadProgram> {
  const abs = path.resolve(file);
  const display = displayPath(abs);
  const source = YamlSource.parse(display, text);
  const syntax = source.syntaxProblems();
  if (syntax.length > 0) throw new UserError(syntax);
  const data = source.data();
  const problems: Problem[] = [];
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new UserError({ message: `expected a program mapping (name, inputs, outputs, steps, metric), got ${describeValue(data)}`, pos: source.posOf([]) });
  }
  const raw = data as Record<string, unknown>;
  const top = programSchema.safeParse(raw);
  if (!top.success) {
    // `lm`, `inputs` and `data` are reported by their own section parsers below when present (only
    // "a program needs at least one input" is the top schema's own); steps by parseStep, except
    // their names.
    const issues = top.error.issues.filter((i) => {
      const head = String(i.path[0]);
      if (["lm", "inputs", "data", "tools"].includes(head)) return raw[head] === undefined || (i.path.length === 1 && i.code === "custom");
      if (head === "steps") return i.path.length <= 1 || i.code === "invalid_key";
      return true;
    });
    problems.push(...zodProblems(issues, source, [], programSchema, raw));
  }
  const dir = path.dirname(abs);

  const lm = parseSection(lmSchema, raw.lm, source, ["lm"], problems);
  // Schema problems of the section are reported here; the fields (type problems too) come leniently.
  parseSection(fieldsSchema, raw.inputs, source, ["inputs"], problems);
  const inputs = fieldsLeniently(raw.inputs, source, ["inputs"], problems);

  const outputs: ProgramSpec["outputs"] = [];
  if (raw.outputs && typeof raw.outputs === "object" && !Array.isArray(raw.outputs)) {
    for (const [name, refText] of Object.entries(raw.outputs as Record<string, unknown>)) {
      if (typeof refText !== "string") continue; // reported by the top-level schema
      const ref = parseRef(refText);
      if (!ref) {
        problems.push({
          message: `\`outputs.${name}\`: expected a reference ${REF_FORMS} (e.g. \`route.team\`), got ${JSON.stringify(refText)}`,
          pos: source.posOf(["outputs", name]),
        });
        continue;
      }
      outputs.push({ name, ref, pos: source.posOf(["outputs", name]) });
    }
  }

  const steps: StepSpec[] = [];
  const brokenSteps = new Set<string>();
  const stepModules = new Map<string, { module: string; options: Record<string, unknown> }>();
  const flawedSteps = new Map<string, Set<string> | "all">();
  if (raw.steps && typeof raw.steps === "object" && !Array.isArray(raw.steps)) {
    for (const [name, value] of Object.entries(raw.steps as Record<string, unknown>)) {
      const read = parseStep(name, value, source, problems);
      if (read) steps.push(read.step);
      else brokenSteps.add(name);
      if (read?.unwired) flawedSteps.set(name, read.unwired);
      if (value && typeof value === "object" && !Array.isArray(value)) stepModules.set(name, moduleKeysOf(value as Record<string, unknown>));
    }
  }

  const metric =
    raw.metric === undefined || raw.metric === null
      ? undefined
      : parseMetric(raw.metric, source, ["metric"], isMapping(raw.outputs) ? Object.keys(raw.outputs) : undefined, problems);

  const tools = parseTools(raw.tools, source, problems);

  const dataSection = parseSection(dataSchema, raw.data, source, ["data"], problems);
  const dataPaths: DataPaths = {};
  for (const split of ["train", "dev", "test"] as const) {
    const p = dataSection?.[split];
    if (p) dataPaths[split] = path.resolve(dir, p);
  }

  const spec: ProgramSpec = {
    file: abs,
    dir,
    sourceHash: sha256(text),
    sourceText: text,
    raw,
    name: typeof raw.name === "string" ? raw.name : path.basename(abs).replace(/\.ya?ml$/, ""),
    inputs,
    outputs,
    steps,
    metric: metric ?? PLACEHOLDER_METRIC,
    tools,
    data: dataPaths,
    positions: source.positions(),
    keyPositions: source.keyPositions(),
  };
  if (typeof raw.description === "string") spec.description = raw.description;
  if (lm) spec.lm = toLMConfig(lm);
  if (raw.optimize && typeof raw.optimize === "object") spec.optimize = raw.optimize as Record<string, unknown>;
  return { spec, source, problems, brokenSteps, stepModules, flawedSteps };
}

/** The `tools:` entries that read, each by the schema of its kind (an `mcp` key makes it a server). */
function parseTools(value: unknown, source: YamlSource, problems: Problem[]): ToolDecl[] {
  if (!isMapping(value)) {
    if (value !== undefined && value !== null) problems.push({ message: `\`tools\`: expected a mapping of tool names to tools, got ${describeValue(value)}`, pos: source.posOf(["tools"]) });
    return [];
  }
  const decls: ToolDecl[] = [];
  for (const [name, entry] of Object.entries(value)) {
    const at: YamlPath = ["tools", name];
    if (!identifier.safeParse(name).success) continue; // reported by the top-level schema
    if (!isMapping(entry)) {
      problems.push({ message: `${describePath(at)}: expected \`{ module: ./file.ts, export: name }\` or \`{ mcp: { command, args } }\`, got ${describeValue(entry)}`, pos: source.posOf(at) });
      continue;
    }
    const common = (t: { cache?: boolean | undefined; timeout?: number | undefined }) => ({
      ...(t.cache !== undefined ? { cache: t.cache } : {}),
      ...(t.timeout !== undefined ? { timeoutMs: t.timeout } : {}),
    });
    if ("mcp" in entry) {
      const t = parseSection(mcpToolSchema, entry, source, at, problems);
      if (!t) continue;
      const { command, args, env, cwd } = t.mcp;
      decls.push({ name, source: { kind: "mcp", command, args, env, ...(cwd !== undefined ? { cwd } : {}), ...(t.tools ? { tools: t.tools } : {}) }, ...common(t), pos: source.posOf(at) });
    } else {
      const t = parseSection(moduleToolSchema, entry, source, at, problems);
      if (!t) continue;
      decls.push({ name, source: { kind: "module", module: t.module, export: t.export }, ...common(t), pos: source.posOf(at) });
    }
  }
  return decls;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Only ever seen when problems were reported, which stops the command before it is used. */
const PLACEHOLDER_METRIC: MetricSpec = { kind: "mean", metrics: [] };

function parseSection<T>(
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: readonly import("zod").z.core.$ZodIssue[] } } },
  value: unknown,
  source: YamlSource,
  path: YamlPath,
  problems: Problem[],
): T | undefined {
  if (value === undefined) return undefined;
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  problems.push(...zodProblems(r.error.issues, source, path, schema as never, value));
  return undefined;
}

/** A step's module (predict by default) and the keys that belong to it rather than to every step. */
function moduleKeysOf(value: Record<string, unknown>): { module: string; options: Record<string, unknown> } {
  const options: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (!STEP_BASE_KEYS.includes(key)) options[key] = v;
  }
  return { module: typeof value.module === "string" && value.module ? value.module : "predict", options };
}

/**
 * A step as far as it reads. Undefined when its signature cannot be read (nothing about it can be
 * checked); `unwired` is set when the step had problems, with the inputs whose wiring is broken.
 */
function parseStep(
  name: string,
  value: unknown,
  source: YamlSource,
  problems: Problem[],
): { step: StepSpec; unwired?: Set<string> | "all" } | undefined {
  const at: YamlPath = ["steps", name];
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    problems.push({
      message: `${describePath(at)}: expected a step mapping with at least \`signature\`, got ${describeValue(value)}`,
      pos: source.posOf(at),
    });
    return undefined;
  }
  const before = problems.length;
  const whole = stepBaseSchema.safeParse(value);
  let base: z.infer<typeof stepBaseSchema> | undefined;
  const unwired = new Set<string>();
  let wiringBroken = false;
  if (whole.success) base = whole.data;
  else {
    problems.push(...zodProblems(whole.error.issues, source, at, stepBaseSchema, value));
    // The keys that did validate still count: a bad `temperature` does not hide the wiring.
    const failed = new Set(whole.error.issues.map((i) => String(i.path[0])));
    if (failed.has("signature") || failed.has("undefined")) return undefined;
    const rest = Object.fromEntries(Object.entries(value).filter(([k]) => !failed.has(k)));
    const again = stepBaseSchema.safeParse(rest);
    if (!again.success) return undefined;
    base = again.data;
    const rawInputs = (value as Record<string, unknown>).inputs;
    if (failed.has("inputs")) {
      if (isMapping(rawInputs)) {
        const good: Record<string, string> = {};
        for (const [field, ref] of Object.entries(rawInputs)) {
          if (typeof ref === "string") good[field] = ref;
          else unwired.add(field);
        }
        base.inputs = good;
      } else wiringBroken = true;
    }
  }
  const signature = signatureFromSection(base.signature, source, [...at, "signature"], problems);
  if (!signature) return undefined;

  const wiring: Record<string, Ref> = {};
  for (const [field, refText] of Object.entries(base.inputs ?? {})) {
    const ref = parseRef(refText);
    if (!ref) {
      problems.push({
        message: `${describePath([...at, "inputs", field])}: expected a reference ${REF_FORMS}, got ${JSON.stringify(refText)}`,
        pos: source.posOf([...at, "inputs", field]),
      });
      unwired.add(field);
      continue;
    }
    if (!signature.inputs.some((f) => f.name === field)) {
      problems.push({
        message: `${describePath([...at, "inputs"])}: \`${field}\` is not an input of this step's signature (inputs: ${signature.inputs.map((f) => f.name).join(", ")})`,
        pos: source.keyPos([...at, "inputs"], field),
        hint: suggestionHint(field, signature.inputs.map((f) => f.name)),
      });
      continue;
    }
    wiring[field] = ref;
  }

  const { module, options } = moduleKeysOf(value as Record<string, unknown>);
  const step: StepSpec = {
    name,
    module,
    signature,
    instruction: base.instruction?.trim() ?? "",
    demos: base.demos ?? [],
    wiring,
    options,
    pos: source.posOf(at),
  };
  if (base.lm) step.lm = toLMConfig(base.lm);
  if (base.temperature !== undefined) step.lm = { ...step.lm, temperature: base.temperature };
  if (base.max_tokens !== undefined) step.lm = { ...step.lm, maxTokens: base.max_tokens };
  if (problems.length === before) return { step };
  return { step, unwired: wiringBroken ? "all" : unwired };
}

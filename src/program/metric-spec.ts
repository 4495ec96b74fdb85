import { z } from "zod";
import type { Problem } from "../util/errors.js";
import { suggestionHint } from "../util/suggest.js";
import { lmSchema } from "./schema.js";
import type { LMConfig, MetricSpec } from "./types.js";
import type { YamlPath, YamlSource } from "./yaml-source.js";
import { describePath, describeValue, zodProblems } from "./zod-problems.js";
import { toLMConfig } from "./lm-config.js";

/** `exact_match: team` or `exact_match: { field: team, gold: expected_team }`. */
const fieldRef = z.preprocess(
  (v) => (typeof v === "string" ? { field: v } : v),
  z.strictObject({ field: z.string().min(1), gold: z.string().min(1).optional() }),
);
const numericSchema = z.preprocess(
  (v) => (typeof v === "string" ? { field: v } : v),
  z.strictObject({
    field: z.string().min(1),
    gold: z.string().min(1).optional(),
    tolerance: z.number().min(0).optional(),
    relative: z.boolean().optional(),
  }),
);
const regexSchema = z.strictObject({ field: z.string().min(1), pattern: z.string().min(1), flags: z.string().optional() });
const judgeSchema = z.strictObject({
  field: z.string().min(1),
  rubric: z.string().min(1),
  gold: z.string().min(1).optional(),
  lm: lmSchema.optional(),
});
const customSchema = z.strictObject({ module: z.string().min(1), export: z.string().min(1).optional() });
const weightedItem = z.strictObject({ weight: z.number().min(0), metric: z.unknown() });

export const METRIC_KINDS = [
  "exact_match",
  "f1",
  "contains",
  "regex",
  "numeric",
  "json_equal",
  "mean",
  "weighted",
  "llm_judge",
  "module",
] as const;

const FIELD_KINDS = ["exact_match", "f1", "contains", "json_equal"] as const;

/**
 * Reads the `metric:` section into a MetricSpec, collecting every problem with its position.
 * `outputs` are the program's output names: field metrics must name one of them (unchecked when
 * undefined: the `outputs:` section is itself broken, which is reported).
 */
export function parseMetric(
  value: unknown,
  source: YamlSource,
  path: YamlPath,
  outputs: readonly string[] | undefined,
  problems: Problem[],
): MetricSpec | undefined {
  const where = describePath(path);
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    problems.push({
      message: `${where}: expected a metric mapping such as \`exact_match: answer\`, got ${describeValue(value)}`,
      pos: source.posOf(path),
    });
    return undefined;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if ("module" in record) return parseWith(customSchema, record, source, path, problems, (c) => ({
    kind: "custom",
    module: c.module,
    export: c.export ?? "default",
  }));
  if (keys.length !== 1) {
    problems.push({
      message: `${where}: a metric is one of ${METRIC_KINDS.join(", ")}; found ${keys.length === 0 ? "nothing" : keys.map((k) => `\`${k}\``).join(", ")}`,
      pos: source.posOf(path),
    });
    return undefined;
  }
  const kind = keys[0]!;
  const inner = record[kind];
  const innerPath = [...path, kind];
  const checkField = (field: string) => {
    if (outputs && !outputs.includes(field)) {
      problems.push({
        message: `${describePath(innerPath)}: \`${field}\` is not a program output (outputs: ${outputs.join(", ")})`,
        pos: source.posOf(typeof inner === "string" ? innerPath : [...innerPath, "field"]),
        hint: suggestionHint(field, outputs),
      });
    }
  };
  if ((FIELD_KINDS as readonly string[]).includes(kind)) {
    return parseWith(fieldRef, inner, source, innerPath, problems, (f) => {
      checkField(f.field);
      return { kind: kind as (typeof FIELD_KINDS)[number], field: f.field, gold: f.gold ?? f.field };
    });
  }
  switch (kind) {
    case "numeric":
      return parseWith(numericSchema, inner, source, innerPath, problems, (n) => {
        checkField(n.field);
        return { kind: "numeric", field: n.field, gold: n.gold ?? n.field, tolerance: n.tolerance ?? 0, relative: n.relative ?? false };
      });
    case "regex":
      return parseWith(regexSchema, inner, source, innerPath, problems, (r) => {
        checkField(r.field);
        try {
          new RegExp(r.pattern, r.flags ?? "");
        } catch (err) {
          problems.push({
            message: `${describePath(innerPath)}: invalid regular expression /${r.pattern}/${r.flags ?? ""}: ${(err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, "")}`,
            pos: source.posOf([...innerPath, "pattern"]),
          });
        }
        return { kind: "regex", field: r.field, pattern: r.pattern, flags: r.flags ?? "" };
      });
    case "llm_judge":
      return parseWith(judgeSchema, inner, source, innerPath, problems, (j) => {
        checkField(j.field);
        const spec: MetricSpec = { kind: "llm_judge", field: j.field, rubric: j.rubric };
        if (j.gold) spec.gold = j.gold;
        if (j.lm) spec.lm = toLMConfig(j.lm) as LMConfig;
        return spec;
      });
    case "mean": {
      if (!Array.isArray(inner) || inner.length === 0) {
        problems.push({ message: `${describePath(innerPath)}: expected a non-empty list of metrics`, pos: source.posOf(innerPath) });
        return undefined;
      }
      const metrics = inner.map((m, i) => parseMetric(m, source, [...innerPath, i], outputs, problems));
      return metrics.every((m): m is MetricSpec => m !== undefined) ? { kind: "mean", metrics } : undefined;
    }
    case "weighted": {
      if (!Array.isArray(inner) || inner.length === 0) {
        problems.push({
          message: `${describePath(innerPath)}: expected a non-empty list of { weight, metric }`,
          pos: source.posOf(innerPath),
        });
        return undefined;
      }
      const items = inner.map((item, i) =>
        parseWith(weightedItem, item, source, [...innerPath, i], problems, (w) => {
          const metric = parseMetric(w.metric, source, [...innerPath, i, "metric"], outputs, problems);
          return metric ? { weight: w.weight, metric } : undefined;
        }),
      );
      if (!items.every((x): x is { weight: number; metric: MetricSpec } => x !== undefined)) return undefined;
      if (!items.some((x) => x.weight > 0)) {
        problems.push({ message: `${describePath(innerPath)}: at least one weight must be above 0`, pos: source.posOf(innerPath) });
        return undefined;
      }
      return { kind: "weighted", metrics: items };
    }
    default:
      problems.push({
        message: `${where}: unknown metric \`${kind}\` (expected one of: ${METRIC_KINDS.join(", ")})`,
        pos: source.keyPos(path, kind),
        hint: suggestionHint(kind, METRIC_KINDS),
      });
      return undefined;
  }
}

function parseWith<S extends z.ZodType, R>(
  schema: S,
  value: unknown,
  source: YamlSource,
  path: YamlPath,
  problems: Problem[],
  build: (parsed: z.infer<S>) => R,
): R | undefined {
  const r = schema.safeParse(value);
  if (!r.success) {
    problems.push(...zodProblems(r.error.issues, source, path, schema, value));
    return undefined;
  }
  return build(r.data);
}

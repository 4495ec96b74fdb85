import { closedOptions, type FieldType } from "../signature/types.js";
import { normalizeText } from "../util/text.js";
import type { MetricSpec } from "./types.js";

/**
 * A gold label that `exact_match` compares with a closed output (an enum or a boolean, or a list of
 * them): a gold value the output can never take is scored 0 whatever the program answers, so the
 * dataset reader refuses it.
 */
export interface ClosedGold {
  /** The row's field holding the gold value. */
  gold: string;
  /** The program output it is compared with. */
  output: string;
  /** What the output can be, as written in its type. */
  options: readonly string[];
  /** The options as exact_match compares them (normalized text). */
  keys: ReadonlySet<string>;
}

/**
 * The closed gold labels of a metric: every `exact_match` (inside `mean` and `weighted` too, but not
 * at weight 0) on a program output whose type is closed. Other metrics give partial credit or read
 * the gold their own way, so their gold values are not checked.
 */
export function closedGolds(metric: MetricSpec, outputs: readonly { name: string; type: FieldType }[]): ClosedGold[] {
  const out: ClosedGold[] = [];
  const walk = (m: MetricSpec) => {
    if (m.kind === "mean") {
      m.metrics.forEach(walk);
    } else if (m.kind === "weighted") {
      for (const { weight, metric } of m.metrics) if (weight > 0) walk(metric);
    } else if (m.kind === "exact_match") {
      const type = outputs.find((o) => o.name === m.field)?.type;
      const options = type && closedOptions(type.kind === "list" ? type.item : type);
      if (options && !out.some((g) => g.gold === m.gold && g.output === m.field)) {
        out.push({ gold: m.gold, output: m.field, options, keys: new Set(options.map(normalizeText)) });
      }
    }
  };
  walk(metric);
  return out;
}

/**
 * What is wrong with a row's gold value for `rule`, or undefined. A list of golds ("any of these",
 * or a list output's whole answer) is checked item by item; each item is compared as exact_match
 * compares it (text normalized, numbers and booleans as their text).
 */
export function closedGoldProblem(rule: ClosedGold, value: unknown): string | undefined {
  const bad = outsideOptions(rule, value);
  if (bad === undefined) return undefined;
  const against = rule.gold === rule.output ? "" : ` (compared with output \`${rule.output}\`)`;
  return `gold \`${rule.gold}\`${against} should be one of the output's values (${rule.options.join(", ")}), got ${JSON.stringify(bad)}: exact_match would score it 0 whatever the program answers`;
}

/** The first item of a gold value that no option matches. */
function outsideOptions(rule: ClosedGold, value: unknown): unknown {
  if (Array.isArray(value)) {
    for (const item of value) {
      const bad = outsideOptions(rule, item);
      if (bad !== undefined) return bad;
    }
    return undefined;
  }
  const key = typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? normalizeText(String(value)) : undefined;
  return key !== undefined && rule.keys.has(key) ? undefined : value;
}

import type { z } from "zod";
import type { ProgramSpec } from "../program/types.js";
import { describeValue } from "../program/zod-problems.js";
import { displayPath } from "../util/display-path.js";
import { sortProblems, type Problem, type SourcePos } from "../util/errors.js";
import { suggestionHint } from "../util/suggest.js";
import { enumOf, expectedText, jsonSchemaAt } from "./settings-table.js";

/**
 * The `optimize:` section's zod issues as problems at file:line:column, worded from the schema:
 * an unknown key (at the key, with the keys expected and a did-you-mean), or a value that is not
 * what its key takes (at the value: what it must be, what it is). One problem per key.
 */
export function sectionProblems(issues: readonly z.core.$ZodIssue[], root: z.core.JSONSchema.BaseSchema, raw: unknown, spec: ProgramSpec): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const once = (path: string, problem: Problem) => {
    if (seen.has(path)) return;
    seen.add(path);
    problems.push(problem);
  };
  for (const issue of issuesOf(issues)) {
    const at = issue.path.map(String);
    if (issue.code === "unrecognized_keys") {
      const known = Object.keys(jsonSchemaAt(root, at)?.properties ?? {});
      for (const key of issue.keys) {
        const path = ["optimize", ...at, key].join(".");
        once(path, {
          message: `unknown key \`${key}\` in \`${["optimize", ...at].join(".")}\` (expected one of: ${known.join(", ")})`,
          pos: keyPos(spec, path),
          hint: suggestionHint(key, known),
        });
      }
      continue;
    }
    const path = ["optimize", ...at].join(".");
    if (issue.code === "too_small" && issue.origin === "array") {
      once(path, { message: `\`${path}\`: expected at least ${issue.minimum} item${Number(issue.minimum) === 1 ? "" : "s"}, got an empty list`, pos: valuePos(spec, path) });
      continue;
    }
    const field = jsonSchemaAt(root, at);
    const value = valueAt(raw, at);
    const expected = field ? expectedText(field) : issue.message.replace(/^Invalid input: /, "");
    const names = field ? enumOf(field) : undefined;
    const hint = typeof value === "string" && names ? suggestionHint(value, names) : undefined;
    // An empty value (`gepa:` and nothing) has no text of its own to point at: its key has.
    const pos = value === null || value === undefined ? keyPos(spec, path) : valuePos(spec, path);
    once(path, { message: `\`${path}\`: expected ${expected}, got ${describeValue(value)}`, pos, ...(hint ? { hint } : {}) });
  }
  return sortProblems(problems);
}

/**
 * The issues to report: a value that matches none of the alternatives its key allows (an optimizer
 * or a list of them) is reported as the alternative it came closest to — the one whose issues lie
 * deepest in it (a list whose second item is misspelt), else one of its own kind — so the problem
 * points at what is wrong inside it.
 */
function issuesOf(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== "invalid_union" || issue.errors.length === 0) return [issue];
    const rank = (branch: readonly z.core.$ZodIssue[]) => Math.max(...branch.map((i) => 2 * i.path.length + (i.code === "invalid_type" ? 0 : 1)));
    // Ties go to the later alternative (the list, for an empty one).
    const closest = issue.errors.reduce((best, branch) => (rank(branch) >= rank(best) ? branch : best));
    return issuesOf(closest.map((i) => ({ ...i, path: [...issue.path, ...i.path] })));
  });
}

function valuePos(spec: ProgramSpec, path: string): SourcePos {
  return spec.positions.get(path) ?? spec.positions.get("optimize") ?? { file: displayPath(spec.file) };
}

function keyPos(spec: ProgramSpec, path: string): SourcePos {
  return spec.keyPositions?.get(path) ?? valuePos(spec, path);
}

function valueAt(value: unknown, path: readonly string[]): unknown {
  let cur = value;
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

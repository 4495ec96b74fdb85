import type { ChalkInstance } from "chalk";
import type { CandidateView } from "../../view/run-view.js";
import { programStateSchema } from "../../program/state.js";
import { formatScore, plural } from "../output.js";
import { wrapParts } from "../wrap.js";

const INDENT = "    ";

/**
 * The best candidate as `dspx show` prints it: its hash, origin and score, then per LM step the
 * number of demos and the whole instruction, wrapped to `width` under the step (one line per
 * instruction line in a pipe).
 */
export function bestCandidateLines(candidate: CandidateView | undefined, mainDataset: string, width: number | undefined, c: ChalkInstance, label = "best"): string[] {
  const title = c.bold(label) + " ".repeat(Math.max(1, 9 - label.length));
  if (!candidate) return [`${title}none recorded`];
  const score = candidate.scores[mainDataset];
  const head = wrapParts(title, [candidate.hash.slice(0, 10), candidate.origin, ...(score ? [`${mainDataset} ${formatScore(score.mean)}`] : [])], width).split("\n");
  const parsed = programStateSchema.safeParse(candidate.state);
  if (!parsed.success) return [...head, c.yellow("  its instructions and demos cannot be read (the stored state is damaged)")];
  const lines = [...head];
  for (const [step, state] of Object.entries(parsed.data.steps)) {
    lines.push(`  ${c.bold(step)} · ${state.demos.length === 0 ? "no demos" : plural(state.demos.length, "demo")}`);
    const text = state.instruction.trim();
    if (text === "") lines.push(c.dim(`${INDENT}(no instruction)`));
    for (const line of text === "" ? [] : text.split(/\r?\n/)) lines.push(...(line.trim() === "" ? [""] : wrapParts(INDENT, [line.trimEnd()], width).split("\n")));
  }
  return lines;
}

import { findOptions } from "./cues.js";
import { lengthLimitOfLine, lengthLine } from "./shape.js";
import { termsOf } from "./terms.js";
import type { OptionNames } from "./values.js";

/** At most this many words are added to one cue line per proposal … */
export const MAX_NEW_TERMS = 6;
/** … and a cue line never grows past this many terms. */
export const MAX_TERMS_PER_LINE = 15;

/** The instruction as lines, edited in place; its text is unchanged unless something was edited. */
export class InstructionLines {
  private readonly lines: string[];
  private changed = false;

  constructor(private readonly original: string) {
    this.lines = original.split("\n");
  }

  text(): string {
    return this.changed ? this.lines.join("\n") : this.original;
  }

  append(line: string): void {
    while (this.lines.length > 0 && this.lines.at(-1)!.trim() === "") this.lines.pop();
    this.lines.push(line);
    this.changed = true;
  }

  extendCueLine(index: number, terms: string[]): void {
    const base = this.lines[index]!.replace(/[\s.;,]+$/, "");
    this.lines[index] = base.endsWith(":") ? `${base} ${terms.join(", ")}` : `${base}, ${terms.join(", ")}`;
    this.changed = true;
  }

  /**
   * Removes the given items (by their stems) from the cue line at `index`, which has the
   * `option: items` form; the whole line when no item is left.
   */
  pruneCueLine(index: number, names: readonly OptionNames[], drop: ReadonlySet<string>): void {
    const line = this.lines[index]!;
    const mention = findOptions(line, names)[0];
    if (!mention) return;
    const colon = /^[\s*_"'`)\]]*:/.exec(line.slice(mention.end));
    if (!colon) return;
    const head = line.slice(0, mention.end + colon[0].length);
    const kept = line
      .slice(head.length)
      .split(/[,;]/)
      .map((item) => item.trim().replace(/[.]+$/, "").trim())
      .filter((item) => item !== "" && !drop.has(termsOf(item.replace(/^["'`]|["'`]+$/g, "")).join(" ")));
    if (kept.length > 0) this.lines[index] = `${head} ${kept.join(", ")}`;
    else this.lines.splice(index, 1);
    this.changed = true;
  }

  /** Adds the length line or updates its limit; false when it already says exactly that. */
  setLengthLine(limit: number): boolean {
    const index = this.lines.findIndex((l) => lengthLimitOfLine(l) !== undefined);
    if (index < 0) {
      this.append(lengthLine(limit));
      return true;
    }
    if (lengthLimitOfLine(this.lines[index]!) === limit) return false;
    this.lines[index] = lengthLine(limit);
    this.changed = true;
    return true;
  }
}


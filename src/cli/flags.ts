import { InvalidArgumentError, Option, type Command } from "commander";
import { accessSync, constants, statSync, type Stats } from "node:fs";
import path from "node:path";
import { displayPath } from "../util/display-path.js";
import { isBareNumber, parseDuration } from "../util/duration.js";
import { httpUrlProblem } from "../util/http-url.js";
import type { LmOptions } from "../lm/settings.js";

/** --no-traces (eval, optimize): one wording for both; what it keeps is graph's `untraced`. */
export const NO_TRACES_HELP =
  "store each example's scores, outputs, tokens and costs but not the trace: no rendered messages, completions or agent trajectories (recorded in the run; the viewer then shows no prompts)";

/** Commander argument parsers: a bad value names what was expected. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n <= 0) {
    throw new InvalidArgumentError("expected a positive whole number");
  }
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError("expected a whole number ≥ 0");
  return n;
}

export function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError("expected a number ≥ 0");
  return n;
}

/** A score: metrics score every example from 0 to 1, so a bar outside that can never be met (or never missed). */
export function score(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new InvalidArgumentError("expected a score from 0 to 1, such as 0.8");
  if (n < 0 || n > 1) {
    const percent = n > 1 && n <= 100 ? ` (for ${n}%, give ${n / 100})` : "";
    throw new InvalidArgumentError(`expected a score from 0 to 1, such as 0.8; scores are never ${n < 0 ? "below 0" : "above 1"}${percent}`);
  }
  return n;
}

/** A positive count, or `all`. */
export function countOrAll(value: string): number | "all" {
  if (value.trim() === "all") return "all";
  try {
    return positiveInt(value);
  } catch {
    throw new InvalidArgumentError("expected a positive whole number or `all`");
  }
}

export function oneOf<T extends string>(choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`expected one of: ${choices.join(", ")}`);
    }
    return value as T;
  };
}

/** One of `choices`, or several separated by commas, each once (`--optimizer bootstrap,gepa`: a sequence). */
export function listOf<T extends string>(choices: readonly T[]) {
  const one = oneOf(choices);
  return (value: string): T[] => {
    const names = value.split(",").map((v) => one(v.trim()));
    const again = names.find((n, i) => names.indexOf(n) !== i);
    if (again) throw new InvalidArgumentError(`\`${again}\` is named twice; a sequence runs each optimizer once`);
    return names;
  };
}

/** A duration with its unit, as dspx prints them (`90s`, `1h30m`); a bare number is refused, not guessed at. */
export function duration(value: string): number {
  if (isBareNumber(value)) throw new InvalidArgumentError(`give a unit: ${value.trim()}s, ${value.trim()}m or ${value.trim()}h (durations read like 30s, 5m, 1h30m or 2d)`);
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) throw new InvalidArgumentError("expected a duration such as 30s, 5m, 1h30m or 2d");
  return ms;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a number > 0");
  return n;
}

/** A provider base URL: http or https, checked before anything starts (a typo would otherwise retry as an outage). */
export function baseUrl(value: string): string {
  const problem = httpUrlProblem(value);
  if (problem) throw new InvalidArgumentError(problem);
  return value;
}

/**
 * A file a command writes (a report, results, an export): refused at once — before any LM call —
 * when it names a folder, sits under a file, in a folder that does not exist (dspx creates no
 * folders: a typo in a path should not leave new folders behind), or where this user may not write.
 */
export function outputFile(value: string): string {
  const problem = outputFileProblem(value);
  if (problem) throw new InvalidArgumentError(problem);
  return value;
}

/** What is wrong with writing `value` (a path as the user gave it), or undefined when it can be written. */
export function outputFileProblem(value: string): string | undefined {
  const file = path.resolve(value);
  const info = statOf(file);
  if (info?.isDirectory()) return `${value} is a directory; give the name of a file (in it, or elsewhere)`;
  const parent = path.dirname(file);
  for (let dir = parent; ; dir = path.dirname(dir)) {
    const found = statOf(dir);
    if (found && !found.isDirectory()) return `${displayPath(dir)} is a file, so nothing can be written under it`;
    if (found && dir !== parent) return `the folder ${displayPath(parent)} does not exist (dspx creates no folders: create it first)`;
    if (found || dir === path.dirname(dir)) break;
  }
  if (!writable(info ? file : parent)) return info ? `${value} is not writable` : `the folder ${displayPath(parent)} is not writable`;
  return undefined;
}

function writable(file: string): boolean {
  try {
    accessSync(file, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** What is at `file`, or undefined when nothing is (or a parent is no folder). */
function statOf(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

/** The flags every command that calls an LM takes: the LM options (`--timeout` is `timeoutMs`'s), and the database. */
export interface LMFlags extends Pick<LmOptions, "lm" | "baseUrl" | "rpm" | "tpm" | "maxAttempts" | "cache"> {
  timeout?: number;
  db?: string;
}

export function addLMOptions(command: Command): Command {
  return command
    .option("--lm <spec>", "model to run on, provider:model (e.g. openai:gpt-4.1-mini, anthropic:claude-haiku-4-5, ollama:llama3.1, sim)")
    .option("--base-url <url>", "send requests to this OpenAI-compatible or Anthropic endpoint (also OPENAI_BASE_URL / ANTHROPIC_BASE_URL)", baseUrl)
    .option("--rpm <n>", "requests per minute allowed per endpoint (default: learned from the provider)", positiveNumber)
    .option("--tpm <n>", "tokens per minute allowed per endpoint", positiveNumber)
    .addOption(new Option("--timeout <duration>", "per-request timeout (default 60s)").argParser(duration))
    .option("--max-attempts <n>", "tries per request for transient failures (default 5)", positiveInt)
    .option("--db <file>", "the dspx database (default runs/dspx.db, or DSPX_DB)")
    .option("--no-cache", "neither read nor write the LM response cache");
}

import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import { readLines, type ReadLinesOptions } from "../../src/program/lines.js";
import { UserError, type Problem } from "../../src/util/errors.js";

const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory under the OS temp dir, removed after the test file. */
export function tempDir(prefix = "dspx-test-"): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Writes `files` (relative path → text) into a fresh temp dir; returns the dir. */
export function writeFiles(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return dir;
}

/** Writes a program (and any side files) to a temp dir; returns the program's path. */
export function writeProgram(yaml: string, files: Record<string, string> = {}): string {
  const dir = writeFiles({ "program.yaml": yaml, ...files });
  return path.join(dir, "program.yaml");
}

/** The problems of the UserError an async call rejects with (fails if it resolves or throws something else). */
export async function problemsOf(promise: Promise<unknown>): Promise<Problem[]> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof UserError) return err.problems;
    throw err;
  }
  throw new Error("expected a UserError, but the call succeeded");
}

/** Problems as `line:col message` lines: compact, exact, easy to compare. */
export function brief(problems: Problem[]): string[] {
  return problems.map((p) => `${p.pos?.line ?? "-"}:${p.pos?.col ?? "-"} ${p.message}${p.hint ? ` [${p.hint}]` : ""}`);
}

/** The (line number, text) pairs `readLines` yields for `file`, read as a dataset. */
export async function linesOf(file: string, options: ReadLinesOptions = {}): Promise<[number, string][]> {
  const out: [number, string][] = [];
  for await (const batch of readLines(file, "dataset", options)) for (const l of batch) out.push([l.line, l.text]);
  return out;
}

import { z } from "zod";
import { UserError } from "../util/errors.js";
import { displayPath } from "../util/display-path.js";

/** A JSON column read: its value, or what is wrong with it in words (`is not valid JSON (…)`). */
export type StoredJson<T> = { ok: true; value: T } | { ok: false; problem: string };

/**
 * Parses JSON text from a column and checks it against `schema`. Stored JSON is never cast: a row a
 * crash, a disk error or a hand edit damaged is reported as such, for that row alone.
 */
export function readStoredJson<T>(text: unknown, schema: z.ZodType<T>): StoredJson<T> {
  if (typeof text !== "string") return { ok: false, problem: `is not text (${text === null ? "NULL" : typeof text})` };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, problem: `is not valid JSON (${(err as Error).message})` };
  }
  return readStoredValue(value, schema);
}

/** Stored JSON already parsed, checked against `schema`. */
export function readStoredValue<T>(value: unknown, schema: z.ZodType<T>): StoredJson<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, problem: `does not have the expected shape (${issueText(parsed.error.issues[0])})` };
}

/** A row's columns checked against `schema`: the row, or what is wrong with it. */
export function readStoredRow<T>(row: unknown, schema: z.ZodType<T>): StoredJson<T> {
  const parsed = schema.safeParse(row);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, problem: `has a column of the wrong type (${issueText(parsed.error.issues[0])})` };
}

function issueText(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return "unknown problem";
  return issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message;
}

/** A run whose stored data cannot be read: named with the database, so the user can repair or drop it. */
export function damagedRun(file: string, runId: string, problem: string): UserError {
  return new UserError({
    message: `run ${runId} is damaged: ${problem}; the other runs in this database are not affected (\`dspx runs rm ${runId}\` removes it, or restore the file from a copy)`,
    pos: { file: displayPath(file) },
  });
}

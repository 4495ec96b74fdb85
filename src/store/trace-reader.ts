import type Database from "better-sqlite3";
import { z } from "zod";
import { messageListSchema, storedExampleSchema, storedMessageSchema, type StoredExample, type StoredMessage } from "./blobs.js";
import { EVALUATION_COLUMNS, readEvaluation, type EvaluationRow } from "./evaluations-store.js";
import { damagedRun, readStoredJson, readStoredValue, type StoredJson } from "./stored-json.js";
import { storedTraceSchema, type StoredStep } from "./stored-trace.js";
import { UserError } from "../util/errors.js";
import { displayPath } from "../util/display-path.js";

/** Which result of a run: the candidate, the dataset it was scored on, the example. */
export interface ResultKey {
  runId: string;
  candidate: string;
  dataset: string;
  exampleId: string;
}

/** One (candidate, example) of a run with everything stored about it, for a viewer. */
export interface ExampleTrace {
  evalId: string;
  /** The run reused an earlier evaluation (the memo) rather than making this one. */
  memoized: boolean;
  row: EvaluationRow;
  /** The trace, read through its schema. */
  steps: StoredStep[];
  /** Inputs and gold, when the evaluation recorded its example (null: stored before dspx kept them). */
  example: StoredExample | null;
}

const linkSchema = z.object({ eval_id: z.string(), memoized: z.number() });
const blobRow = z.object({ content: z.string() });

/**
 * Reads traces back: one evaluation of a run with its example, and the blobs its calls name. Every
 * stored text is parsed with its schema; a damaged row is reported as a UserError naming the database
 * (and the run), a missing one is `undefined`.
 */
export class TraceReader {
  private readonly blobStmt: Database.Statement<[string], unknown>;
  private readonly resultStmt: Database.Statement<[ResultKey], unknown>;
  private readonly evaluationStmt: Database.Statement<[string], unknown>;

  constructor(
    private readonly db: Database.Database,
    private readonly file: string,
  ) {
    this.blobStmt = db.prepare("SELECT content FROM blobs WHERE hash = ?");
    this.resultStmt = db.prepare(
      "SELECT eval_id, memoized FROM run_results WHERE run_id = @runId AND candidate = @candidate AND dataset = @dataset AND example_id = @exampleId",
    );
    this.evaluationStmt = db.prepare(`SELECT ${EVALUATION_COLUMNS} FROM evaluations WHERE id = ?`);
  }

  /** The text stored under `hash`, or undefined when there is none. */
  blob(hash: string): string | undefined {
    const row = this.blobStmt.get(hash);
    if (row === undefined) return undefined;
    const read = blobRow.safeParse(row);
    if (!read.success) throw this.damagedBlob(hash, "is not text");
    return read.data.content;
  }

  /** The messages a call's `messagesHash` names, in order; undefined when that blob is not stored (gc dropped it). */
  messages(hash: string): StoredMessage[] | undefined {
    const list = this.parsedBlob(hash, messageListSchema);
    if (list === undefined) return undefined;
    const messages: StoredMessage[] = [];
    for (const part of list) {
      const message = this.parsedBlob(part, storedMessageSchema);
      if (message === undefined) throw this.damagedBlob(hash, `names message ${part}, which is not stored`);
      messages.push(message);
    }
    return messages;
  }

  /** The example stored under `hash` (an evaluation's `exampleHash`). */
  example(hash: string): StoredExample | undefined {
    return this.parsedBlob(hash, storedExampleSchema);
  }

  /** A run's result for one example of a candidate on a dataset, with its trace and example; undefined when the run has none. */
  result(key: ResultKey): ExampleTrace | undefined {
    const linkRaw = this.resultStmt.get(key);
    if (linkRaw === undefined) return undefined;
    const fail = (problem: string) => damagedRun(this.file, key.runId, `its result for example ${key.exampleId} ${problem}`);
    const link = linkSchema.safeParse(linkRaw);
    if (!link.success) throw fail("has a column of the wrong type");
    const raw = this.evaluationStmt.get(link.data.eval_id);
    if (raw === undefined) throw fail(`names evaluation ${link.data.eval_id}, which is not stored`);
    const evaluation = readEvaluation(raw);
    if (!evaluation.ok) throw fail(evaluation.problem);
    const row = evaluation.value.row;
    const steps = readStoredTrace(row.trace);
    if (!steps.ok) throw fail(`\`trace\` ${steps.problem}`);
    const example = row.exampleHash === undefined ? null : (this.example(row.exampleHash) ?? null);
    return { evalId: evaluation.value.id, memoized: link.data.memoized === 1, row, steps: steps.value, example };
  }

  private parsedBlob<T>(hash: string, schema: z.ZodType<T>): T | undefined {
    const text = this.blob(hash);
    if (text === undefined) return undefined;
    const read = readStoredJson(text, schema);
    if (!read.ok) throw this.damagedBlob(hash, read.problem);
    return read.value;
  }

  private damagedBlob(hash: string, problem: string): UserError {
    return new UserError({ message: `stored text ${hash} ${problem}; restore the database from a copy`, pos: { file: displayPath(this.file) } });
  }
}

/** A trace already parsed from its column (an EvaluationRow's `trace`), checked against the stored shape. */
export function readStoredTrace(trace: unknown[]): StoredJson<StoredStep[]> {
  return readStoredValue(trace, storedTraceSchema);
}

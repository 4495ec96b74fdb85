import type Database from "better-sqlite3";
import { UserError } from "../util/errors.js";
import { describeSqliteError } from "./db.js";
import { displayPath } from "../util/display-path.js";
import { WRITE_STATEMENTS, type WriteName, type WriteOp } from "./statements.js";
import type { Writer } from "./writer.js";

/**
 * The simple synchronous path the writer thread is measured against (`npm run bench overhead`,
 * DSPX_BENCH_INLINE_WRITER=1): every write committed at once on the main thread's connection.
 */
export class InlineWriter implements Writer {
  private readonly prepared = new Map<WriteName, Database.Statement>();

  constructor(
    private readonly db: Database.Database,
    private readonly file: string,
  ) {}

  write(op: WriteOp, onCommitted?: () => void): void {
    try {
      let statement = this.prepared.get(op.name);
      if (!statement) {
        statement = this.db.prepare(WRITE_STATEMENTS[op.name]);
        this.prepared.set(op.name, statement);
      }
      statement.run(op.params);
    } catch (err) {
      throw new UserError({ message: `cannot write to the dspx database: ${describeSqliteError(err)}`, pos: { file: displayPath(this.file) } });
    }
    onCommitted?.();
  }

  room(): undefined {
    return undefined;
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

/**
 * A text file written as results finish, with backpressure: `write` hands back a promise when the
 * disk is behind, so a fast evaluation waits instead of buffering every line in memory. A write
 * error is kept and thrown by `close`; later writes are dropped.
 */

import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { UserError } from "../../util/errors.js";

export class FileSink {
  private failure: Error | undefined;
  private closed = false;
  private draining: Promise<void> | undefined;

  private constructor(
    readonly file: string,
    /** What the file is, for messages: "the results file". */
    private readonly what: string,
    private readonly stream: WriteStream,
  ) {
    stream.on("error", (err) => {
      this.failure ??= writeError(file, what, err);
    });
  }

  /**
   * Opens `file`, emptying it if it exists; a bad path is a UserError naming `flag` when the file
   * was given by one. Its folder must exist: nothing is created on the way.
   */
  static async open(file: string, what: string, flag?: string): Promise<FileSink> {
    const stream = createWriteStream(file, { flags: "w", encoding: "utf8" });
    try {
      await once(stream, "open");
    } catch (err) {
      stream.destroy();
      throw new UserError(flag ? { flag, message: `cannot write ${what} ${file}: ${reason(err)}` } : { pos: { file }, message: `cannot write ${what}: ${reason(err)}` });
    }
    return new FileSink(file, what, stream);
  }

  /** Queues `text`; returns a promise to await when the stream's buffer is full (resolves once it drains). */
  write(text: string): Promise<void> | undefined {
    if (this.closed) throw new Error(`${this.file}: cannot write after the file was closed`);
    if (this.failure) return undefined;
    if (this.stream.write(text)) return undefined;
    this.draining ??= new Promise<void>((resolve) => {
      const done = () => {
        this.stream.off("drain", done).off("error", done).off("close", done);
        this.draining = undefined;
        resolve();
      };
      this.stream.on("drain", done).on("error", done).on("close", done);
    });
    return this.draining;
  }

  /** Flushes and closes the file; throws an Error naming the file if any write failed. Safe to call twice. */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      if (!this.failure && !this.stream.destroyed) {
        const finished = once(this.stream, "close");
        this.stream.end();
        try {
          await finished;
        } catch (err) {
          this.failure ??= writeError(this.file, this.what, err);
        }
      } else {
        this.stream.destroy();
      }
    }
    if (this.failure) throw this.failure;
  }
}

export function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function writeError(file: string, what: string, err: unknown): Error {
  return new Error(`could not write ${what} ${file}: ${reason(err)}`, { cause: err });
}

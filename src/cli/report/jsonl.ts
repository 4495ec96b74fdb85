/**
 * Streams example results to a JSON Lines file as they finish: one `resultJson` object per line, so a
 * long or interrupted evaluation leaves a readable partial file.
 */

import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { ExampleResult } from "../../evaluate/types.js";
import { UserError } from "../../util/errors.js";
import { resultJson } from "../render/eval.js";

export class JsonlWriter {
  readonly file: string;
  private readonly stream: WriteStream;
  private failure: Error | undefined;
  private closed = false;
  private lines = 0;

  private constructor(file: string, stream: WriteStream) {
    this.file = file;
    this.stream = stream;
    stream.on("error", (err) => {
      this.failure ??= writeError(file, err);
    });
  }

  /** Creates the parent directories and opens `file`, emptying it if it exists. */
  static async open(file: string): Promise<JsonlWriter> {
    try {
      await mkdir(dirname(file), { recursive: true });
    } catch (err) {
      throw new UserError({ pos: { file }, message: `cannot create the directory for the results file: ${reason(err)}` });
    }
    const stream = createWriteStream(file, { flags: "w", encoding: "utf8" });
    try {
      await once(stream, "open");
    } catch (err) {
      stream.destroy();
      throw new UserError({ pos: { file }, message: `cannot write the results file: ${reason(err)}` });
    }
    return new JsonlWriter(file, stream);
  }

  /** Number of lines written so far. */
  get count(): number {
    return this.lines;
  }

  /**
   * Queues one line for `result`. Never blocks: the stream buffers while the disk catches up. A write
   * error is kept and thrown by `close`; later writes are dropped.
   */
  write(result: ExampleResult): void {
    if (this.closed) throw new Error(`${this.file}: cannot write a result after the file was closed`);
    if (this.failure) return;
    this.stream.write(`${JSON.stringify(resultJson(result))}\n`);
    this.lines++;
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
          this.failure ??= writeError(this.file, err);
        }
      } else {
        this.stream.destroy();
      }
    }
    if (this.failure) throw this.failure;
  }
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function writeError(file: string, err: unknown): Error {
  return new Error(`could not write the results file ${file}: ${reason(err)}`, { cause: err });
}

/**
 * Streams example results to a JSON Lines file as they finish: one `resultJson` object per line, so a
 * long or interrupted evaluation leaves a readable partial file.
 */

import type { ResultDigest } from "../../evaluate/types.js";
import { resultJson } from "../render/eval.js";
import { FileSink } from "./file-sink.js";

export class JsonlWriter {
  private lines = 0;

  private constructor(private readonly sink: FileSink) {}

  get file(): string {
    return this.sink.file;
  }

  /** Opens `file` (its folder must exist), emptying it if it exists; `flag` is named when it cannot be. */
  static async open(file: string, flag?: string): Promise<JsonlWriter> {
    return new JsonlWriter(await FileSink.open(file, "the results file", flag));
  }

  /** Number of lines written so far. */
  get count(): number {
    return this.lines;
  }

  /**
   * Queues one line for `result`. Returns a promise when the disk is behind: await it before
   * producing more. A write error is kept and thrown by `close`; later writes are dropped.
   */
  write(result: ResultDigest): Promise<void> | undefined {
    const wait = this.sink.write(`${JSON.stringify(resultJson(result))}\n`);
    this.lines++;
    return wait;
  }

  /** Flushes and closes the file; throws an Error naming the file if any write failed. Safe to call twice. */
  close(): Promise<void> {
    return this.sink.close();
  }
}

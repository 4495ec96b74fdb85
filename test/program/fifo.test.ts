import { execFileSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { linesOf, problemsOf, tempDir } from "./helpers.js";

// An integration test only because making a FIFO takes a process (`mkfifo`): Node has no call for it.
describe("readLines on a FIFO", () => {
  it("refuses it before reading a byte (a FIFO must not block)", async () => {
    const fifo = path.join(tempDir(), "pipe.jsonl");
    execFileSync("mkfifo", [fifo]);
    expect(await problemsOf(linesOf(fifo))).toEqual([
      { message: "dataset is a FIFO (named pipe), expected a file (dspx reads regular files only)", pos: { file: path.relative(process.cwd(), fifo) } },
    ]);
  });
});

import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readUserText } from "../../src/program/user-file.js";
import { linesOf, problemsOf, tempDir } from "./helpers.js";

const shown = (file: string) => path.relative(process.cwd(), file);

function fileWith(content: string | Buffer): string {
  const file = path.join(tempDir(), "lines.txt");
  writeFileSync(file, content);
  return file;
}

describe("readLines", () => {
  it("splits on \\n and \\r\\n, drops a byte-order mark, keeps a last line without a newline", async () => {
    expect(await linesOf(fileWith("\uFEFFone\r\ntwo\n\nthree"))).toEqual([
      [1, "one"],
      [2, "two"],
      [3, ""],
      [4, "three"],
    ]);
    expect(await linesOf(fileWith(""))).toEqual([]);
    expect(await linesOf(fileWith("a\n"))).toEqual([[1, "a"]]);
  });

  it("decodes a character whose bytes straddle two reads whole, and lines far longer than one read", async () => {
    // "é" is two bytes in UTF-8; put its first byte last in the first 64 KiB read.
    const first = "x".repeat(64 * 1024 - 1) + "é";
    const long = "y".repeat(300_000) + "ü";
    expect(await linesOf(fileWith(`${first}\n${long}\nend`))).toEqual([
      [1, first],
      [2, long],
      [3, "end"],
    ]);
  });

  it("refuses a line longer than the limit at its line number, whether it ends in the first read or not", async () => {
    const file = fileWith(`short\n${"z".repeat(2000)}\nnever read\n`);
    expect(await problemsOf(linesOf(file, { maxLineBytes: 1000 }))).toEqual([
      { message: "this line is longer than 1000 bytes, the longest dspx reads", pos: { file: shown(file), line: 2 } },
    ]);
    const huge = fileWith(`a\nb\n${"z".repeat(500_000)}`);
    expect(await problemsOf(linesOf(huge, { maxLineBytes: 200_000 }))).toEqual([
      { message: "this line is longer than 195 KiB, the longest dspx reads", pos: { file: shown(huge), line: 3 } },
    ]);
    // At the limit exactly it is read.
    expect((await linesOf(fileWith("z".repeat(1000)), { maxLineBytes: 1000 }))[0]![1]).toHaveLength(1000);
  });

  it("refuses a character device and a directory before reading a byte (a FIFO: fifo.test.ts)", async () => {
    const dir = tempDir();
    for (const device of ["/dev/zero", "/dev/urandom"]) {
      expect(await problemsOf(linesOf(device))).toEqual([
        { message: "dataset is a character device, expected a file (dspx reads regular files only)", pos: { file: shown(device) } },
      ]);
    }
    expect(await problemsOf(linesOf(dir, { expected: "a JSONL file" }))).toEqual([{ message: "dataset is a directory, expected a JSONL file", pos: { file: shown(dir) } }]);
  });
});

describe("readUserText", () => {
  it("reads a regular file and refuses devices and FIFOs with the hint given", async () => {
    expect(await readUserText(fileWith("héllo"), "input file")).toBe("héllo");
    expect(await problemsOf(readUserText("/dev/zero", "input file", { expected: "a JSON file", hint: "use -" }))).toEqual([
      { message: "input file is a character device, expected a JSON file (dspx reads regular files only)", pos: { file: shown("/dev/zero") }, hint: "use -" },
    ]);
  });
});

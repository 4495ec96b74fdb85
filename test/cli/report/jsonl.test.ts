import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { JsonlWriter } from "../../../src/cli/report/jsonl.js";
import { resultJson } from "../../../src/cli/render/eval.js";
import { result } from "./fixtures.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "dspx-jsonl-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function lines(file: string): Promise<unknown[]> {
  const text = await readFile(file, "utf8");
  expect(text.endsWith("\n")).toBe(true);
  return text.slice(0, -1).split("\n").map((l) => JSON.parse(l));
}

describe("JsonlWriter", () => {
  it("writes one resultJson line per result, in the order written", async () => {
    const file = join(dir, "results.jsonl");
    const w = await JsonlWriter.open(file);
    // Finishing order, not example order.
    const results = Array.from({ length: 200 }, (_, i) => result(`ex${(i * 7) % 200}`, (i * 7) % 200, { score: i / 200, feedback: `line\n${i} "q" 🎉` }));
    for (const r of results) w.write(r);
    expect(w.count).toBe(200);
    await w.close();
    const parsed = await lines(file);
    expect(parsed).toHaveLength(200);
    expect(parsed).toEqual(results.map((r) => JSON.parse(JSON.stringify(resultJson(r)))));
  });

  it("writes results as they arrive, before close", async () => {
    const file = join(dir, "live.jsonl");
    const w = await JsonlWriter.open(file);
    w.write(result("first", 0));
    // The stream flushes within a few turns of the event loop, without close.
    await expect.poll(() => lines(file), { timeout: 5000, interval: 10 }).toEqual([expect.objectContaining({ id: "first" })]);
    await w.close();
  });

  it("asks the writer to wait once the stream's buffer is full, and loses nothing", async () => {
    const file = join(dir, "big.jsonl");
    const w = await JsonlWriter.open(file);
    const big = "y".repeat(4000);
    let waits = 0;
    for (let i = 0; i < 200; i++) {
      const wait = w.write(result(`ex${i}`, i, { feedback: big }));
      if (wait) {
        waits++;
        await wait;
      }
    }
    expect(waits).toBeGreaterThan(0);
    await w.close();
    expect(await lines(file)).toHaveLength(200);
  });

  it("truncates an existing file", async () => {
    const file = join(dir, "results.jsonl");
    await writeFile(file, "old line 1\nold line 2\nold line 3\n".repeat(100));
    const w = await JsonlWriter.open(file);
    w.write(result("a", 0));
    w.write(result("b", 1, { score: 0, error: { kind: "metric", message: "boom" } }));
    await w.close();
    const parsed = (await lines(file)) as { id: string; error?: unknown }[];
    expect(parsed.map((x) => x.id)).toEqual(["a", "b"]);
    expect(parsed[1]!.error).toEqual({ kind: "metric", message: "boom" });
  });

  it("leaves an empty file when nothing is written, and close can be called twice", async () => {
    const file = join(dir, "empty.jsonl");
    const w = await JsonlWriter.open(file);
    await w.close();
    await w.close();
    expect(await readFile(file, "utf8")).toBe("");
    expect(() => w.write(result("late", 0))).toThrow(file);
  });

  it("fails to open a path whose parent is a file, naming the file", async () => {
    const blocker = join(dir, "not-a-dir");
    await writeFile(blocker, "");
    const file = join(blocker, "sub", "results.jsonl");
    await expect(JsonlWriter.open(file)).rejects.toThrow(file);
  });

  it("creates no folder: a file in one that does not exist is refused, naming the flag it came from", async () => {
    const file = join(dir, "a", "b", "results.jsonl");
    await expect(JsonlWriter.open(file, "--output")).rejects.toThrow(/^--output: cannot write the results file .*ENOENT/);
    expect(existsSync(join(dir, "a"))).toBe(false);
  });

  it("fails to open a directory, naming it", async () => {
    await expect(JsonlWriter.open(dir)).rejects.toThrow(dir);
  });

  it.skipIf(!existsSync("/dev/full"))("surfaces a write error at close, naming the file", async () => {
    const w = await JsonlWriter.open("/dev/full");
    for (let i = 0; i < 10; i++) w.write(result(`ex${i}`, i));
    await expect(w.close()).rejects.toThrow(/\/dev\/full.*ENOSPC|ENOSPC.*\/dev\/full/);
  });
});

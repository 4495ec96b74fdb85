import { describe, expect, it } from "vitest";
import { PackedExamples } from "../../src/evaluate/packed-examples.js";
import type { Example } from "../../src/program/example.js";

const examples: Example[] = [
  { id: "a", inputs: { message: "I was charged twice 💳 — refund?" }, labels: { team: "billing", urgency: "high" }, source: { file: "d.jsonl", line: 1 } },
  { id: "b", inputs: { q: "x".repeat(5000), n: 3, flags: [true, false], nested: { k: null } }, labels: {} },
  { id: "c", inputs: { message: "" }, labels: { score: 0.25 }, source: { file: "d.jsonl", line: 9 } },
];

describe("PackedExamples", () => {
  it("gives back every example as it was, by position, across chunks and for one larger than a chunk", () => {
    for (const chunkSize of [16, 1024, 1 << 20]) {
      const packed = PackedExamples.pack(examples, chunkSize);
      expect(packed.length).toBe(3);
      for (let i = 0; i < examples.length; i++) expect(packed.at(i)).toEqual(examples[i]);
    }
  });

  it("has nothing past either end, and an empty list is empty", () => {
    const packed = PackedExamples.pack(examples);
    expect(packed.at(3)).toBeUndefined();
    expect(packed.at(-1)).toBeUndefined();
    expect(PackedExamples.pack([]).length).toBe(0);
  });

  it("returns a fresh object each time, so a caller's change never reaches the next reader", () => {
    const packed = PackedExamples.pack(examples);
    const first = packed.at(0)!;
    first.inputs.message = "changed";
    expect(packed.at(0)!.inputs.message).toBe("I was charged twice 💳 — refund?");
  });
});

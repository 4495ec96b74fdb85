import { z } from "zod";
import type { Example } from "../program/example.js";

/** Examples by position: an array, or a `PackedExamples` that rebuilds each one when asked. */
export interface ExampleList {
  readonly length: number;
  at(index: number): Example | undefined;
}

const exampleSchema = z.object({
  id: z.string(),
  inputs: z.record(z.string(), z.unknown()),
  labels: z.record(z.string(), z.unknown()),
  source: z.object({ file: z.string(), line: z.number() }).optional(),
});

/**
 * A dataset held as the JSON of its examples in one buffer outside the JavaScript heap, each example
 * rebuilt when it is dispatched. 100,000 examples as objects are only some 60 MB, but the garbage
 * collector lets the heap grow to a multiple of what is live before it collects: with the examples
 * off the heap, what is live (and so the heap) no longer grows with the dataset.
 */
export class PackedExamples implements ExampleList {
  private constructor(
    /** Filled buffers; an example never spans two. */
    private readonly chunks: Buffer[],
    /** Example i is chunks[chunk[i]] from start[i] to end[i]. */
    private readonly chunk: Uint32Array,
    private readonly start: Uint32Array,
    private readonly end: Uint32Array,
  ) {}

  static pack(examples: readonly Example[], chunkSize = 1024 * 1024): PackedExamples {
    const n = examples.length;
    const chunks: Buffer[] = [];
    const chunk = new Uint32Array(n);
    const start = new Uint32Array(n);
    const end = new Uint32Array(n);
    let current = Buffer.allocUnsafeSlow(0);
    let used = 0;
    // Each filled chunk is trimmed to what it holds (a copy, so the chunk's spare bytes are freed).
    const seal = () => {
      if (used > 0) chunks[chunks.length - 1] = Buffer.from(current.subarray(0, used));
    };
    for (let i = 0; i < n; i++) {
      const json = JSON.stringify(examples[i]);
      const size = Buffer.byteLength(json);
      if (used + size > current.length) {
        seal();
        current = Buffer.allocUnsafeSlow(Math.max(chunkSize, size));
        chunks.push(current);
        used = 0;
      }
      chunk[i] = chunks.length - 1;
      start[i] = used;
      used += current.write(json, used);
      end[i] = used;
    }
    seal();
    return new PackedExamples(chunks, chunk, start, end);
  }

  get length(): number {
    return this.chunk.length;
  }

  /** Example `index` (a new object each time), or undefined past the end. */
  at(index: number): Example | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) return undefined;
    const text = this.chunks[this.chunk[index]!]!.toString("utf8", this.start[index], this.end[index]);
    const parsed = exampleSchema.parse(JSON.parse(text));
    const example: Example = { id: parsed.id, inputs: parsed.inputs, labels: parsed.labels };
    if (parsed.source) example.source = parsed.source;
    return example;
  }
}

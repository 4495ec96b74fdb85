import { closeSync, openSync, readSync } from "node:fs";
import { digestNumber, hashOf } from "../util/canonical.js";
import { UserError, type Problem } from "../util/errors.js";
import { checkRow, exampleId, toExample, type DatasetRules, type RowRef } from "./dataset.js";
import type { Example } from "./example.js";
import { doubled } from "./grown.js";
import { lineText } from "./lines.js";

/** Closes the file of a DatasetRows nobody holds any more. */
const unused = new FinalizationRegistry<{ fd?: number }>((open) => {
  if (open.fd !== undefined) closeSync(open.fd);
});

/**
 * Rows whose text adds up to this many bytes are kept as read (a few MB of heap), so a dataset of
 * the usual size is never read twice; past it, rows are read again when asked for.
 */
export const HELD_ROW_BYTES = 4 * 1024 * 1024;

/**
 * A dataset's examples by position. The first rows (up to HELD_ROW_BYTES of text) are kept as read;
 * the rest are read again from the file when asked for: what is held of them is where each row is
 * and a digest of it (24 bytes a row), so evaluating 100,000 rows holds a few MB rather than the
 * rows. Rows are added as `readDataset` reads and checks them; `at` reads a row again, checks it
 * with the same rules and refuses it (a UserError at its file:line) if it is no longer what was
 * read — the file changed while dspx was using it.
 */
export class DatasetRows {
  private count = 0;
  private offsets = new Float64Array(1024);
  private sizes = new Uint32Array(1024);
  private lines = new Uint32Array(1024);
  private hashes = new Float64Array(1024);
  /** Which copy each repeated row without `id` is (see RowRef.copy): rare, so kept by position. */
  private readonly copies = new Map<number, number>();
  private readonly open: { fd?: number } = {};
  /** The first rows' examples, as read. */
  private readonly held: Example[] = [];
  private heldBytes = 0;

  constructor(
    private readonly file: string,
    /** The file as messages name it. */
    private readonly display: string,
    private readonly rules: DatasetRules,
    private readonly holdBytes = HELD_ROW_BYTES,
  ) {
    unused.register(this, this.open);
  }

  get length(): number {
    return this.count;
  }

  /** The next example and its row, as `readDataset` hands them over. */
  add(row: RowRef, example: Example): void {
    if (this.held.length === this.count && this.heldBytes + row.bytes <= this.holdBytes) {
      this.held.push(example);
      this.heldBytes += row.bytes;
    }
    if (this.count === this.offsets.length) this.grow();
    const i = this.count++;
    this.offsets[i] = row.offset;
    this.sizes[i] = row.bytes;
    this.lines[i] = row.line;
    this.hashes[i] = row.hash;
    if (row.copy !== undefined) this.copies.set(i, row.copy);
  }

  /** Example `index` (a held one, or a new object read again), or undefined past the end. */
  at(index: number): Example | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) return undefined;
    if (index < this.held.length) return this.held[index];
    const line = this.lines[index]!;
    const pos = { file: this.display, line };
    const text = lineText(this.read(this.offsets[index]!, this.sizes[index]!), line === 1);
    const problems: Problem[] = [];
    const row = checkRow(text, pos, this.rules, problems);
    const hash = row && hashOf(row.record);
    if (!row || digestNumber(hash!) !== this.hashes[index]) {
      throw new UserError({ message: "this row is no longer what dspx read before it began: the dataset changed while it was in use; run the command again", pos });
    }
    return toExample(row.record, row.inputs, exampleId(row.record, hash!, this.copies.get(index)), pos);
  }

  /** Closes the file (it opens again if another example is asked for). */
  close(): void {
    if (this.open.fd !== undefined) closeSync(this.open.fd);
    delete this.open.fd;
  }

  private read(offset: number, size: number): Buffer {
    this.open.fd ??= openSync(this.file, "r");
    const bytes = Buffer.allocUnsafe(size);
    for (let got = 0; got < size; ) {
      const n = readSync(this.open.fd, bytes, got, size - got, offset + got);
      if (n === 0) return bytes.subarray(0, got);
      got += n;
    }
    return bytes;
  }

  private grow(): void {
    this.offsets = doubled(this.offsets);
    this.sizes = doubled(this.sizes);
    this.lines = doubled(this.lines);
    this.hashes = doubled(this.hashes);
  }
}

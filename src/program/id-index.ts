import { doubled } from "./grown.js";

/**
 * The ids of a dataset read so far, each with its first line and a digest of its row: what telling
 * a repeated row from a clashing id needs. It grows with the dataset, so it is kept in typed arrays
 * and one buffer of id text (~40 bytes an id, outside the JavaScript heap) rather than a Map of
 * strings (~100 bytes an id on the heap, and more the garbage collector lets it take): reading
 * 400,000 rows then holds ~16 MB here. An open-addressing hash table over 32-bit FNV-1a hashes of the
 * ids; a hash that matches is confirmed against the id's text, so lookups are exact.
 */
export class IdIndex {
  /** Table: the hash of the id in each slot, and its entry + 1 (0: empty). */
  private slotHash = new Uint32Array(1024);
  private slotEntry = new Uint32Array(1024);
  /** Entries, in the order added. */
  private count = 0;
  private lines = new Uint32Array(512);
  private digests = new Float64Array(512);
  /** Entry i's id is idText[idStart[i], idStart[i + 1]) (the last one ends at `textUsed`). */
  private idStart = new Float64Array(512);
  private idText: Buffer = Buffer.allocUnsafe(8192);
  private textUsed = 0;

  get size(): number {
    return this.count;
  }

  /** The first line and row digest of `id`, or undefined when it was not added. */
  get(id: string): { line: number; digest: number } | undefined {
    const entry = this.find(id, fnv1a(id));
    return entry < 0 ? undefined : { line: this.lines[entry]!, digest: this.digests[entry]! };
  }

  /** Adds an id not added before. */
  add(id: string, line: number, digest: number): void {
    if ((this.count + 1) * 2 > this.slotHash.length) this.rehash();
    if (this.count === this.lines.length) this.growEntries();
    const bytes = Buffer.byteLength(id);
    if (this.textUsed + bytes > this.idText.length) this.idText = grownBuffer(this.idText, this.textUsed + bytes);
    const entry = this.count++;
    this.lines[entry] = line;
    this.digests[entry] = digest;
    this.idStart[entry] = this.textUsed;
    this.textUsed += this.idText.write(id, this.textUsed);
    this.place(fnv1a(id), entry);
  }

  private find(id: string, hash: number): number {
    const mask = this.slotHash.length - 1;
    for (let slot = hash & mask; this.slotEntry[slot] !== 0; slot = (slot + 1) & mask) {
      if (this.slotHash[slot] !== hash) continue;
      const entry = this.slotEntry[slot]! - 1;
      if (this.idOf(entry) === id) return entry;
    }
    return -1;
  }

  private place(hash: number, entry: number): void {
    const mask = this.slotHash.length - 1;
    let slot = hash & mask;
    while (this.slotEntry[slot] !== 0) slot = (slot + 1) & mask;
    this.slotHash[slot] = hash;
    this.slotEntry[slot] = entry + 1;
  }

  private idOf(entry: number): string {
    const end = entry + 1 < this.count ? this.idStart[entry + 1]! : this.textUsed;
    return this.idText.toString("utf8", this.idStart[entry]!, end);
  }

  private rehash(): void {
    const hashes = this.slotHash;
    const entries = this.slotEntry;
    this.slotHash = new Uint32Array(hashes.length * 2);
    this.slotEntry = new Uint32Array(entries.length * 2);
    for (let slot = 0; slot < entries.length; slot++) {
      if (entries[slot] !== 0) this.place(hashes[slot]!, entries[slot]! - 1);
    }
  }

  private growEntries(): void {
    this.lines = doubled(this.lines);
    this.digests = doubled(this.digests);
    this.idStart = doubled(this.idStart);
  }
}

function grownBuffer(from: Buffer, atLeast: number): Buffer {
  const into = Buffer.allocUnsafe(Math.max(from.length * 2, atLeast));
  from.copy(into);
  return into;
}

/** 32-bit FNV-1a over the UTF-16 code units of `text`. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

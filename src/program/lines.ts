import { UserError } from "../util/errors.js";
import { displayPath } from "../util/display-path.js";
import { formatBytes, MAX_TEXT_BYTES, openUserFile, type OpenUserFileOptions } from "./user-file.js";

/** One line of a text file, 1-based, without its line break (`\n` or `\r\n`). */
export interface TextLine {
  line: number;
  text: string;
  /** Where its bytes are in the file (line break excluded), to read it again (see `lineText`). */
  offset: number;
  bytes: number;
}

export interface ReadLinesOptions extends OpenUserFileOptions {
  /** Refuse a line longer than this many bytes (default and most: JavaScript's longest string). */
  maxLineBytes?: number;
}

const CHUNK_BYTES = 64 * 1024;
/** Reads grow up to this while one long line is pending, so a huge line takes few reads and no copies. */
const MAX_CHUNK_BYTES = 16 * 2 ** 20;
const NEWLINE = 0x0a;

/**
 * The lines of a regular file, streamed, in batches (the lines of one read: one await per batch, not
 * per line): the file is refused before reading if it is not a regular
 * file (see openUserFile), and a line longer than the limit is refused at its line number as soon as
 * it has grown past it (rather than failing deep in a string operation with a RangeError). A
 * byte-order mark at the start is dropped. Lines split at the byte level, so a multi-byte character
 * across two reads decodes whole. Stopping early (break) closes the file.
 */
export async function* readLines(file: string, what: string, options: ReadLinesOptions = {}): AsyncGenerator<TextLine[]> {
  const max = Math.min(options.maxLineBytes ?? MAX_TEXT_BYTES, MAX_TEXT_BYTES);
  const { handle } = await openUserFile(file, what, options);
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  // The start of the current line, copied out of earlier reads (the chunk is reused).
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineNo = 0;
  const tooLong = () =>
    new UserError({
      message: `this line is longer than ${formatBytes(max)}, the longest ${max === MAX_TEXT_BYTES ? "JavaScript can hold as a string" : "dspx reads"}`,
      pos: { file: displayPath(file), line: lineNo + 1 },
    });
  // The file offset of the first byte of the current chunk, and of the current line.
  let base = 0;
  let lineStart = 0;
  const decode = (tail: Buffer, end: number): TextLine => {
    const bytes = pending.length === 0 ? tail : Buffer.concat([...pending, tail]);
    pending = [];
    pendingBytes = 0;
    const line: TextLine = { line: ++lineNo, text: lineText(bytes, lineNo === 1), offset: lineStart, bytes: end - lineStart };
    lineStart = end + 1;
    return line;
  };
  try {
    for (;;) {
      // While a line is pending, read into a fresh buffer as large as what is pending (kept as is);
      // otherwise into the one reused chunk (whose tail is then copied out).
      const fresh = pendingBytes >= CHUNK_BYTES;
      const buffer = fresh ? Buffer.allocUnsafe(Math.min(pendingBytes, MAX_CHUNK_BYTES)) : chunk;
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, 0, buffer.length, null));
      } catch (err) {
        throw new UserError({ message: `cannot read ${what}: ${(err as Error).message}`, pos: { file: displayPath(file), line: lineNo + 1 } });
      }
      if (bytesRead === 0) break;
      const data = buffer.subarray(0, bytesRead);
      const batch: TextLine[] = [];
      let start = 0;
      for (let nl = data.indexOf(NEWLINE, start); nl >= 0; nl = data.indexOf(NEWLINE, start)) {
        if (pendingBytes + (nl - start) > max) throw tooLong();
        batch.push(decode(data.subarray(start, nl), base + nl));
        start = nl + 1;
      }
      if (batch.length > 0) yield batch;
      if (start < data.length) {
        pendingBytes += data.length - start;
        if (pendingBytes > max) throw tooLong();
        pending.push(fresh ? data.subarray(start) : Buffer.from(data.subarray(start)));
      }
      base += bytesRead;
    }
    if (pendingBytes > 0) yield [decode(Buffer.alloc(0), base)];
  } finally {
    await handle.close();
  }
}

/**
 * A line's text from its bytes (line break excluded): UTF-8, without the `\r` of a `\r\n` break,
 * and, on the first line of a file, without a byte-order mark.
 */
export function lineText(bytes: Buffer, first: boolean): string {
  let text = bytes.toString("utf8");
  if (text.endsWith("\r")) text = text.slice(0, -1);
  if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text;
}

import { constants as bufferLimits } from "node:buffer";
import { constants, type Stats } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { UserError } from "../util/errors.js";
import { displayPath } from "../util/display-path.js";

/**
 * The longest line (and whole text file) dspx reads, in bytes: JavaScript's longest string. UTF-8
 * never takes fewer bytes than UTF-16 code units, so text within it always decodes.
 */
export const MAX_TEXT_BYTES = bufferLimits.MAX_STRING_LENGTH;

/** What a file that is not a regular one is, for the message that refuses it. */
function kindOf(info: Stats): string {
  if (info.isFIFO()) return "a FIFO (named pipe)";
  if (info.isCharacterDevice()) return "a character device";
  if (info.isBlockDevice()) return "a block device";
  if (info.isSocket()) return "a socket";
  return "not a regular file";
}

export interface OpenUserFileOptions {
  /** What the file should be, for messages (default "a file"): "a JSONL file". */
  expected?: string;
  /** Added to the message when the file is not a regular one (e.g. how to read standard input instead). */
  hint?: string;
}

/**
 * Opens a file the user named, for reading, and refuses anything that is not a regular file before
 * a byte is read: `/dev/zero` and `/dev/urandom` never end, and a FIFO blocks until someone writes
 * to it. The open itself does not block on a FIFO (O_NONBLOCK), so the check comes first.
 */
export async function openUserFile(file: string, what: string, options: OpenUserFileOptions = {}): Promise<{ handle: FileHandle; size: number }> {
  const pos = { file: displayPath(file) };
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new UserError({ message: `cannot read ${what}: ${reasonOf(err)}`, pos });
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) {
      const expected = options.expected ?? "a file";
      if (info.isDirectory()) throw new UserError({ message: `${what} is a directory, expected ${expected}`, pos });
      throw new UserError({ message: `${what} is ${kindOf(info)}, expected ${expected} (dspx reads regular files only)`, pos, ...(options.hint ? { hint: options.hint } : {}) });
    }
    return { handle, size: info.size };
  } catch (err) {
    await handle.close();
    if (err instanceof UserError) throw err;
    throw new UserError({ message: `cannot read ${what}: ${reasonOf(err)}`, pos });
  }
}

/** A whole text file the user named (a program, an input file): a regular file no larger than a string can be. */
export async function readUserText(file: string, what: string, options: OpenUserFileOptions = {}): Promise<string> {
  const { handle, size } = await openUserFile(file, what, options);
  try {
    if (size > MAX_TEXT_BYTES) throw tooLong(file, what, size);
    const bytes = await handle.readFile();
    // The file may have grown since it was measured.
    if (bytes.length > MAX_TEXT_BYTES) throw tooLong(file, what, bytes.length);
    return bytes.toString("utf8");
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError({ message: `cannot read ${what}: ${reasonOf(err)}`, pos: { file: displayPath(file) } });
  } finally {
    await handle.close();
  }
}

function tooLong(file: string, what: string, size: number): UserError {
  return new UserError({ message: `${what} is ${formatBytes(size)}, more than the ${formatBytes(MAX_TEXT_BYTES)} dspx can read as text`, pos: { file: displayPath(file) } });
}

export function formatBytes(n: number): string {
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(0)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(0)} KiB`;
  return `${n} bytes`;
}

function reasonOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "file not found";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "ELOOP") return "too many symbolic links";
  if (code === "ENOTDIR") return "a part of the path is not a folder";
  return (err as Error).message;
}

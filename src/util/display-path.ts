import path from "node:path";

/** A path as the user would type it: relative to where they run dspx. */
export function displayPath(file: string): string {
  return path.relative(process.cwd(), path.resolve(file)) || file;
}

import { existsSync, readFileSync } from "node:fs";
import { sha256 } from "../util/canonical.js";

/** Whether a run's program file is gone or differs from the source the run recorded (`hash`). */
export function programChanged(file: string, hash: string): boolean {
  if (!existsSync(file)) return true;
  try {
    return sha256(readFileSync(file, "utf8")) !== hash;
  } catch {
    return true;
  }
}

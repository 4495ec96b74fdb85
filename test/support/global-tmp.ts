import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * vitest globalSetup: every temporary file the suite makes (databases, scratch programs, the CLI's
 * own temp files) goes under one directory that is removed when the run ends, so test runs leave
 * nothing behind in the machine's temp folder.
 */
export default function setup(): () => void {
  const dir = mkdtempSync(path.join(os.tmpdir(), "dspx-tests-"));
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}

import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * vitest globalSetup: every temporary file the suite makes (databases, scratch programs, the CLI's
 * own temp files) goes under one directory that is removed when the run ends, so test runs leave
 * nothing behind in the machine's temp folder. vitest runs it for the root and again for each
 * project: the first call makes the directory, the others find it (nesting them would leave the
 * outer ones closed to a test that runs a command as another user: readonly-db.test.ts).
 */
export default function setup(): () => void {
  if (process.env.SUITE_TMPDIR) return () => {};
  const dir = mkdtempSync(path.join(os.tmpdir(), "dspx-tests-"));
  process.env.SUITE_TMPDIR = dir;
  process.env.TMPDIR = dir;
  return () => {
    rmSync(dir, { recursive: true, force: true });
    delete process.env.SUITE_TMPDIR;
  };
}

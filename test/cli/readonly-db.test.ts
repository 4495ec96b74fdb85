import { spawn } from "node:child_process";
import { chmod, mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, offlineEnv, ROOT, runCli, type CliResult } from "../support/cli.js";
import { startMockProvider, type MockProvider } from "../support/mock-provider.js";

const TRIAGE = "programs/support-triage.yaml";
// Root writes through any file mode, so as root the commands run as `nobody`; otherwise as us.
const asRoot = process.getuid?.() === 0;
let mock: MockProvider;
let dir: string;
let db: string;
let runId: string;

beforeAll(async () => {
  mock = await startMockProvider();
  dir = await mkdtemp(path.join(os.tmpdir(), "dspx-readonly-"));
  // `nobody` must reach the folder: let it through the suite's temp folder (not list or write it).
  if (asRoot) await chmod(os.tmpdir(), 0o711);
  db = path.join(dir, "dspx.db");
  const made = await runCli(["eval", TRIAGE, "--limit", "3", "--json"], { env: { DSPX_DB: db } });
  runId = JSON.parse(made.stdout).runId;
  // The file is read-only; its folder is not (SQLite can open it, and a run would get going).
  await chmod(dir, 0o777);
  await chmod(db, 0o444);
});
afterAll(() => mock.close());

function dspxReadOnly(args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: offlineEnv({ DSPX_DB: db, HOME: dir }),
      stdio: ["ignore", "pipe", "pipe"],
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe("a read-only database", () => {
  it("stops a command that would record or cache before any LM call (exit 2)", async () => {
    mock.reset();
    const r = await dspxReadOnly(["eval", TRIAGE, "--limit", "3", "--lm", "openai:gpt-4.1-mini", "--base-url", mock.openaiBaseUrl]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/error: .*dspx\.db: cannot write to the dspx database: the database file or its folder is read-only; nothing was started/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(mock.requests).toHaveLength(0);
    expect(r.stdout).toBe("");
    const compare = await dspxReadOnly(["compare", runId, TRIAGE, "--limit", "3", "--lm", "openai:gpt-4.1-mini", "--base-url", mock.openaiBaseUrl]);
    expect(compare.code, compare.stderr).toBe(2);
    expect(compare.stderr).toContain("cannot write to the dspx database");
    expect(mock.requests).toHaveLength(0);
  });

  it("can still be read: runs, show, cache stats, and an eval that writes nothing", async () => {
    const runs = await dspxReadOnly(["runs", "--json"]);
    expect(runs.code, runs.stderr).toBe(0);
    expect(JSON.parse(runs.stdout).runs.map((x: { id: string }) => x.id)).toEqual([runId]);
    const show = await dspxReadOnly(["show", runId, "--json"]);
    expect(show.code, show.stderr).toBe(0);
    expect(JSON.parse(show.stdout).run.id).toBe(runId);
    expect((await dspxReadOnly(["cache", "stats"])).code).toBe(0);
    const nothing = await dspxReadOnly(["eval", TRIAGE, "--limit", "3", "--no-record", "--no-memo", "--no-cache", "--json"]);
    expect(nothing.code, nothing.stderr).toBe(0);
  });
});

import { execFileSync, spawn } from "node:child_process";
import { chmod, copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import Database from "better-sqlite3";
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

function dspxReadOnly(args: string[], file = db): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: offlineEnv({ DSPX_DB: file, HOME: dir }),
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

/** Whether this process may mount (root with the capability): then a real read-only mount is tested too. */
function canMount(): boolean {
  if (!asRoot) return false;
  const probe = path.join(os.tmpdir(), `dspx-mount-probe-${process.pid}`);
  try {
    execFileSync("mkdir", ["-p", probe]);
    execFileSync("mount", ["-t", "tmpfs", "tmpfs", probe], { stdio: "ignore" });
    execFileSync("umount", [probe], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  } finally {
    execFileSync("rmdir", [probe]);
  }
}

/**
 * Read-only media: SQLite cannot create the -shm file a WAL database needs even to read, so opening
 * it read-only in place fails (every command failed, although the eval message said `dspx runs` could
 * still read it). Made two ways: a folder nobody may write to (as `nobody` when root), and, where this
 * process may mount, a real read-only mount.
 */
describe.each([
  ["a folder that cannot be written", false],
  ["a read-only mount", true],
] as const)("a database on %s", (_how, mount) => {
  const skip = mount && !canMount();
  let media: string;
  let file: string;
  beforeAll(async () => {
    if (skip) return;
    media = await mkdtemp(path.join(os.tmpdir(), "dspx-romedia-"));
    if (mount) execFileSync("mount", ["-t", "tmpfs", "tmpfs", media]);
    file = path.join(media, "dspx.db");
    await copyFile(db, file);
    // A second copy whose write-ahead log holds a commit that is not in the main file yet.
    const logged = new Database(path.join(media, "logged.db"));
    logged.pragma("journal_mode = WAL");
    logged.pragma("wal_autocheckpoint = 0");
    logged.exec("CREATE TABLE t (x); INSERT INTO t VALUES (1)");
    await mkdir(path.join(media, "withlog"));
    await copyFile(path.join(media, "logged.db"), path.join(media, "withlog", "dspx.db"));
    await copyFile(path.join(media, "logged.db-wal"), path.join(media, "withlog", "dspx.db-wal"));
    logged.close();
    if (mount) execFileSync("mount", ["-o", "remount,ro", media]);
    else {
      await chmod(path.join(media, "withlog"), 0o555);
      await chmod(media, 0o555);
    }
  });
  afterAll(async () => {
    if (skip || !media) return;
    if (mount) execFileSync("umount", [media]);
    else {
      await chmod(media, 0o755);
      await chmod(path.join(media, "withlog"), 0o755);
    }
    await rm(media, { recursive: true, force: true });
  });

  it.skipIf(skip)("can still be listed and shown, and an eval says why it cannot record, before any LM call", async () => {
    const runs = await dspxReadOnly(["runs", "--json"], file);
    expect(runs.code, runs.stderr).toBe(0);
    expect(JSON.parse(runs.stdout).runs.map((x: { id: string }) => x.id)).toEqual([runId]);
    const show = await dspxReadOnly(["show", runId, "--json"], file);
    expect(show.code, show.stderr).toBe(0);
    expect(JSON.parse(show.stdout).results).toHaveLength(3);
    expect((await dspxReadOnly(["cache", "stats", "--json"], file)).code).toBe(0);
    mock.reset();
    const evalRun = await dspxReadOnly(["eval", TRIAGE, "--limit", "3", "--lm", "openai:gpt-4.1-mini", "--base-url", mock.openaiBaseUrl], file);
    expect(evalRun.code, evalRun.stderr).toBe(2);
    expect(evalRun.stderr).toMatch(
      mount
        ? /dspx\.db: cannot write to the dspx database: the database is on a read-only file system; nothing was started/
        : /dspx\.db: cannot write to the dspx database: the database file or its folder is read-only; nothing was started/,
    );
    expect(mock.requests).toHaveLength(0);
  });

  it.skipIf(skip)("refuses, naming the file, a copy whose write-ahead log holds commits it could not read", async () => {
    const r = await dspxReadOnly(["runs"], path.join(media, "withlog", "dspx.db"));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/withlog\/dspx\.db: cannot read the dspx database: its write-ahead log \(dspx\.db-wal\) holds commits/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

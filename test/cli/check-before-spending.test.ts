import { existsSync } from "node:fs";
import { chmod, cp, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { outputFileProblem } from "../../src/cli/flags.js";
import { ROOT, runCli } from "../support/cli.js";

/**
 * Paths a command writes are checked before it spends anything, and no folder is created on the
 * way; a missing API key leaves a failed run with its reason, and says the run's id first.
 */
const TRIAGE = "programs/support-triage.yaml";
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "dspx-spend-"));
});
const isRoot = process.getuid?.() === 0;

async function runsIn(db: string): Promise<{ id: string; status: string }[]> {
  if (!existsSync(db)) return [];
  const r = await runCli(["runs", "--json"], { env: { DSPX_DB: db } });
  return JSON.parse(r.stdout).runs;
}

describe("outputFileProblem", () => {
  it("refuses a file in a folder that does not exist, a folder, and a file under a file", async () => {
    await writeFile(path.join(dir, "plain"), "");
    expect(outputFileProblem(path.join(dir, "missing", "deeper", "x.jsonl"))).toMatch(/^the folder .*missing[/\\]deeper does not exist \(dspx creates no folders: create it first\)$/);
    expect(outputFileProblem(dir)).toMatch(/is a directory/);
    expect(outputFileProblem(path.join(dir, "plain", "x.jsonl"))).toMatch(/plain is a file, so nothing can be written under it$/);
    expect(outputFileProblem(path.join(dir, "fine.jsonl"))).toBeUndefined();
    expect(outputFileProblem(path.join(dir, "plain"))).toBeUndefined();
  });

  it.skipIf(isRoot)("refuses a folder this user may not write to", async () => {
    const locked = path.join(dir, "locked");
    await mkdir(locked);
    await chmod(locked, 0o500);
    expect(outputFileProblem(path.join(locked, "x.xml"))).toMatch(/the folder .*locked is not writable/);
  });
});

describe("eval checks its output paths before any LM call", () => {
  it("--output in a folder that does not exist: exit 2 naming the flag, no folder created, nothing run", async () => {
    const db = path.join(dir, "out-missing.db");
    const target = path.join(dir, "nowhere", "dir", "x.jsonl");
    const r = await runCli(["eval", TRIAGE, "--limit", "2", "--output", target], { env: { DSPX_DB: db } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: option '--output <file\.jsonl>' argument .* is invalid\. the folder .*nowhere[/\\]dir does not exist/);
    expect(existsSync(path.join(dir, "nowhere"))).toBe(false);
    expect(await runsIn(db)).toEqual([]);
  });

  it.skipIf(!existsSync("/proc/self"))("--junit /proc/x.xml: exit 2 naming --junit, before the evaluation (no run recorded)", async () => {
    const db = path.join(dir, "junit-proc.db");
    const r = await runCli(["eval", TRIAGE, "--limit", "2", "--junit", "/proc/x.xml"], { env: { DSPX_DB: db } });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n").filter((l) => l.startsWith("error:"))).toEqual([expect.stringMatching(/^error: (--junit: cannot write the JUnit report \/proc\/x\.xml|option '--junit <file>')/)]);
    expect(r.stderr).not.toMatch(/evaluating/);
    expect(await runsIn(db)).toEqual([]);
  });

  it.skipIf(!existsSync("/proc/self"))("--output /proc/x.jsonl: exit 2 naming --output", async () => {
    const r = await runCli(["eval", TRIAGE, "--limit", "2", "--output", "/proc/x.jsonl"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: (--output: cannot write the results file \/proc\/x\.jsonl|option '--output <file\.jsonl>')/m);
  });
});

describe("export -o", () => {
  let work: string;
  let db: string;
  let runId: string;
  beforeAll(async () => {
    // A copy of the project, so the program file a run came from can be overwritten safely.
    work = path.join(dir, "project");
    await cp(path.join(ROOT, "programs"), path.join(work, "programs"), { recursive: true });
    await cp(path.join(ROOT, "datasets"), path.join(work, "datasets"), { recursive: true });
    db = path.join(dir, "export.db");
    const e = await runCli(["eval", TRIAGE, "--limit", "2", "--json"], { cwd: work, env: { DSPX_DB: db } });
    expect(e.code, e.stderr).toBe(0);
    runId = JSON.parse(e.stdout).runId;
  });

  it("refuses to overwrite the program file the run came from unless --force", async () => {
    const program = path.join(work, TRIAGE);
    const before = await readFile(program, "utf8");
    const r = await runCli(["export", runId, "-o", TRIAGE], { cwd: work, env: { DSPX_DB: db } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^error: --output: ${TRIAGE.replace(/[.]/g, "\\.")} is the program file run ${runId} came from; .*--force`));
    expect(await readFile(program, "utf8")).toBe(before);
    // The same file by another spelling is the same file.
    const other = await runCli(["export", runId, "-o", path.join("programs", "..", TRIAGE)], { cwd: work, env: { DSPX_DB: db } });
    expect(other.code).toBe(2);
    const forced = await runCli(["export", runId, "-o", TRIAGE, "--force"], { cwd: work, env: { DSPX_DB: db } });
    expect(forced.code, forced.stderr).toBe(0);
    expect(await readFile(program, "utf8")).toMatch(/^# exported by dspx from run /);
  });

  it("refuses a folder that does not exist, creating nothing", async () => {
    const r = await runCli(["export", runId, "-o", "new/dir/p.yaml"], { cwd: work, env: { DSPX_DB: db } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: option '-o, --output <file>' argument 'new\/dir\/p\.yaml' is invalid\. the folder new[/\\]dir does not exist/);
    expect(existsSync(path.join(work, "new"))).toBe(false);
  });
});

describe("a missing API key", () => {
  it("eval prints the run id first and records the run as failed with the reason", async () => {
    const db = path.join(dir, "nokey.db");
    const r = await runCli(["eval", TRIAGE, "--limit", "2", "--lm", "openai:gpt-4.1-mini"], { env: { DSPX_DB: db } });
    expect(r.code).toBe(3);
    const id = /^run +(\S+)$/m.exec(r.stdout)?.[1];
    expect(id, r.stdout).toBeDefined();
    expect(r.stderr).toMatch(/OPENAI_API_KEY is not set/);
    expect(await runsIn(db)).toEqual([expect.objectContaining({ id, status: "failed" })]);
    const shown = JSON.parse((await runCli(["show", id!, "--json"], { env: { DSPX_DB: db } })).stdout);
    expect(shown.run.error).toMatch(/^openai: OPENAI_API_KEY is not set/);
  });

  it("optimize prints the run id first and records the run as failed with the reason (no resume hint)", async () => {
    const db = path.join(dir, "nokey-optimize.db");
    const r = await runCli(["optimize", TRIAGE, "--optimizer", "labeled", "--lm", "openai:gpt-4.1-mini"], { env: { DSPX_DB: db } });
    expect(r.code).toBe(3);
    const id = /^run +(\S+)$/m.exec(r.stdout)?.[1];
    expect(id, r.stdout).toBeDefined();
    expect(r.stderr).toMatch(/OPENAI_API_KEY is not set/);
    expect(r.stderr).not.toContain("dspx resume");
    expect(await runsIn(db)).toEqual([expect.objectContaining({ id, status: "failed" })]);
    const shown = JSON.parse((await runCli(["show", id!, "--json"], { env: { DSPX_DB: db } })).stdout);
    expect(shown.run.error).toMatch(/^openai: OPENAI_API_KEY is not set/);
  });
});

import { copyFile, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, runCli } from "../support/cli.js";

// A database recorded by dspx before the run configuration had a version (built by
// test/store/fixtures/make-pre-version.mjs with that dspx): two eval runs (the oldest with no `lm`
// record), a finished labeled run, and two gepa runs killed after step 2 (the oldest recording no
// env and no model). Its paths hold @ROOT@ for the checkout.
const FIXTURE = path.join(ROOT, "test/store/fixtures/pre-version.db");
const GEPA = ["optimize", "programs/support-triage.yaml", "--optimizer", "gepa", "--lm", "sim?latency=5ms", "--budget-calls", "900"];

let dir: string;
let db: string;
const ids: Record<string, string> = {};
const cli = (args: string[], dbFile = db) => runCli(args, { env: { DSPX_DB: dbFile }, timeoutMs: 120_000 });

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "dspx-old-db-"));
  db = path.join(dir, "dspx.db");
  await copyFile(FIXTURE, db);
  const sql = new Database(db);
  sql.prepare("UPDATE runs SET program_file = replace(program_file, '@ROOT@', ?), config = replace(config, '@ROOT@', ?)").run(ROOT, ROOT);
  for (const r of sql.prepare("SELECT id, name FROM runs").all() as { id: string; name: string }[]) ids[r.name] = r.id;
  sql.close();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("a runs/dspx.db recorded before this version", () => {
  it("lists and shows its runs", async () => {
    const runs = await cli(["runs", "--json"]);
    expect(runs.code, runs.stderr).toBe(0);
    const listed = (JSON.parse(runs.stdout) as { runs: { id: string }[] }).runs;
    expect(listed.map((r) => r.id).sort()).toEqual(Object.values(ids).sort());
    for (const name of ["eval-oldest", "eval-current", "optimize-done", "optimize-oldest"]) {
      const shown = await cli(["show", ids[name]!]);
      expect(shown.code, `${name}: ${shown.stderr}`).toBe(0);
      expect(shown.stdout).toContain(ids[name]);
    }
    // The configuration as that dspx recorded and showed it: the oldest eval run kept no LM settings.
    // (The split and the limit are on the data line; that run recorded no dataset file.)
    expect((await cli(["show", ids["eval-oldest"]!])).stdout).toContain("\ndata     split dev · 4 examples (--limit 4)\nconfig   model sim · concurrency 8\n");
    const json = JSON.parse((await cli(["show", ids["eval-oldest"]!, "--json"])).stdout);
    expect(json.run.config).toEqual({ dataset: "dev", model: "sim", concurrency: 8, limit: 4 });
  });

  it("exports a finished run's best candidate as a program that validates", async () => {
    const out = path.join(dir, "best.yaml");
    const exported = await cli(["export", ids["optimize-done"]!, "-o", out]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(await readFile(out, "utf8")).toMatch(/demos:/);
    const valid = await cli(["validate", out]);
    expect(valid.code, valid.stderr).toBe(0);
  });

  it("compares two of its eval runs on the examples they share", async () => {
    const compared = await cli(["compare", ids["eval-current"]!, ids["eval-oldest"]!, "--json"]);
    expect(compared.code, compared.stderr).toBe(0);
    expect(JSON.parse(compared.stdout)).toBeTypeOf("object");
  });

  it("resumes a killed run to where an uninterrupted run ends, and says a finished one is finished", async () => {
    const resumed = await cli(["resume", ids["optimize-interrupted"]!, "--json"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const fresh = await cli([...GEPA, "--json"], path.join(dir, "fresh.db"));
    expect(fresh.code, fresh.stderr).toBe(0);
    const [a, b] = [JSON.parse(resumed.stdout), JSON.parse(fresh.stdout)];
    expect(a.best.candidate).toBe(b.best.candidate);
    expect(a.best.dev.mean).toBe(b.best.dev.mean);
    expect(a.usage.calls).toBe(b.usage.calls);
    const oldest = await cli(["resume", ids["optimize-oldest"]!, "--json"]);
    expect(oldest.code, oldest.stderr).toBe(0);
    expect(JSON.parse(oldest.stdout).best.candidate).toBe(b.best.candidate);
    const done = await cli(["resume", ids["optimize-done"]!]);
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/already finished/);
  });
});

import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { optimizeCommand } from "../../src/cli/commands/optimize.js";
import { showCommand } from "../../src/cli/commands/show.js";
import { runInProcess } from "../support/command.js";

/** `dspx show` of an optimize run, both commands run in this process (what they print needs no process of its own). */
const ROOT = path.resolve(import.meta.dirname, "../..");
const TRIAGE = "programs/support-triage.yaml";

describe("show of an optimize run", () => {
  it("shows the run's settings readably and counts its steps, candidates and rollouts", async () => {
    const db = path.join(await mkdtemp(path.join(os.tmpdir(), "dspx-show-")), "dspx.db");
    const optimized = await runInProcess((ctx) => optimizeCommand(TRIAGE, { optimizer: "labeled", db, json: true }, ctx), { json: true });
    expect(optimized.code, optimized.stderr).toBe(0);
    const runId = JSON.parse(optimized.stdout).runId as string;
    const r = await runInProcess((ctx) => showCommand(runId, { db }, ctx));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/config\s+optimizer labeled · settings k=\d+ · seed 0 · /);
    // Data files as the user names them, with the start of their hash; no JSON, no absolute paths.
    expect(r.stdout).toMatch(/data train=datasets\/support-triage\/train\.jsonl \([0-9a-f]{8}\)/);
    expect(r.stdout).not.toContain(ROOT);
    expect(r.stdout).not.toContain("{\"");
    // The built-in budget is marked as such; empty settings are left out.
    expect(r.stdout).toMatch(/limits calls=2000 \(the default\)/);
    expect(r.stdout).not.toMatch(/defaultBudget|env=\{\}/);
    expect(r.stdout).toMatch(/totals\s+\d+ steps? · \d+ candidates? · [\d,]+ rollouts · [\d,]+ calls/);
  });
});

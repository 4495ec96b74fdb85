import { readFile, writeFile, mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT, runCli } from "../support/cli.js";

/**
 * The optimize summary and --json (issue 12 item 6), spawned: what the budget counted beside what
 * this process paid, refusals that name the setting in force, JSON errors on stdout.
 */
let dir: string;
const DATA = path.join(ROOT, "datasets/support-triage");

/** support-triage with its data at absolute paths, and `extra` YAML appended. */
async function program(name: string, extra = "", dev = path.join(DATA, "dev.jsonl")): Promise<string> {
  const text = (await readFile(path.join(ROOT, "programs/support-triage.yaml"), "utf8"))
    .replace("../datasets/support-triage/train.jsonl", path.join(DATA, "train.jsonl"))
    .replace("../datasets/support-triage/dev.jsonl", dev)
    .replace("../datasets/support-triage/test.jsonl", path.join(DATA, "test.jsonl"));
  const file = path.join(dir, name);
  await writeFile(file, `${text}${extra}`);
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "dspx-honest-"));
});

describe("refusals", () => {
  it("a budget from the program file is named at its position, and --json prints the error object on stdout", async () => {
    const file = await program("small-budget.yaml", "optimize:\n  optimizer: beam\n  budget:\n    calls: 100\n");
    const r = await runCli(["optimize", file, "--json"], { env: { DSPX_DB: path.join(dir, "refused.db") } });
    expect(r.code).toBe(2);
    const line = (await readFile(file, "utf8")).split("\n").findIndex((l) => l.includes("calls: 100")) + 1;
    expect(r.stderr).toMatch(new RegExp(`^error: \\S*small-budget\\.yaml:${line}:\\d+: \`optimize\\.budget\\.calls\`: 100 LM calls cannot buy a single beam step here: .*; give at least \`calls: \\d+\` \\(or --budget-calls \\d+\\)$`, "m"));
    expect(r.stderr).not.toMatch(/^error: --budget-calls:/m);
    const { error } = JSON.parse(r.stdout);
    expect(error).toMatchObject({ kind: "usage", exitCode: 2, problems: [{ file: expect.stringMatching(/small-budget\.yaml$/), line, message: expect.stringMatching(/^`optimize\.budget\.calls`: 100 LM calls cannot buy/) }] });
  });

  it("the flag is named when the flag set it", async () => {
    const file = await program("flag-budget.yaml", "optimize:\n  budget:\n    calls: 5000\n");
    const r = await runCli(["optimize", file, "--optimizer", "beam", "--budget-calls", "100"], { env: { DSPX_DB: path.join(dir, "flag.db") } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --budget-calls: 100 LM calls cannot buy a single beam step here: .*; give at least --budget-calls \d+$/m);
  });

  it("the default budget is named as the default when no budget was given", async () => {
    // A dev set so large that scoring the baseline alone takes most of the default 2,000 calls.
    const rows = (await readFile(path.join(DATA, "dev.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const big = Array.from({ length: 1950 }, (_, i) => JSON.stringify({ ...rows[i % rows.length], id: `big-${i}` })).join("\n");
    const dev = path.join(dir, "big-dev.jsonl");
    await writeFile(dev, `${big}\n`);
    const file = await program("default-budget.yaml", "", dev);
    const r = await runCli(["optimize", file, "--optimizer", "labeled", "--json"], { env: { DSPX_DB: path.join(dir, "default.db") } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: the default budget of 2000 LM calls cannot buy a single labeled step here: .* \(no budget was given\); give at least --budget-calls \d+, or `optimize\.budget\.calls: \d+` in the program$/m);
    expect(JSON.parse(r.stdout).error.kind).toBe("usage");
  });
});

describe("nominal and paid", () => {
  it("a fresh run paid what the budget counted; the same run again is answered from the store and says so, deciding the same", async () => {
    const db = path.join(dir, "paid.db");
    const args = ["optimize", "programs/support-triage.yaml", "--optimizer", "beam", "--budget-calls", "1500", "--json"];
    const first = await runCli(args, { env: { DSPX_DB: db } });
    expect(first.code, first.stderr).toBe(0);
    const a = JSON.parse(first.stdout);
    // sim answers every call itself (nothing cached, no provider requests).
    expect(a.thisProcess).toMatchObject({ calls: a.usage.calls, cachedCalls: 0, storedResults: 0, requests: 0 });
    // Beam takes several steps per iteration: the report counts the iterations the plan counted, at least its estimate.
    const planned = Number(/≈ (\d+) beam iteration/.exec(a.plan.buys)?.[1]);
    expect(a.iterations).toBeGreaterThanOrEqual(planned);
    expect(a.steps).toBeGreaterThan(a.iterations);

    const second = await runCli(args, { env: { DSPX_DB: db } });
    expect(second.code, second.stderr).toBe(0);
    const b = JSON.parse(second.stdout);
    expect(b.usage).toMatchObject({ calls: a.usage.calls, rollouts: a.usage.rollouts });
    expect(b.best.candidate).toBe(a.best.candidate);
    expect(b.thisProcess.storedResults).toBeGreaterThan(0);
    expect(b.thisProcess.calls).toBeLessThan(b.usage.calls);

    const text = await runCli(args.slice(0, -1), { env: { DSPX_DB: db } });
    expect(text.stdout).toMatch(/^used {5}\d+ steps \(\d+ beam iterations\) · .*\(as the budget counts: cached and reused answers at what they first cost\)$/m);
    expect(text.stdout).toMatch(/^paid {5}this process: [\d,]+ LM calls? answered by the model · 0 from the LM cache · [\d,]+ results from the store · /m);
  });
});

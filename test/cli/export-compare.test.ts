import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { Store } from "../../src/store/store.js";
import { stateHash } from "../../src/program/state.js";
import { runCli } from "../support/cli.js";
import { startMockProvider, type MockProvider } from "../support/mock-provider.js";
import { OPTIMIZE_CONFIG } from "../support/run-configs.js";

const TRIAGE = "programs/support-triage.yaml";
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "dspx-export-"));
});
const dspx = (args: string[], db: string) => runCli(args, { env: { DSPX_DB: db } });

/** Records a run whose candidate carries learned demos, as an optimizer would, and returns its id. */
async function runWithDemos(db: string): Promise<{ runId: string; hash: string }> {
  const runId = JSON.parse((await dspx(["eval", TRIAGE, "--limit", "3", "--json"], db)).stdout).runId as string;
  const store = Store.open(db);
  const state = {
    steps: {
      route: {
        instruction: "Route the message to the team that should handle it and judge its urgency.\n- billing: invoice, refund, charged twice\n- shipping: parcel, tracking, delivery",
        demos: [
          { message: "I was charged twice for my Plus plan this month", team: "billing", urgency: "high" },
          { message: "Tracking has said 'label created' for a week", team: "shipping", urgency: "normal" },
        ],
      },
    },
  };
  const hash = stateHash(state);
  store.runs.addCandidate(runId, { hash, state, parents: [], origin: "test" });
  store.runs.update(runId, { bestCandidate: hash });
  await store.close();
  return { runId, hash };
}

describe("dspx export", () => {
  it("writes the best candidate into the program: it loads, runs and scores as the candidate does, paths relocated", async () => {
    const db = path.join(dir, "export.db");
    const { runId, hash } = await runWithDemos(db);
    // The folder must exist (export creates none); paths in the export are relative to it.
    await mkdir(path.join(dir, "deep", "nested"), { recursive: true });
    const target = path.join(dir, "deep", "nested", "triage.optimized.yaml");
    const r = await dspx(["export", runId, "-o", target], db);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`wrote`);
    const text = await readFile(target, "utf8");
    expect(text.split("\n")[0]).toContain(`exported by dspx from run ${runId}, candidate ${hash}`);
    expect(text).toContain("# lm: openai:gpt-4.1-mini"); // the user's comments survive
    const data = parse(text);
    expect(data.steps.route.demos).toHaveLength(2);
    expect(data.steps.route.instruction).toContain("- billing: invoice, refund, charged twice");
    expect(path.resolve(path.dirname(target), data.data.dev)).toBe(path.resolve("datasets/support-triage/dev.jsonl"));
    // The exported file is a program dspx evaluates as is — and, being the same candidate, for free.
    const viaCandidate = JSON.parse((await dspx(["compare", `${runId}:${hash.slice(0, 8)}`, target, "--limit", "20", "--json"], db)).stdout);
    expect(viaCandidate.diff).toBe(0);
    expect(viaCandidate.b.summary.memoized).toBe(20);
    const evalExport = JSON.parse((await dspx(["eval", target, "--limit", "20", "--json"], db)).stdout);
    expect(evalExport.summary.mean).toBeCloseTo(viaCandidate.meanA, 12);
    const json = await dspx(["export", `${runId}:${hash.slice(0, 6)}`, "--format", "json"], db);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).steps.route.demos).toHaveLength(2);
  });

  it("refuses a program file, an unknown candidate and a run still in progress (exit 2)", async () => {
    const db = path.join(dir, "refuse.db");
    const { runId } = await runWithDemos(db);
    expect((await dspx(["export", TRIAGE], db)).code).toBe(2);
    const unknown = await dspx(["export", `${runId}:ffffffff`], db);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("has no candidate");
    const store = Store.open(db);
    store.runs.create({ id: "runninga", kind: "optimize", programName: "x", programFile: path.resolve(TRIAGE), programHash: "h", programSource: await readFile(TRIAGE, "utf8"), config: OPTIMIZE_CONFIG });
    await store.close();
    const running = await dspx(["export", "runninga"], db);
    expect(running.code).toBe(2);
    expect(running.stderr).toContain("still in progress");
  });
});

describe("dspx compare", () => {
  it("tests the difference between two candidates on the same examples, with flips each way", async () => {
    const db = path.join(dir, "compare.db");
    const { runId } = await runWithDemos(db);
    const r = await dspx(["compare", TRIAGE, runId, "--limit", "40"], db);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^A {2}programs\/support-triage\.yaml {2}0\.\d{3}$/m);
    expect(r.stdout).toMatch(/B − A {2}[+−]0\.\d{3} {2}95% CI \[[+−]0\.\d{3}, [+−]0\.\d{3}\] {2}\(paired bootstrap, 10,000 resamples\)/);
    const json = JSON.parse((await dspx(["compare", TRIAGE, runId, "--limit", "40", "--json"], db)).stdout);
    expect(json.n).toBe(40);
    expect(json.meanB - json.meanA).toBeCloseTo(json.diff, 12);
    // The metric averages two 0/1 fields, so scores are 0, 0.5 or 1: no exact test.
    expect(json.exact).toBeUndefined();
    for (const f of json.improved) expect(f.b).toBeGreaterThan(f.a);
    for (const f of json.regressed) expect(f.b).toBeLessThan(f.a);
    expect(json.diffCi95[0]).toBeLessThanOrEqual(json.diff);
    expect(json.diffCi95[1]).toBeGreaterThanOrEqual(json.diff);
  });

  it("records a compare run: its id first, listed by runs; resume, export and a compare of it refuse it (exit 2)", async () => {
    const db = path.join(dir, "compare-run.db");
    const { runId } = await runWithDemos(db);
    const r = await dspx(["compare", TRIAGE, runId, "--limit", "10", "--name", "triage check"], db);
    expect(r.code, r.stderr).toBe(0);
    const compareRun = /^run\s+([2-9a-z]{8})\n/.exec(r.stdout)?.[1];
    expect(compareRun, r.stdout).toBeDefined();
    const runs = JSON.parse((await dspx(["runs", "--json"], db)).stdout).runs;
    expect(runs[0]).toMatchObject({ id: compareRun, kind: "compare", name: "triage check", status: "done" });
    for (const args of [["resume", compareRun!], ["export", compareRun!], ["compare", compareRun!, TRIAGE]]) {
      const refused = await dspx(args, db);
      expect(refused.code, `${args[0]}: ${refused.stderr}`).toBe(2);
      expect(refused.stderr).toMatch(new RegExp(`^error: run ${compareRun} is a compare run`));
      expect(refused.stderr.trim().split("\n")).toHaveLength(1);
    }
  });

  it("runs the exact sign test for a 0/1 metric, matching a hand count", async () => {
    const db = path.join(dir, "exact.db");
    const binary = path.join(dir, "binary.yaml");
    const source = (await readFile(TRIAGE, "utf8"))
      .replace(/metric:\n  mean:\n    - exact_match: team\n    - exact_match: urgency\n/, "metric:\n  exact_match: team\n")
      .replace(/\.\.\/datasets\//g, `${path.resolve("datasets")}/`);
    await writeFile(binary, source);
    const withDemos = path.join(dir, "binary-demos.yaml");
    await writeFile(withDemos, source.replace("instruction: Route the message to the team that should handle it and judge its urgency.", "instruction: |-\n      Route the message.\n      - billing: charged, invoice, refund, payment, card\n      - shipping: parcel, tracking, delivery, package\n      - account: password, login, email, 2fa"));
    const json = JSON.parse((await dspx(["compare", binary, withDemos, "--json"], db)).stdout);
    const aOnly = json.regressed.length;
    const bOnly = json.improved.length;
    expect(json.exact).toMatchObject({ aOnly, bOnly });
    // two-sided exact binomial on the discordant pairs, computed here independently
    const n = aOnly + bOnly;
    let tail = 0;
    let c = 1;
    for (let k = 0; k <= Math.min(aOnly, bOnly); k++) {
      tail += c;
      c = (c * (n - k)) / (k + 1);
    }
    expect(json.exact.pValue).toBeCloseTo(Math.min(1, (2 * tail) / 2 ** n), 12);
    expect(bOnly).toBeGreaterThan(aOnly);
  });
});

describe("dspx compare of recorded runs", () => {
  let mock: MockProvider;
  beforeAll(async () => {
    mock = await startMockProvider();
  });
  afterAll(() => mock.close());
  const evalRun = async (db: string, args: string[], env: Record<string, string> = {}) => {
    const r = await runCli(["eval", TRIAGE, "--limit", "6", "--json", ...args], { env: { DSPX_DB: db, ...env } });
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as { runId: string; summary: { mean: number } };
  };

  it("scores a run's candidate on the models and endpoint it was recorded with: its stored results, no new call", async () => {
    const db = path.join(dir, "recorded-models.db");
    const onMock = await evalRun(db, ["--lm", "openai:gpt-4.1-mini", "--base-url", mock.openaiBaseUrl]);
    // The same choice made through the environment is recorded too.
    const viaEnv = await evalRun(db, [], { DSPX_LM: "openai:gpt-4.1-mini", OPENAI_BASE_URL: mock.openaiBaseUrl });
    const onSim = await evalRun(db, []);
    const before = mock.requests.length;
    // Compared later in a plain environment (which would pick sim): the recorded results count.
    const same = JSON.parse((await dspx(["compare", onMock.runId, viaEnv.runId, "--limit", "6", "--json"], db)).stdout);
    expect(mock.requests.length).toBe(before);
    expect(same.meanA).toBe(onMock.summary.mean);
    expect(same.meanB).toBe(viaEnv.summary.mean);
    expect(same.a.summary.memoized).toBe(6);
    expect(same.b.summary.memoized).toBe(6);
    expect(same.sameModels).toBe(true);
    expect(same.a.models).toEqual([`openai:gpt-4.1-mini @ ${mock.openaiBaseUrl}`]);
    // Different models on the two sides: a valid comparison, and said so.
    const mixed = await dspx(["compare", onMock.runId, onSim.runId, "--limit", "6"], db);
    expect(mixed.code).toBe(0);
    expect(mock.requests.length).toBe(before);
    expect(mixed.stderr).toContain(`A and B ran on different models (A: openai:gpt-4.1-mini @ ${mock.openaiBaseUrl}; B: sim)`);
    expect(mixed.stdout).toMatch(/^A {2}run \w+ {2}\d\.\d{3} {2}on openai:gpt-4\.1-mini @ /m);
    const mixedJson = JSON.parse((await dspx(["compare", onMock.runId, onSim.runId, "--limit", "6", "--json"], db)).stdout);
    expect(mixedJson).toMatchObject({ meanA: onMock.summary.mean, meanB: onSim.summary.mean, sameModels: false });
    // An explicit --lm runs both sides on it.
    const both = JSON.parse((await dspx(["compare", onMock.runId, onSim.runId, "--limit", "6", "--lm", "sim", "--json"], db)).stdout);
    expect(mock.requests.length).toBe(before);
    expect(both).toMatchObject({ meanA: onSim.summary.mean, meanB: onSim.summary.mean, sameModels: true });
    expect(both.a.models).toEqual(["sim"]);
  });
});

import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultResponder, startMockProvider, type MockProvider, type MockReply, type MockResponder } from "../support/mock-provider.js";
import { ROOT, runCli } from "../support/cli.js";

/**
 * The USD budget, end to end: `sim` costs nothing, so the model is the mock provider behind a model
 * with a known price (gpt-4.1-mini: $0.40 per million input tokens, $1.60 per million output), and
 * every reply reports the same usage, so every call costs exactly CALL_USD. support-triage makes
 * one LM call per example (one step, no judge), so what is in flight when the budget is reached is
 * at most CONCURRENCY calls.
 */
const PROGRAM = path.join(ROOT, "programs/support-triage.yaml");
const USAGE = { prompt: 1000, completion: 100 };
const CALL_USD = (USAGE.prompt * 0.4 + USAGE.completion * 1.6) / 1e6;
const CONCURRENCY = 4;

const fixedUsage: MockResponder = (req) => {
  const reply: MockReply = defaultResponder(req);
  if (reply.kind === "json") return { kind: "text", text: JSON.stringify(reply.value), usage: USAGE };
  if (reply.kind === "text") return { ...reply, usage: USAGE };
  return reply;
};

let mock: MockProvider;
let dir: string;
beforeAll(async () => {
  mock = await startMockProvider({ respond: fixedUsage });
  dir = await mkdtemp(path.join(os.tmpdir(), "dspx-usd-"));
});
afterAll(() => mock.close());

const optimize = (db: string, extra: string[]) =>
  runCli(["optimize", PROGRAM, "--lm", "openai:gpt-4.1-mini", "--base-url", mock.openaiBaseUrl, ...extra], { env: { DSPX_DB: db, OPENAI_API_KEY: "sk-test" } });

function runRow(db: string, runId: string) {
  const sql = new Database(db, { readonly: true });
  const row = sql.prepare("SELECT status, totals FROM runs WHERE id = ?").get(runId) as { status: string; totals: string };
  const dev = sql.prepare("SELECT COUNT(*) AS n FROM run_results WHERE run_id = ? AND dataset = 'dev'").get(runId) as { n: number };
  sql.close();
  return { status: row.status, totals: JSON.parse(row.totals) as Record<string, number | string>, devResults: dev.n };
}

describe("optimize --budget-usd against a priced model", () => {
  it("stops when the money is spent, overshooting by at most the calls in flight, and says so", async () => {
    const db = path.join(dir, "usd.db");
    const cap = 0.06; // the baseline's 70 dev calls cost $0.0392; the rest runs out inside gepa's iterations
    mock.reset();
    const r = await optimize(db, ["--optimizer", "gepa", "--budget-usd", String(cap), "--concurrency", String(CONCURRENCY)]);
    expect(r.code, r.stderr).toBe(0);
    const runId = /run\s+([2-9a-z]{8})/.exec(r.stdout)?.[1];
    expect(runId, r.stdout).toBeDefined();
    // The only budget given: no LM-call cap besides it.
    expect(r.stdout).toContain("budget $0.06, no LM-call limit · train 200");
    expect(r.stdout).toContain("ended    the USD budget was used up");
    const { status, totals } = runRow(db, runId!);
    expect(status).toBe("done");
    expect(totals).toMatchObject({ ended: "budget", budgetReason: "USD" });
    // What the budget counted, what was really spent, and what reached the provider agree…
    const counted = totals.nominalUsd as number;
    expect(counted).toBeGreaterThanOrEqual(cap);
    expect(totals.costUsd as number).toBeLessThanOrEqual(counted + 1e-12);
    expect(mock.requests.length).toBeLessThanOrEqual(totals.calls as number);
    expect(mock.requests.length * CALL_USD).toBeCloseTo(totals.costUsd as number, 9);
    // … and the cap is exceeded by no more than what was in flight when it was reached.
    expect(counted).toBeLessThanOrEqual(cap + CONCURRENCY * CALL_USD + 1e-12);
    expect((totals.costUsd as number)).toBeLessThanOrEqual(cap + CONCURRENCY * CALL_USD + 1e-12);
    // Money cannot be kept back for the test split: it is reported unscored, not paid for beyond the cap.
    expect(r.stdout).toContain("test     not evaluated: the USD budget was used up before it");
  });

  it("when the money runs out while the baseline is scored on dev, finishing scores nothing more: it reports the examples scored", async () => {
    const db = path.join(dir, "baseline.db");
    const cap = 0.005; // about 9 of the 70 dev examples
    mock.reset();
    const r = await optimize(db, ["--budget-usd", String(cap), "--concurrency", "2", "--no-cache", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ ended: "budget", budgetReason: "USD", steps: 0, testSkipped: "USD" });
    // Every request sent was charged: none was made after the budget ran out to fill in the baseline.
    expect(mock.requests.length).toBe(report.usage.calls);
    expect(report.usage.usd).toBeLessThanOrEqual(cap + 2 * CALL_USD + 1e-12);
    const scored = report.baselinePartial?.scored as number;
    expect(report.baselinePartial).toEqual({ scored, of: 70 });
    expect(scored).toBe(report.usage.rollouts);
    expect(scored).toBeLessThan(70);
    expect(report.baseline.dev.n).toBe(scored);
    expect(report.best.dev.n).toBe(scored);
    expect(report.best.candidate).toBe(report.baseline.candidate);
    const row = runRow(db, report.runId);
    expect(row.status).toBe("done");
    expect(row.devResults).toBe(scored);
    expect(row.totals).toMatchObject({ baselineScored: scored, devExamples: 70, ended: "budget", budgetReason: "USD" });

    // The summary says the baseline was not fully scored, and why.
    const text = await optimize(path.join(dir, "baseline-text.db"), ["--budget-usd", String(cap), "--concurrency", "2", "--no-cache"]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/dev {6}only \d+ of 70 examples scored: the USD budget was used up while scoring the baseline, so no candidate was tried/);
    expect(text.stdout).toContain("ended    the USD budget was used up before the baseline was scored");
    expect(text.stdout).not.toContain("take it");
  });
});

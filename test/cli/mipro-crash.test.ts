import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockProvider, type MockProvider, type MockRequest } from "../support/mock-provider.js";
import { ROOT, runCli, startCli, watch } from "../support/cli.js";
import { waitUntil } from "../support/wait.js";

/**
 * mipro killed with SIGKILL in the middle of its proposal phase and again in the middle of its
 * search, each time resumed: the run ends exactly as the same run uninterrupted, and no request
 * that had completed is sent again. The model is the mock provider, so every request is seen.
 */
const PROGRAM = path.join(ROOT, "programs/support-triage.yaml");
const CONCURRENCY = 4;
let mock: MockProvider;
let dir: string;

beforeAll(async () => {
  mock = await startMockProvider({ latencyMs: { min: 5, max: 25 } });
  dir = await mkdtemp(path.join(os.tmpdir(), "dspx-mipro-crash-"));
});
afterAll(() => mock.close());

const args = [
  "optimize", PROGRAM, "--optimizer", "mipro", "--seed", "3", "--budget-calls", "900", "--concurrency", String(CONCURRENCY),
  "--lm", "openai:gpt-4.1-mini", "--base-url", "", "--json",
];
const argv = () => args.map((a, i) => (args[i - 1] === "--base-url" ? mock.openaiBaseUrl : a));
const env = (db: string) => ({ DSPX_DB: db, OPENAI_API_KEY: "sk-test" });

const isProposal = (r: MockRequest) => (r.system ?? "").includes("a summary of its data");
const key = (r: MockRequest) => JSON.stringify([r.model, r.messages, r.body.temperature]);

function outcome(db: string, runId: string) {
  const sql = new Database(db, { readonly: true });
  const candidates = sql.prepare("SELECT seq, hash, origin, parents FROM candidates WHERE run_id = ? ORDER BY seq").all(runId);
  const scores = sql
    .prepare("SELECT r.candidate, r.dataset, r.example_id, e.score FROM run_results r JOIN evaluations e ON e.id = r.eval_id WHERE r.run_id = ? ORDER BY r.candidate, r.dataset, r.example_id")
    .all(runId);
  const events = (sql.prepare("SELECT type, data FROM events WHERE run_id = ? AND type != 'resumed' ORDER BY seq").all(runId) as { type: string; data: string }[]).map(
    (e) => `${e.type}: ${String((JSON.parse(e.data) as { summary?: unknown }).summary ?? "")}`,
  );
  const run = sql.prepare("SELECT best_candidate, status FROM runs WHERE id = ?").get(runId);
  sql.close();
  return { candidates, scores, events, run };
}

function counts(requests: readonly MockRequest[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of requests) out.set(key(r), (out.get(key(r)) ?? 0) + 1);
  return out;
}

/**
 * Requests sent more often than the uninterrupted run sent them. (Two proposals may share a prompt
 * and differ only in their sample, which the wire does not show: both are sent in either run.)
 */
function sentAgain(requests: readonly MockRequest[], reference: readonly MockRequest[]): number {
  const want = counts(reference);
  let n = 0;
  for (const [k, c] of counts(requests)) n += Math.max(0, c - (want.get(k) ?? 0));
  return n;
}

describe("mipro is crash-safe", () => {
  it("killed in the proposal phase and in the search, resumed each time, ends as the uninterrupted run without resending what completed", async () => {
    mock.reset();
    const refDb = path.join(dir, "reference.db");
    const ref = await runCli(argv(), { env: env(refDb), timeoutMs: 100_000 });
    expect(ref.code, ref.stderr).toBe(0);
    const refReport = JSON.parse(ref.stdout);
    const reference = outcome(refDb, refReport.runId);
    const refRequests = [...mock.requests];
    expect(refRequests.filter(isProposal).length).toBeGreaterThan(0);
    const proposalsAt = refRequests.findIndex(isProposal);
    expect(reference.events.filter((e) => e.startsWith("trial:")).length).toBeGreaterThan(3);

    mock.reset();
    const db = path.join(dir, "killed.db");
    // First kill: once a grounded proposal request has arrived (the summaries are done, the proposals in flight).
    const first = startCli(argv(), { env: env(db) });
    await waitUntil(() => mock.requests.some(isProposal), "a proposal request", watch(first));
    first.child.kill("SIGKILL");
    await first.closed;
    const runId = /run ([2-9a-z]{8})/.exec(first.stderr())?.[1];
    expect(runId, first.stderr()).toBeDefined();
    const killed = outcome(db, runId!);
    expect(killed.events.some((e) => e.startsWith("summary:"))).toBe(true);
    expect(killed.events.some((e) => e.startsWith("trial:"))).toBe(false);

    // Second kill: in the middle of the search, a good way past the proposals.
    const before = mock.requests.length;
    const second = startCli(["resume", runId!, "--json"], { env: env(db) });
    await waitUntil(() => mock.requests.length - before >= 80 && outcome(db, runId!).events.some((e) => e.startsWith("trial:")), "trials under way", watch(second));
    second.child.kill("SIGKILL");
    await second.closed;
    expect(outcome(db, runId!).run).toMatchObject({ status: "running" });

    const final = await runCli(["resume", runId!, "--json"], { env: env(db), timeoutMs: 100_000 });
    expect(final.code, final.stderr).toBe(0);
    const resumed = outcome(db, runId!);
    expect(resumed.run).toMatchObject({ best_candidate: (reference.run as { best_candidate: string }).best_candidate, status: "done" });
    expect(resumed.candidates).toEqual(reference.candidates);
    expect(resumed.scores).toEqual(reference.scores);
    expect(resumed.events).toEqual(reference.events);
    // Only what was in flight at each kill (and a few answered in the commit window) is sent again.
    expect(sentAgain(mock.requests, refRequests)).toBeLessThanOrEqual(2 * (CONCURRENCY + 5 + 2));
    expect(mock.requests.length).toBeGreaterThanOrEqual(refRequests.length);
    expect(proposalsAt).toBeGreaterThan(0);
  }, 240_000);
});

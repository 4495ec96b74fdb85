import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultResponder, startMockProvider, type MockProvider, type MockRequest } from "../support/mock-provider.js";
import { ROOT, runCli, startCli, watch } from "../support/cli.js";
import { waitUntil } from "../support/wait.js";

/**
 * Bad completions, end to end: the reflection LM (the mock provider) answers the first reflection
 * requests with text dspx cannot read, in neither the chat nor the json format. The run must go on,
 * record the failed proposals, finish, and resume after a kill to the same end.
 */
const PROGRAM = path.join(ROOT, "programs/support-triage.yaml");
/** Reflection requests answered with garbage: chat + json fallback per proposal, so 3 failed proposals. */
const GARBAGE = 6;
let mock: MockProvider;
let dir: string;

/** A reflection or proposal request: its output field is the new instruction. */
const isProposal = (req: MockRequest) => (req.system ?? "").includes("new_instruction");

/**
 * Garbage for the first GARBAGE distinct proposal requests, whatever order they arrive in and however
 * often (a request re-sent after a kill gets the answer it got before), the mock's answer otherwise.
 */
function garbageFirst(): (req: MockRequest) => ReturnType<typeof defaultResponder> {
  const bad = new Set<string>();
  const seen = new Set<string>();
  return (req) => {
    if (!isProposal(req)) return defaultResponder(req);
    const key = JSON.stringify([req.messages, req.body.temperature]);
    if (!seen.has(key)) {
      seen.add(key);
      if (bad.size < GARBAGE) bad.add(key);
    }
    return bad.has(key) ? { kind: "text", text: "As an AI language model I would rather not say. ¯\\_(ツ)_/¯" } : defaultResponder(req);
  };
}

beforeAll(async () => {
  mock = await startMockProvider();
  dir = await mkdtemp(path.join(os.tmpdir(), "dspx-badcomp-"));
});
afterAll(() => mock.close());

const args = (extra: string[] = []) => [
  "optimize", PROGRAM, "--optimizer", "gepa", "--seed", "7", "--budget-calls", "700",
  "--lm", "openai:gpt-4.1-mini", "--base-url", mock.openaiBaseUrl, "--json", ...extra,
];
const env = (db: string) => ({ DSPX_DB: db, OPENAI_API_KEY: "sk-test" });

/** A run as `dspx show --json` gives it: the run, its candidates with their scores per dataset, its events. */
async function shown(db: string, runId: string): Promise<{ run: Record<string, unknown>; candidates: ({ seq: number } & Record<string, unknown>)[]; events: { type: string; data: Record<string, unknown> }[] }> {
  const r = await runCli(["show", runId, "--json"], { env: env(db) });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

async function events(db: string, runId: string) {
  return (await shown(db, runId)).events;
}

describe("a bad completion never poisons a run", () => {
  let refDb: string;
  let refRun: string;

  it("records unreadable reflections as failed proposals and finishes (exit 0)", async () => {
    refDb = path.join(dir, "reference.db");
    mock.reset();
    mock.setResponder(garbageFirst());
    const r = await runCli(args(), { env: env(refDb) });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    refRun = report.runId;
    const failed = (await events(refDb, refRun)).filter((e) => e.type === "proposal-failed");
    expect(failed).toHaveLength(GARBAGE / 2);
    expect(String(failed[0]!.data.error)).toContain("could not read");
    // The later reflections were read: the run went on and made candidates from them.
    expect(report.candidates).toBeGreaterThan(1);
    // The failed proposals' calls were paid for and are counted: every proposal request sent.
    expect(report.usage.proposalCalls).toBe(mock.requests.filter(isProposal).length);
    expect(mock.requests.filter(isProposal).length).toBeGreaterThan(GARBAGE);
  }, 120_000);

  it("resumes a run killed after a failed proposal to the same end, without getting stuck", async () => {
    const db = path.join(dir, "killed.db");
    mock.reset();
    mock.setResponder(garbageFirst());
    const cli = startCli(args(), { env: env(db) });
    // Kill once the first failed proposal's two requests (chat, then json) have been answered.
    await waitUntil(() => mock.requests.filter(isProposal).length >= 3, "three proposal requests", watch(cli));
    cli.child.kill("SIGKILL");
    await cli.closed;
    const runId = /run ([2-9a-z]{8})/.exec(cli.stderr())?.[1];
    expect(runId, cli.stderr()).toBeDefined();
    // Killed mid-run, after the failed proposal: not finished, not failed (show sees its process gone).
    expect((await shown(db, runId!)).run.status).toBe("interrupted");

    const resumed = await runCli(["resume", runId!, "--json"], { env: env(db) });
    expect(resumed.code, resumed.stderr).toBe(0);
    const reference = await shown(refDb, refRun);
    const got = await shown(db, runId!);
    expect(got.run).toMatchObject({ status: "done", bestCandidate: reference.run.bestCandidate });
    // The same candidates, with the same scores on every dataset (`seq`, their numbering, is left
    // out: a resumed run skips numbers where it records again a candidate it already had).
    const bySeqless = (v: typeof got) => v.candidates.map(({ seq: _seq, ...c }) => c);
    expect(bySeqless(got)).toEqual(bySeqless(reference));
    const iterations = (v: typeof got) => v.events.filter((e) => e.type === "proposal-failed").map((e) => e.data.iteration);
    expect(iterations(got)).toEqual(iterations(reference));

    // Both processes linked what they used to the run: clearing the run's entries empties this cache.
    const stats = JSON.parse((await runCli(["cache", "stats", "--json"], { env: env(db) })).stdout);
    expect(stats.entries).toBeGreaterThan(0);
    const cleared = await runCli(["cache", "clear", "--run", runId!, "--json"], { env: env(db) });
    expect(cleared.code, cleared.stderr).toBe(0);
    expect(JSON.parse(cleared.stdout)).toMatchObject({ removed: stats.entries, run: runId });
    expect(JSON.parse((await runCli(["cache", "stats", "--json"], { env: env(db) })).stdout).entries).toBe(0);
  }, 120_000);

  it("replays cached unreadable answers in a new run; `cache clear --failed` removes just them", async () => {
    const before = JSON.parse((await runCli(["cache", "stats", "--json"], { env: env(refDb) })).stdout);
    expect(before.unreadable).toBe(GARBAGE);

    // The same seed again, every answer now readable: the cache answers everything, garbage included.
    mock.reset();
    const replay = await runCli(args(), { env: env(refDb) });
    expect(replay.code, replay.stderr).toBe(0);
    expect(mock.requests).toHaveLength(0);
    const replayed = (await events(refDb, JSON.parse(replay.stdout).runId)).filter((e) => e.type === "proposal-failed");
    expect(replayed).toHaveLength(GARBAGE / 2);

    const cleared = await runCli(["cache", "clear", "--failed", "--json"], { env: env(refDb) });
    expect(cleared.code, cleared.stderr).toBe(0);
    expect(JSON.parse(cleared.stdout)).toMatchObject({ removed: GARBAGE, failed: true });
    const after = JSON.parse((await runCli(["cache", "stats", "--json"], { env: env(refDb) })).stdout);
    expect(after).toMatchObject({ entries: before.entries - GARBAGE, unreadable: 0 });

    // Now the same seed asks the LM those requests again, and reads every answer.
    const fresh = await runCli(args(), { env: env(refDb) });
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(mock.requests.filter(isProposal).length).toBeGreaterThan(0);
    expect((await events(refDb, JSON.parse(fresh.stdout).runId)).filter((e) => e.type === "proposal-failed")).toHaveLength(0);
  }, 120_000);
});

describe("dspx cache clear --run", () => {
  const evalRun = async (db: string, model: string) => {
    const r = await runCli(["eval", PROGRAM, "--lm", model, "--base-url", mock.openaiBaseUrl, "--limit", "5", "--json"], { env: env(db) });
    expect(r.code, r.stderr).toBe(0);
    return /run ([2-9a-z]{8})/.exec(r.stderr)![1]!;
  };

  it("removes the entries one run used and no other's; an unknown run is a usage error", async () => {
    const db = path.join(dir, "two-runs.db");
    mock.reset();
    const mini = await evalRun(db, "openai:gpt-4.1-mini");
    const full = await evalRun(db, "openai:gpt-4.1");
    expect(JSON.parse((await runCli(["cache", "stats", "--json"], { env: env(db) })).stdout).entries).toBe(10);

    const one = await runCli(["cache", "clear", "--run", mini, "--json"], { env: env(db) });
    expect(one.code, one.stderr).toBe(0);
    expect(JSON.parse(one.stdout)).toEqual({ db, removed: 5, run: mini });
    expect(JSON.parse((await runCli(["cache", "stats", "--json"], { env: env(db) })).stdout).entries).toBe(5);

    const unknown = await runCli(["cache", "clear", "--run", "nosuchrun"], { env: env(db) });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split("\n")).toHaveLength(1);
    expect(unknown.stderr).toContain('no run "nosuchrun"');
    expect(unknown.stdout).toBe("");

    // Filters combine: the run's unreadable entries (none here), then all of them.
    expect(JSON.parse((await runCli(["cache", "clear", "--run", full, "--failed", "--json"], { env: env(db) })).stdout).removed).toBe(0);
    const text = await runCli(["cache", "clear", "--run", full.slice(0, 5)], { env: env(db) });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout.trim()).toBe(`removed 5 cached responses used by run ${full}`);
    expect(JSON.parse((await runCli(["cache", "stats", "--json"], { env: env(db) })).stdout).entries).toBe(0);
  }, 120_000);
});

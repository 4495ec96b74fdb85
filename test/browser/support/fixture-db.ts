import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT, runCli } from "../../support/cli.js";
import { defaultResponder, type MockReply, type MockRequest } from "../../support/mock-provider.js";

export const PROGRAM = path.join(ROOT, "programs/support-triage.yaml");

/** What a hostile completion carries: markup that would run if the UI ever rendered data as HTML. */
export const HOSTILE = `<script>window.__pwned=1</script><img src=x onerror=window.__pwned=1>`;

/** The mock's usual answers, with the hostile text at the start of every chain-of-thought reasoning. */
export function hostileResponder(req: MockRequest): MockReply {
  const reply = defaultResponder(req);
  if (reply.kind !== "text" || !reply.text.includes("[[ ## reasoning ## ]]\n")) return reply;
  return { ...reply, text: reply.text.replace("[[ ## reasoning ## ]]\n", `[[ ## reasoning ## ]]\n${HOSTILE} `) };
}

export interface FixtureRuns {
  dir: string;
  db: string;
  optimizeRun: string;
  evalRun: string;
  /** `dspx compare` of the program as written (A) against the GEPA run's best (B), on sim. */
  compareRun: string;
}

async function runJson(args: string[], db: string, env: Record<string, string> = {}): Promise<{ runId: string }> {
  const r = await runCli([...args, "--json"], { env: { DSPX_DB: db, ...env }, timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`dspx ${args.join(" ")} exited ${r.code}:\n${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout) as { runId: string };
}

/**
 * A database made by real runs: a small GEPA optimization on `sim`, an eval of the program
 * against the mock provider answering with hostile completions, and a comparison of the program
 * with the optimization's best.
 */
export async function makeFixtureRuns(mockBaseUrl: string): Promise<FixtureRuns> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "dspx-browser-"));
  const db = path.join(dir, "view.db");
  const opt = await runJson(["optimize", PROGRAM, "--optimizer", "gepa", "--seed", "1", "--budget-calls", "800", "--lm", "sim", "--name", "gepa-fixture"], db);
  const ev = await runJson(["eval", PROGRAM, "--lm", "openai:gpt-4.1-mini", "--base-url", mockBaseUrl], db, { OPENAI_API_KEY: "sk-test" });
  const cmp = await runJson(["compare", PROGRAM, opt.runId, "--lm", "sim", "--name", "compare-fixture"], db);
  return { dir, db, optimizeRun: opt.runId, evalRun: ev.runId, compareRun: cmp.runId };
}

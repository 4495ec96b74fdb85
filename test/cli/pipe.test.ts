import { spawn } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, ROOT, offlineEnv, runCli } from "../support/cli.js";

/**
 * `dspx runs | head -1`: the reader of stdout goes away before (or while) dspx writes. The CLI must
 * end quietly — no EPIPE stack trace, its usual exit code, the database closed normally.
 */
function runWithEarlyClosingReader(args: string[], env: Record<string, string>, keepBytes: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; got: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: offlineEnv(env), stdio: ["ignore", "pipe", "pipe"] });
    let got = "";
    let stderr = "";
    // Like `head -c N`: take the first bytes (or none), then close the read end of the pipe.
    if (keepBytes === 0) child.stdout.destroy();
    else
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        got += d;
        if (got.length >= keepBytes) child.stdout.destroy();
      });
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr, got: got.slice(0, keepBytes) });
    });
  });
}

describe("output piped into a reader that closes early", () => {
  it("runs, show, eval --json and --help end quietly with their usual exit code", async () => {
    const db = path.join(os.tmpdir(), `dspx-pipe-${process.pid}-${Date.now()}.db`);
    const env = { DSPX_DB: db };
    const program = path.join(ROOT, "programs/support-triage.yaml");
    const first = await runCli(["eval", program, "--limit", "20", "--json"], { env });
    expect(first.code).toBe(0);
    const runId = JSON.parse(first.stdout).runId as string;

    for (const [args, keep] of [
      [["runs"], 0],
      [["runs"], 1],
      [["show", runId], 0],
      [["show", runId, "--json"], 10],
      [["eval", program, "--limit", "20", "--json", "--no-memo"], 10],
      [["--help"], 0],
    ] as const) {
      const r = await runWithEarlyClosingReader([...args], env, keep);
      expect(r.stderr, args.join(" ")).not.toMatch(/EPIPE|Unhandled|at .*\.js:\d+/);
      expect(r.signal, args.join(" ")).toBeNull();
      expect(r.code, args.join(" ")).toBe(0);
    }
    // The database was closed normally: both evaluations are there and readable.
    const runs = await runCli(["runs", "--json"], { env });
    expect(runs.code).toBe(0);
    expect(runs.stdout).toContain(runId);
  });
});

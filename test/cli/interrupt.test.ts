import { spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, offlineEnv, ROOT } from "../support/cli.js";
import { startMockProvider, type MockProvider } from "../support/mock-provider.js";

const TRIAGE = "programs/support-triage.yaml";
let mock: MockProvider;
let dir: string;
beforeAll(async () => {
  // Every request hangs: once one has arrived, the command is waiting on a call in flight.
  mock = await startMockProvider({ respond: () => ({ kind: "hang" }) });
  dir = await mkdtemp(path.join(os.tmpdir(), "dspx-interrupt-"));
});
afterAll(() => mock.close());

/** Starts the CLI, presses Ctrl-C once a request is in flight, and collects how it ended. */
async function interruptWhileInFlight(args: string[], db: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  mock.reset();
  const child = spawn(process.execPath, [BIN, ...args, "--lm", "openai:gpt-4.1-mini", "--base-url", mock.openaiBaseUrl], {
    cwd: ROOT,
    env: offlineEnv({ DSPX_DB: db }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
  for (let i = 0; i < 800 && mock.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
  expect(mock.requests.length, stderr).toBeGreaterThan(0);
  child.kill("SIGINT");
  const code = await closed;
  return { code, stdout, stderr };
}

describe("Ctrl-C while calls are in flight", () => {
  it("compare: exit 130 with a line saying where it stopped, not 'This operation was aborted'", async () => {
    const r = await interruptWhileInFlight(["compare", TRIAGE, TRIAGE, "--limit", "4"], path.join(dir, "compare.db"));
    expect(r.code, r.stderr).toBe(130);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/interrupted while scoring A \(0 of 4 examples done\), so nothing was compared/);
    expect(r.stderr).not.toContain("aborted");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("run: exit 130, 'interrupted'", async () => {
    const r = await interruptWhileInFlight(["run", TRIAGE, "--input", '{"message": "my parcel is late"}'], path.join(dir, "run.db"));
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/^interrupted$/m);
    expect(r.stderr).not.toContain("aborted");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

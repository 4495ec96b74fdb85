import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockProvider, type MockProvider } from "../support/mock-provider.js";
import { ROOT, runCli, startCli, watch } from "../support/cli.js";
import os from "node:os";
import { waitUntil } from "../support/wait.js";

/**
 * A run that picked its model from an API key in the environment resumes on that model, whatever
 * keys the environment holds when it is resumed (it used to fall back to `sim` without the key).
 */
const PROGRAM = path.join(ROOT, "programs/support-triage.yaml");
let mock: MockProvider;
beforeAll(async () => {
  mock = await startMockProvider({ latencyMs: { min: 5, max: 15 } });
});
afterAll(() => mock.close());

describe("dspx resume", () => {
  it("keeps the model the run chose from an API key", async () => {
    const db = path.join(os.tmpdir(), `dspx-resume-model-${process.pid}.db`);
    // Chosen by the key: openai's default model, at the mock (a loopback endpoint needs no key).
    const startEnv = { DSPX_DB: db, OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: mock.openaiBaseUrl };
    const cli = startCli(["optimize", PROGRAM, "--optimizer", "gepa", "--budget-calls", "600", "--concurrency", "4", "--json"], { env: startEnv });
    const started = () => /run ([2-9a-z]{8})/.test(cli.stderr());
    await waitUntil(() => started() && mock.requests.length >= 40, "the run id and 40 requests", watch(cli));
    cli.child.kill("SIGINT");
    expect(await cli.closed, cli.stderr()).toBe(130);
    const runId = /run ([2-9a-z]{8})/.exec(cli.stderr())![1]!;

    const before = mock.requests.length;
    const resumed = await runCli(["resume", runId, "--json"], { env: { DSPX_DB: db, OPENAI_BASE_URL: mock.openaiBaseUrl } });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).not.toContain("running on `sim`");
    expect(mock.requests.length).toBeGreaterThan(before);
    expect(mock.requests.slice(before).every((r) => r.model === "gpt-4.1-mini")).toBe(true);
  }, 120_000);
});

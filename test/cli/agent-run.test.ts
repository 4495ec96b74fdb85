import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { AGENT_TOOL_FILES, agentProgram } from "../modules/fixtures/agent-program.js";

/** `dspx run --verbose` on a program with a react step and a JS tool, on sim, through the built CLI. */

let file: string;
beforeAll(async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "dspx-agent-run-"));
  for (const [name, text] of Object.entries(AGENT_TOOL_FILES)) await writeFile(path.join(dir, name), text);
  file = path.join(dir, "agent.yaml");
  await writeFile(file, agentProgram("    max_iters: 2\n"));
});

describe("dspx run --verbose on an agent", () => {
  it("lists each iteration with its tool, arguments, tokens, time, thought and observation, then the outputs", async () => {
    const r = await runCli(["run", file, "--input", '{"question": "Where is order A100?"}', "--verbose"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toMatch(/^\[agent\] react \d+ms, \d+ LM calls, [12] iterations?$/);
    expect(lines[1]).toMatch(/^ {2}1\. (lookup_order \{.*\}|finish) · \d+\+\d+ tokens · lm \d+ms/);
    expect(r.stdout).toMatch(/^ {5}(→|error) {3,}\S/m);
    expect(r.stdout).toMatch(/^answer: /m);
  });

  it("puts the trajectory in --json --verbose", async () => {
    const r = await runCli(["run", file, "--input", '{"question": "Where is order A100?"}', "--verbose", "--json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.steps[0].trajectory.length).toBeGreaterThan(0);
    expect(out.steps[0].trajectory[0]).toHaveProperty("observation");
  });
});

import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runCli } from "../support/cli.js";

/*
 * The order-agent example end to end on sim: module tools, the MCP policy server, the react step.
 * Its baseline is neither hopeless nor perfect, and each of bootstrap, beam and gepa finds a
 * program better on dev and on test, without touching the tools.
 */
const PROGRAM = "programs/order-agent.yaml";

interface Scored {
  mean: number;
}
interface Report {
  runId: string;
  baseline: { dev: Scored; test?: Scored };
  best: { dev: Scored; test?: Scored; state: { steps: Record<string, { instruction: string; demos: Record<string, unknown>[] }> } };
}

describe("the order-agent example", () => {
  it("evaluates on sim strictly between 0 and 1, calling tools", async () => {
    const r = await runCli(["eval", PROGRAM, "--split", "dev", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { summary?: { mean?: number }; mean?: number; toolCalls?: number };
    const mean = out.summary?.mean ?? out.mean;
    expect(mean).toBeGreaterThan(0);
    expect(mean).toBeLessThan(1);
    expect(r.stdout).toMatch(/"toolCalls":\s*[1-9]/);
  });

  for (const optimizer of ["bootstrap", "beam", "gepa"]) {
    it(`${optimizer} improves dev and test, and leaves the tools as they were`, async () => {
      const db = path.join(os.tmpdir(), `dspx-order-agent-${optimizer}-${process.pid}.db`);
      const env = { DSPX_DB: db };
      const r = await runCli(["optimize", PROGRAM, "--optimizer", optimizer, "--json"], { env, timeoutMs: 240_000 });
      expect(r.code, r.stderr).toBe(0);
      const rep = JSON.parse(r.stdout) as Report;
      expect(rep.best.dev.mean).toBeGreaterThan(rep.baseline.dev.mean);
      expect(rep.best.test!.mean).toBeGreaterThan(rep.baseline.test!.mean);
      const learned = rep.best.state.steps["support"]!;
      if (optimizer === "bootstrap") {
        expect(learned.demos.length).toBeGreaterThan(0);
        for (const demo of learned.demos) expect(Array.isArray(demo["trajectory"])).toBe(true);
      }
      // The exported program (written elsewhere, its paths relocated) offers the very same tools.
      const file = path.join(mkdtempSync(path.join(os.tmpdir(), "dspx-order-agent-")), "exported.yaml");
      const exported = await runCli(["export", rep.runId, "-o", file], { env });
      expect(exported.code, exported.stderr).toBe(0);
      expect((parse(readFileSync(file, "utf8")) as { steps: Record<string, { instruction: string }> }).steps["support"]!.instruction).toBe(learned.instruction);
      const tools = async (program: string) => {
        const v = await runCli(["validate", program, "--json"]);
        expect(v.code, v.stderr).toBe(0);
        return (JSON.parse(v.stdout) as { tools: { name: string; description: string; parameters: unknown }[] }).tools.map(({ name, description, parameters }) => ({ name, description, parameters }));
      };
      expect(await tools(file)).toEqual(await tools(PROGRAM));
      // A whole optimization per test: on a loaded 2-core machine it can take minutes.
    }, 300_000);
  }
});

import os from "node:os";
import path from "node:path";
import { mkdtemp } from "node:fs/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { displayWidth } from "../../src/cli/text-width.js";
import { runCli } from "../support/cli.js";
import { runInTerminal } from "../support/terminal.js";

/**
 * The built CLI on real terminals of 60 and 80 columns: every line it prints fits, and colour
 * follows NO_COLOR and --no-color there too. (The layout itself is tested at 60, 80 and 120 columns
 * in table.test.ts.)
 */
const TRIAGE = "programs/support-triage.yaml";
let env: Record<string, string>;
let evalRun: string;
let optimizeRun: string;

beforeAll(async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "dspx-tables-"));
  env = { DSPX_DB: path.join(dir, "runs.db") };
  const e = await runCli(["eval", TRIAGE, "--limit", "12", "--json", "--name", "a baseline with a name long enough to need cutting"], { env });
  expect(e.code, e.stderr).toBe(0);
  evalRun = JSON.parse(e.stdout).runId;
  const o = await runCli(["optimize", TRIAGE, "--optimizer", "gepa", "--budget-calls", "400", "--json"], { env });
  expect(o.code, o.stderr).toBe(0);
  optimizeRun = JSON.parse(o.stdout).runId;
});

function tooWide(text: string, columns: number): string[] {
  return text.split("\n").filter((line) => displayWidth(line) > columns);
}

describe("tables on a terminal", () => {
  it("runs fits 60 and 80 columns; colour follows NO_COLOR and --no-color and is not counted as width; piped, it is tab-separated", async () => {
    for (const columns of [60, 80]) {
      const r = await runInTerminal(["runs"], columns, env);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(evalRun);
      expect(r.stdout).toContain("┌");
      expect(tooWide(r.stdout, columns)).toEqual([]);
      expect(r.stdout).not.toContain("\x1b[");
    }
    const plain = await runInTerminal(["--no-color", "runs"], 60, { ...env, NO_COLOR: undefined });
    expect(plain.stdout).toContain(evalRun);
    expect(plain.stdout).not.toContain("\x1b[");
    const coloured = await runInTerminal(["runs"], 60, { ...env, NO_COLOR: undefined });
    expect(coloured.stdout).toContain("\x1b[");
    expect(tooWide(coloured.stdout, 60)).toEqual([]);

    // In a pipe: tab-separated rows after a header, not padded, not boxed, nothing cut.
    const piped = await runCli(["runs"], { env });
    expect(piped.code).toBe(0);
    const lines = piped.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("run\tname\tkind\tprogram\tsplit\toptimizer\tstatus\tbest\tcalls\tcost\tstarted\ttook");
    expect(lines.slice(1).map((l) => l.split("\t")[0])).toEqual([optimizeRun, evalRun]);
    expect(lines[2]).toContain("\ta baseline with a name long enough to need cutting\teval\tsupport-triage\tdev\t–\t");
    expect(lines[1]).toContain("\toptimize\tsupport-triage\ttrain/dev\tgepa\t");
    for (const line of lines) {
      expect(line.split("\t")).toHaveLength(12);
      expect(line).not.toMatch(/\s$|[│┌─]/);
    }
  });

  it("show fits: an optimize run at 80 columns, an eval run at 60", async () => {
    const o = await runInTerminal(["show", optimizeRun], 80, env);
    expect(o.code).toBe(0);
    expect(o.stdout).toContain("candidates");
    expect(tooWide(o.stdout, 80)).toEqual([]);
    const e = await runInTerminal(["show", evalRun], 60, env);
    expect(e.code).toBe(0);
    expect(e.stdout).toContain("lowest-scoring examples");
    expect(tooWide(e.stdout, 60)).toEqual([]);
  });

  it("eval's lowest-scoring table fits 60 columns", async () => {
    const r = await runInTerminal(["eval", TRIAGE, "--limit", "12", "--no-record"], 60, env);
    expect(r.code).toBe(0);
    const table = r.stdout.slice(r.stdout.indexOf("lowest-scoring examples"));
    expect(table).toContain("│ example");
    expect(tooWide(table, 60)).toEqual([]);
  });

  it("compare fits 60 columns", async () => {
    const r = await runInTerminal(["compare", evalRun, optimizeRun, "--limit", "12"], 60, env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("B − A");
    expect(tooWide(r.stdout, 60)).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";

describe("dspx basics", () => {
  it("lists the commands in --help", async () => {
    const r = await runCli(["--help"]);
    expect(r.code).toBe(0);
    for (const cmd of ["validate", "run", "eval"]) expect(r.stdout).toContain(cmd);
  });

  it("explains in optimize --help which budget is in force when none of a kind is given", async () => {
    const help = await runCli(["optimize", "--help"]);
    expect(help.code).toBe(0);
    const text = help.stdout.replace(/\s+/g, " ");
    expect(text).toContain("default 2000, only when no budget of any kind is given");
    expect(text).toContain("with only --budget-usd, --budget-time or --budget-rollouts there is no LM-call limit");
  });

  it("prints the package version", async () => {
    const { version } = (await import("../../package.json", { with: { type: "json" } })).default as { version: string };
    const r = await runCli(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it("rejects an unknown command with exit 2 and a suggestion", async () => {
    const r = await runCli(["evall", "programs/support-triage.yaml"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'evall'");
    expect(r.stderr).toContain("eval");
    expect(r.stdout).toBe("");
  });

  it("rejects an unknown flag with exit 2", async () => {
    const r = await runCli(["eval", "programs/support-triage.yaml", "--concurency", "4"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--concurency'");
    expect(r.stderr).toContain("--concurrency");
  });

  it("rejects a bad flag value naming the flag and what was expected", async () => {
    const r = await runCli(["eval", "programs/support-triage.yaml", "--concurrency", "0"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--concurrency");
    expect(r.stderr).toContain("expected a positive whole number");
    const s = await runCli(["eval", "programs/support-triage.yaml", "--split", "validation"]);
    expect(s.code).toBe(2);
    expect(s.stderr).toContain("expected one of: train, dev, test");
  });

  it("reports a missing program file with exit 2 and no stack trace", async () => {
    const r = await runCli(["validate", "programs/nope.yaml"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("programs/nope.yaml: cannot read program file: file not found");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("running on sim", () => {
  const NOTICE = "no LM configured and no API key found: running on `sim`";

  it.each([
    ["eval", ["eval", "programs/support-triage.yaml", "--limit", "2"]],
    ["run", ["run", "programs/support-triage.yaml", "--input", '{"message":"I was charged twice"}']],
    ["optimize", ["optimize", "programs/support-triage.yaml", "--optimizer", "labeled"]],
  ])("%s says so once on stderr, and never on stdout", async (_, args) => {
    const r = await runCli(args);
    expect(r.code).toBe(0);
    expect(r.stderr.split(NOTICE)).toHaveLength(2);
    expect(r.stdout).not.toContain(NOTICE);
  });

  it("stays quiet when a model is named", async () => {
    const r = await runCli(["eval", "programs/support-triage.yaml", "--limit", "2", "--lm", "sim"]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain(NOTICE);
  });
});

import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "dspx-init-"));
});

const FILES = ["program.yaml", "metric.mjs", "data/train.jsonl", "data/dev.jsonl", "data/test.jsonl"];

describe("dspx init", () => {
  it("writes a project that validate, eval and optimize run at once on sim, and optimizing improves it", async () => {
    const dir = path.join(tmp, "fresh");
    const init = await runCli(["init", dir]);
    expect(init.code, init.stderr).toBe(0);
    for (const f of FILES) expect(existsSync(path.join(dir, f)), f).toBe(true);
    expect(init.stdout).toContain("created program.yaml, metric.mjs, data/train.jsonl, data/dev.jsonl, data/test.jsonl");
    expect(init.stdout).toMatch(/^ {2}cd .*fresh$/m);
    expect(init.stdout).toMatch(/^ {2}dspx optimize program\.yaml/m);
    // The program file explains itself.
    const program = await readFile(path.join(dir, "program.yaml"), "utf8");
    for (const section of ["inputs:", "outputs:", "steps:", "metric:", "data:", "optimize:"]) expect(program).toContain(section);
    expect(program.split("\n").filter((l) => l.trimStart().startsWith("#")).length).toBeGreaterThan(15);

    const validate = await runCli(["validate", "program.yaml"], { cwd: dir });
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stdout).toContain("issue-labeler is valid");
    expect(validate.stdout).toMatch(/train 24 · dev 12 · test 12 examples/);

    const evaluated = await runCli(["eval", "program.yaml", "--json"], { cwd: dir });
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const report = JSON.parse(evaluated.stdout);
    expect(report.summary.done).toBe(12);
    expect(report.summary.errors).toBe(0);
    // The custom metric's feedback reaches the results.
    expect(report.results.map((r: { feedback: string }) => r.feedback)).toContainEqual(expect.stringMatching(/^label: expected \w+, got \w+$/));

    const optimized = await runCli(["optimize", "program.yaml", "--budget-calls", "200", "--json"], { cwd: dir });
    expect(optimized.code, optimized.stderr).toBe(0);
    const result = JSON.parse(optimized.stdout);
    expect(result.best.dev.mean).toBeGreaterThan(result.baseline.dev.mean);
    expect(result.baseline.dev.mean).toBeCloseTo(report.summary.mean, 10);
  });

  it("writes into the current directory by default, next to files of the user's own", async () => {
    const dir = path.join(tmp, "here");
    await mkdir(dir);
    await writeFile(path.join(dir, "notes.txt"), "mine");
    const r = await runCli(["init"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain("cd ");
    for (const f of FILES) expect(existsSync(path.join(dir, f)), f).toBe(true);
    expect(await readFile(path.join(dir, "notes.txt"), "utf8")).toBe("mine");
  });

  it("refuses to overwrite: exit 2 naming every file that exists, and writes nothing", async () => {
    const dir = path.join(tmp, "taken");
    await mkdir(path.join(dir, "data"), { recursive: true });
    await writeFile(path.join(dir, "program.yaml"), "name: mine\n");
    await writeFile(path.join(dir, "data/dev.jsonl"), '{"x": 1}\n');
    const r = await runCli(["init", dir]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trim().split("\n");
    expect(lines).toEqual([
      expect.stringMatching(/^error: .*taken\/program\.yaml already exists \(--force overwrites it\)$/),
      expect.stringMatching(/^error: .*taken\/data\/dev\.jsonl already exists \(--force overwrites it\)$/),
    ]);
    expect(await readFile(path.join(dir, "program.yaml"), "utf8")).toBe("name: mine\n");
    expect(existsSync(path.join(dir, "metric.mjs"))).toBe(false);
    expect(existsSync(path.join(dir, "data/train.jsonl"))).toBe(false);

    const forced = await runCli(["init", dir, "--force"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(await readFile(path.join(dir, "program.yaml"), "utf8")).toContain("name: issue-labeler");
    expect(await readFile(path.join(dir, "data/dev.jsonl"), "utf8")).toContain('"label":');
  });

  it("refuses a directory where a file goes, even with --force, and a file where the project goes", async () => {
    const dir = path.join(tmp, "dir-in-the-way");
    await mkdir(path.join(dir, "metric.mjs"), { recursive: true });
    const r = await runCli(["init", dir, "--force"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: .*metric\.mjs already exists and is a directory$/m);
    expect(existsSync(path.join(dir, "program.yaml"))).toBe(false);

    const file = path.join(tmp, "a-file");
    await writeFile(file, "");
    const f = await runCli(["init", file]);
    expect(f.code).toBe(2);
    expect(f.stderr).toMatch(/^error: .*a-file exists and is not a directory$/m);
    expect(f.stderr).not.toMatch(/\n\s+at /);
  });

  it("is listed in dspx --help", async () => {
    const r = await runCli(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}init \[options\] \[dir\] +start a project/m);
  });
});

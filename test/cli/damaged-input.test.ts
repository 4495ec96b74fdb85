import { execFileSync } from "node:child_process";
import { constants as bufferLimits } from "node:buffer";
import { copyFile, mkdtemp, truncate, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, runCli, type CliResult } from "../support/cli.js";
import { startMockProvider, type MockProvider } from "../support/mock-provider.js";

/**
 * The corpus of damaged and unusual inputs: every one is refused with exit 2, one `error:` line that
 * names the file (and line, and column where there is one) or the flag, no stack trace, and nothing
 * started — never exit 1, a RangeError, a hang or a crash that takes every other run down with it.
 */

const PROGRAM = `name: damaged
inputs:
  message: string
outputs:
  team: route.team
steps:
  route:
    signature: "message -> team: enum(billing, other)"
metric:
  exact_match: team
`;
const ROW = '{"message": "refund please", "team": "billing"}';
const TRIAGE = "programs/support-triage.yaml";

let dir: string;
let mock: MockProvider;
/** A file of the corpus as dspx names it (relative to where it runs), made safe for a RegExp. */
const at = (name: string) => escape(path.relative(ROOT, path.join(dir, name)));
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

async function write(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

beforeAll(async () => {
  mock = await startMockProvider();
  dir = await mkdtemp(path.join(os.tmpdir(), "dspx-corpus-"));
  await write("program.yaml", PROGRAM);
  await write("deep.jsonl", `${ROW}\n{"message": "x", "team": ${"[".repeat(100_000)}${"]".repeat(100_000)}}\n`);
  // One good row, then a line one byte longer than the longest string: sparse, so it costs no disk.
  const big = await write("big.jsonl", `${ROW}\n`);
  await truncate(big, ROW.length + 1 + bufferLimits.MAX_STRING_LENGTH + 1);
  execFileSync("mkfifo", [path.join(dir, "pipe.jsonl")]);
  await write("deep-data.yaml", `${PROGRAM}data:\n  dev: deep.jsonl\n`);
  await write("device-data.yaml", `${PROGRAM}data:\n  train: /dev/urandom\n  dev: pipe.jsonl\n  test: /dev/zero\n`);
  await write("undefined-alias.yaml", PROGRAM.replace("team: route.team", "team: *team_ref"));
  const levels = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  for (let i = 1; i <= 9; i++) levels.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(", ")}]`);
  await write("bomb.yaml", `${levels.join("\n")}\n${PROGRAM}`);
  await write("ftp-base.yaml", PROGRAM.replace("metric:", "lm: { model: openai:gpt-4.1-mini, base_url: ftp://models.example/v1 }\nmetric:"));
  await write("inputs-deep.json", `{"message": ${"[".repeat(50_000)}${"]".repeat(50_000)}}`);
  await write("inputs-bad.json", '{\n  "message": "hi",\n  "team" oops\n}\n');
  await write("not-a-dir", "a file");
  execFileSync("mkdir", [path.join(dir, "reports")]);
});
afterAll(() => mock.close());

function expectRefused(r: CliResult, line: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  const errors = r.stderr.split("\n").filter((l) => l.startsWith("error:"));
  expect(errors, r.stderr).toHaveLength(1);
  expect(errors[0]).toMatch(line);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr).not.toMatch(/RangeError|TypeError|Maximum call stack/);
}

const inDir = (name: string) => path.join(dir, name);

describe("damaged and unusual input files", () => {
  it.each([
    ["eval: a row nested 100,001 levels deep", () => ["eval", inDir("program.yaml"), "--dataset", inDir("deep.jsonl")], () => new RegExp(`^error: ${at("deep.jsonl")}:2:\\d+: nested more than 100 levels deep`)],
    ["validate: the same row, named by data.dev", () => ["validate", inDir("deep-data.yaml")], () => new RegExp(`^error: ${at("deep.jsonl")}:2:\\d+: nested more than 100 levels deep`)],
    ["eval: a line longer than the longest string", () => ["eval", inDir("program.yaml"), "--dataset", inDir("big.jsonl")], () => new RegExp(`^error: ${at("big.jsonl")}:2: this line is longer than 512 MiB, the longest JavaScript can hold as a string`)],
    ["eval: a FIFO (must not block)", () => ["eval", inDir("program.yaml"), "--dataset", inDir("pipe.jsonl")], () => new RegExp(`^error: ${at("pipe.jsonl")}: dataset is a FIFO \\(named pipe\\), expected a JSONL file`)],
    ["eval: /dev/zero (must not read forever)", () => ["eval", inDir("program.yaml"), "--dataset", "/dev/zero"], () => new RegExp(`^error: ${escape(path.relative(ROOT, "/dev/zero"))}: dataset is a character device, expected a JSONL file`)],
    ["eval: /dev/urandom", () => ["eval", inDir("program.yaml"), "--dataset", "/dev/urandom"], () => /: dataset is a character device, expected a JSONL file/],
    ["run --input-file /dev/zero", () => ["run", inDir("program.yaml"), "--input-file", "/dev/zero"], () => /^error: \S*dev\/zero: input file is a character device, expected a JSON file .*--input-file -/],
    ["run --input-file a FIFO", () => ["run", inDir("program.yaml"), "--input-file", inDir("pipe.jsonl")], () => new RegExp(`^error: ${at("pipe.jsonl")}: input file is a FIFO`)],
    ["run --input-file nested too deeply", () => ["run", inDir("program.yaml"), "--input-file", inDir("inputs-deep.json")], () => new RegExp(`^error: ${at("inputs-deep.json")}:1:112: nested more than 100 levels deep`)],
    ["run --input-file with a syntax error on line 3", () => ["run", inDir("program.yaml"), "--input-file", inDir("inputs-bad.json")], () => new RegExp(`^error: ${at("inputs-bad.json")}:3:10: not valid JSON`)],
    ["validate: an undefined alias", () => ["validate", inDir("undefined-alias.yaml")], () => new RegExp(`^error: ${at("undefined-alias.yaml")}:5:9: the alias \\*team_ref names no anchor`)],
    ["eval: a billion-laughs program", () => ["eval", inDir("bomb.yaml")], () => new RegExp(`^error: ${at("bomb.yaml")}:5:\\d+: aliases nest too deeply here`)],
    ["run: a billion-laughs program", () => ["run", inDir("bomb.yaml"), "--input", '{"message": "x"}'], () => new RegExp(`^error: ${at("bomb.yaml")}:5:\\d+: aliases nest too deeply here`)],
    ["validate: a program file that is a FIFO", () => ["validate", inDir("pipe.jsonl")], () => new RegExp(`^error: ${at("pipe.jsonl")}: program file is a FIFO`)],
  ])("%s", async (_case, args, line) => {
    expectRefused(await runCli(args()), line());
  });

  it("validate names every unreadable dataset of the program at once", async () => {
    const r = await runCli(["validate", inDir("device-data.yaml")]);
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n").filter((l) => l.startsWith("error:"))).toEqual([
      expect.stringMatching(/^error: \S*dev\/urandom: dataset is a character device, expected a JSONL file .*named by `data\.train` at /),
      expect.stringMatching(new RegExp(`^error: ${at("pipe.jsonl")}: dataset is a FIFO \\(named pipe\\), expected a JSONL file .*named by \`data\\.dev\` at `)),
      expect.stringMatching(/^error: \S*dev\/zero: dataset is a character device, expected a JSONL file .*named by `data\.test` at /),
    ]);
  });
});

describe("flags refused before anything starts", () => {
  it.each([
    ["--junit naming a folder", () => ["eval", TRIAGE, "--limit", "2", "--junit", inDir("reports")], () => new RegExp(`^error: option '--junit <file>' argument '${escape(inDir("reports"))}' is invalid\\. .* is a directory`)],
    ["--output under a file", () => ["eval", TRIAGE, "--limit", "2", "--output", inDir("not-a-dir/results.jsonl")], () => /^error: option '--output <file.jsonl>' argument .* is invalid\. .*not-a-dir is a file, so nothing can be written under it/],
    ["--base-url that is not a URL", () => ["eval", TRIAGE, "--lm", "openai:gpt-4.1-mini", "--base-url", "not a url"], () => /^error: option '--base-url <url>' argument 'not a url' is invalid\. expected an http:\/\/ or https:\/\/ URL/],
    ["--base-url with another scheme", () => ["eval", TRIAGE, "--lm", "openai:gpt-4.1-mini", "--base-url", "ftp://127.0.0.1/v1"], () => /^error: option '--base-url <url>' .* got a ftp: URL/],
    ["resume --base-url with another scheme", () => ["resume", "abcd1234", "--base-url", "file:///etc/passwd"], () => /^error: option '--base-url <url>' .* got a file: URL/],
    ["lm.base_url with another scheme", () => ["validate", inDir("ftp-base.yaml")], () => new RegExp(`^error: ${at("ftp-base.yaml")}:\\d+:\\d+: .*expected an http:// or https:// URL`)],
  ])("%s", async (_case, args, line) => {
    mock.reset();
    const r = await runCli(args(), { env: { OPENAI_API_KEY: "sk-test-key-000000000000" } });
    expectRefused(r, line());
    expect(r.stdout).toBe("");
  });

  it("OPENAI_BASE_URL with another scheme names the variable, before any call", async () => {
    const r = await runCli(["eval", TRIAGE, "--limit", "2", "--lm", "openai:gpt-4.1-mini"], { env: { OPENAI_API_KEY: "sk-test-key-000000000000", OPENAI_BASE_URL: "file:///tmp/x" } });
    expectRefused(r, /^error: OPENAI_BASE_URL: expected an http:\/\/ or https:\/\/ URL .* got a file: URL/);
  });
});

describe("a damaged database", () => {
  let good: string;
  let evalRun: string;
  let optRun: string;

  beforeAll(async () => {
    good = inDir("good.db");
    const e = await runCli(["eval", TRIAGE, "--limit", "3", "--json"], { env: { DSPX_DB: good } });
    evalRun = JSON.parse(e.stdout).runId;
    const o = await runCli(["optimize", TRIAGE, "--optimizer", "labeled", "--budget-calls", "300", "--json"], { env: { DSPX_DB: good } });
    expect(o.code, o.stderr).toBe(0);
    optRun = JSON.parse(o.stdout).runId;
  });

  /** A copy of the good database with `sql` run on it. */
  async function damaged(name: string, sql: string): Promise<string> {
    const file = inDir(name);
    await copyFile(good, file);
    const raw = new Database(file);
    raw.exec(sql);
    raw.close();
    return file;
  }

  it("a run with invalid JSON in its config breaks only that run: runs lists it, show and resume of the others work", async () => {
    const db = await damaged("config.db", `UPDATE runs SET config = '{"model": ' WHERE id = '${evalRun}'; UPDATE runs SET status = 'interrupted' WHERE id = '${optRun}'`);
    const env = { DSPX_DB: db };
    const runs = await runCli(["runs", "--json"], { env });
    expect(runs.code, runs.stderr).toBe(0);
    expect(JSON.parse(runs.stdout).runs).toEqual([
      expect.objectContaining({ id: optRun, status: "interrupted" }),
      expect.objectContaining({ id: evalRun, status: "damaged", damaged: expect.stringMatching(/^its `config` is not valid JSON/) }),
    ]);
    const table = await runCli(["runs"], { env });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`${evalRun}\\s.*damaged`));
    expect(table.stderr).toContain(`run ${evalRun} is damaged: its \`config\` is not valid JSON`);
    expectRefused(await runCli(["show", evalRun], { env }), new RegExp(`^error: ${at("config.db")}: run ${evalRun} is damaged: its \`config\` is not valid JSON`));
    expect((await runCli(["show", optRun, "--json"], { env })).code).toBe(0);
    const resumed = await runCli(["resume", optRun, "--json"], { env });
    expect(resumed.code, resumed.stderr).toBe(0);
  });

  it.each([
    ["does not parse", "garbage", /its checkpoint is not valid JSON/],
    ["has the wrong shape", '{"v": 1, "step": 1}', /its checkpoint does not have the expected shape \(\w+: /],
  ])("a checkpoint that %s says so, naming the run and the file", async (_what, state, reason) => {
    const db = await damaged("checkpoint.db", `UPDATE checkpoints SET state = '${state}' WHERE run_id = '${optRun}'; UPDATE runs SET status = 'interrupted' WHERE id = '${optRun}'`);
    const r = await runCli(["resume", optRun], { env: { DSPX_DB: db } });
    expectRefused(r, new RegExp(`^error: ${at("checkpoint.db")}: run ${optRun} is damaged: ${reason.source}`));
  });

  it.each([0, -1])("user_version %i over existing tables is reported as damaged", async (version) => {
    const db = await damaged(`version${version}.db`, `PRAGMA user_version = ${version}`);
    for (const args of [["runs"], ["eval", TRIAGE, "--limit", "1"]]) {
      expectRefused(await runCli(args, { env: { DSPX_DB: db } }), new RegExp(`^error: ${at(`version${version}.db`)}: the file is damaged`));
    }
  });
});

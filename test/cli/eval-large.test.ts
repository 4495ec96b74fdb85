import { mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT, runCli } from "../support/cli.js";
import { children, parseXml } from "./report/xml-check.js";

const TRIAGE = "programs/support-triage.yaml";
let dir: string;
/** The support-triage messages (every split), to build datasets of any size from. */
let rows: Record<string, unknown>[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "dspx-eval-large-"));
  for (const split of ["train", "dev", "test"]) {
    const text = await readFile(path.join(ROOT, `datasets/support-triage/${split}.jsonl`), "utf8");
    for (const line of text.split("\n")) if (line.trim()) rows.push(JSON.parse(line) as Record<string, unknown>);
  }
});

/** n distinct examples (each message given a reference number, so no two prompts are the same). */
async function dataset(n: number): Promise<string> {
  const file = path.join(dir, `triage-${n}.jsonl`);
  const lines = Array.from({ length: n }, (_, i) => {
    const r = rows[i % rows.length]!;
    return JSON.stringify({ ...r, id: `x-${i}`, message: `${String(r.message)} (ref #${i})` });
  });
  await writeFile(file, `${lines.join("\n")}\n`);
  return file;
}

function tableCounts(db: string): Record<string, number> {
  const conn = new Database(db, { readonly: true });
  try {
    return Object.fromEntries(["runs", "evaluations", "run_results"].map((t) => [t, (conn.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n]));
  } finally {
    conn.close();
  }
}

describe("dspx eval on large datasets", () => {
  it("writes no run and no per-example row with --no-record, and still reuses what was recorded", async () => {
    const db = path.join(dir, "no-record.db");
    const first = await runCli(["eval", TRIAGE, "--no-record", "--json"], { env: { DSPX_DB: db } });
    expect(first.code).toBe(0);
    expect(tableCounts(db)).toEqual({ runs: 0, evaluations: 0, run_results: 0 });

    const recorded = await runCli(["eval", TRIAGE, "--json"], { env: { DSPX_DB: db } });
    const counts = tableCounts(db);
    expect(counts.runs).toBe(1);
    const total = JSON.parse(recorded.stdout).summary.total as number;
    expect(counts.evaluations).toBe(total);

    const reused = JSON.parse((await runCli(["eval", TRIAGE, "--no-record", "--json"], { env: { DSPX_DB: db } })).stdout);
    expect(reused.summary.memoized).toBe(total);
    expect(reused.summary.mean).toBe(JSON.parse(recorded.stdout).summary.mean);
    expect(tableCounts(db)).toEqual(counts);
  });

  it("details the first 1,000 results in --json, counts the rest, lists the lowest, and says so on stderr", async () => {
    const file = await dataset(1200);
    const r = await runCli(["eval", TRIAGE, "--dataset", file, "--json", "--no-record", "--show", "3"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.summary.done).toBe(1200);
    expect(report.results).toHaveLength(1000);
    expect(report.results.map((x: { id: string }) => x.id)).toEqual(Array.from({ length: 1000 }, (_, i) => `x-${i}`));
    expect(report.resultsOmitted).toBe(200);
    expect(report.lowest).toHaveLength(3);
    for (const low of report.lowest) expect(low.score).toBeLessThanOrEqual(report.lowest[2].score);
    expect(r.stderr).toContain("--json details the first 1,000 of 1,200 results");
  });

  it("streams a JUnit report with one test case per example, and leaves no scratch file", async () => {
    const file = await dataset(1500);
    const tmp = await mkdtemp(path.join(dir, "tmp-"));
    // The folder must exist: dspx creates none.
    await mkdir(path.join(dir, "reports"), { recursive: true });
    const xmlFile = path.join(dir, "reports", "eval.xml");
    const r = await runCli(["eval", TRIAGE, "--dataset", file, "--junit", xmlFile, "--pass-score", "0.5", "--json", "--no-record"], { env: { TMPDIR: tmp } });
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout).summary;
    const root = parseXml(await readFile(xmlFile, "utf8"));
    const suite = children(root, "testsuite")[0]!;
    const cases = children(suite, "testcase");
    expect(cases).toHaveLength(1500);
    expect(new Set(cases.map((c) => c.attrs.name)).size).toBe(1500);
    expect(suite.attrs.tests).toBe("1500");
    const failures = cases.filter((c) => children(c, "failure").length > 0).length;
    expect(suite.attrs.failures).toBe(String(failures));
    expect(Number(suite.attrs.errors)).toBe(summary.errors);
    expect(await readdir(tmp)).toEqual([]);
  });

  it("says an empty dataset scored nothing, not that every example scored 1, and fails a threshold", async () => {
    const empty = path.join(dir, "empty.jsonl");
    await writeFile(empty, "");
    const r = await runCli(["eval", TRIAGE, "--dataset", empty]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("no examples were evaluated");
    expect(r.stdout).not.toContain("every example scored 1");
    const gated = await runCli(["eval", TRIAGE, "--dataset", empty, "--threshold", "0.5"]);
    expect(gated.code).toBe(1);
    expect(gated.stderr).toContain("no example was scored, so the score cannot meet the threshold 0.500");
  });

  it("evaluates 20,000 examples with every output on within a 64 MB heap (per-example results are not kept)", async () => {
    const file = await dataset(20_000);
    const xmlFile = path.join(dir, "big.xml");
    const jsonl = path.join(dir, "big.jsonl");
    const r = await runCli(["eval", TRIAGE, "--dataset", file, "--junit", xmlFile, "--output", jsonl, "--json", "--concurrency", "16"], {
      nodeArgs: ["--max-old-space-size=64"],
      timeoutMs: 280_000,
    });
    expect(r.stderr).not.toContain("heap out of memory");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).summary.done).toBe(20_000);
    expect((await readFile(jsonl, "utf8")).trimEnd().split("\n")).toHaveLength(20_000);
    expect((await readFile(xmlFile, "utf8")).match(/<testcase /g)).toHaveLength(20_000);
  }, 300_000);
});

import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { storeMemo } from "../../src/evaluate/memo.js";
import type { ExampleResult } from "../../src/evaluate/types.js";
import type { Example } from "../../src/program/example.js";
import { Store } from "../../src/store/store.js";
import { result as fixture } from "../cli/report/fixtures.js";
import { EVAL_CONFIG } from "../support/run-configs.js";

const fingerprints = { program: "p", lm: "sim", metric: "m" };
const example = (id: string): Example => ({ id, inputs: { message: `m${id}` }, labels: { team: "billing" } });
const result = (id: string, index: number): ExampleResult =>
  fixture(id, index, { score: 0.5, trace: [{ step: "route", module: "predict", inputs: { message: `m${id}` }, calls: [], latencyMs: 1 }], costUsd: 0.01, nominal: { calls: 1, costUsd: 0.01 } });

async function openStore(): Promise<{ store: Store; file: string }> {
  const file = path.join(await mkdtemp(path.join(os.tmpdir(), "dspx-memo-")), "dspx.db");
  return { store: Store.open(file), file };
}

function count(file: string, table: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe("storeMemo", () => {
  it("finds an evaluation that is still being written, once it is committed", async () => {
    const { store } = await openStore();
    const memo = storeMemo({ evaluations: store.evaluations, fingerprints, candidate: "c" });
    expect(await memo.get(example("1"), 0)).toBeUndefined();
    await memo.put(example("1"), result("1", 0));
    // Not committed yet: the lookup waits for the commit instead of holding the row in memory.
    const again = memo.get(example("1"), 3);
    expect(again).toBeInstanceOf(Promise);
    const found = await again;
    expect(found).toMatchObject({ exampleId: "1", index: 3, score: 0.5, memoized: true, outputs: { team: "billing" }, calls: 0, nominal: { calls: 1, costUsd: 0.01 } });
    expect(found!.trace).toEqual(result("1", 0).trace);
    await store.close();
  });

  it("with record: false reuses earlier evaluations and writes nothing", async () => {
    const { store, file } = await openStore();
    const recording = storeMemo({ evaluations: store.evaluations, fingerprints, candidate: "c" });
    await recording.put(example("1"), result("1", 0));
    await store.flush();
    const readOnly = storeMemo({ evaluations: store.evaluations, fingerprints, candidate: "c", record: false });
    const reused = await readOnly.get(example("1"), 0);
    expect(reused?.memoized).toBe(true);
    await readOnly.put(example("1"), reused!);
    expect(await readOnly.get(example("2"), 1)).toBeUndefined();
    await readOnly.put(example("2"), result("2", 1));
    await store.close();
    expect(count(file, "evaluations")).toBe(1);
  });

  it("with reuse: false evaluates again but still records, linking each result to the run", async () => {
    const { store, file } = await openStore();
    store.runs.create({ id: "r1", kind: "eval", programName: "p", programFile: "p.yaml", programHash: "h", programSource: "", config: EVAL_CONFIG });
    const first = storeMemo({ evaluations: store.evaluations, fingerprints, candidate: "c" });
    await first.put(example("1"), result("1", 0));
    await store.flush();
    const again = storeMemo({ evaluations: store.evaluations, fingerprints, candidate: "c", reuse: false, link: { runId: "r1", dataset: "dev" } });
    expect(await again.get(example("1"), 0)).toBeUndefined();
    await again.put(example("1"), result("1", 0));
    await store.close();
    expect(count(file, "evaluations")).toBe(2);
    expect(count(file, "run_results")).toBe(1);
  });
});

import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { evaluationKey, storeMemo, toRow } from "../../src/evaluate/memo.js";
import { canonicalJson, hashOf, sha256 } from "../../src/util/canonical.js";
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

describe("evaluation keys and stored examples", () => {
  const rows: Example[] = [
    { id: "t-1", inputs: { ticket: "My card was charged twice", meta: { n: 2, tags: ["b", "a"] } }, labels: { label: "billing", note: undefined, z: null } },
    { id: 'quote"d\\id', inputs: { "ünï\u2028": "x\ny", b: [1.5, -0, 1e21, { z: 1, a: [] }] }, labels: {} },
    { id: "e", inputs: {}, labels: { gold: { when: new Date(0) } as unknown as string } },
  ];

  it("are the keys and blobs earlier runs stored (pinned: a changed encoding would orphan every stored evaluation)", () => {
    const [ex] = rows;
    expect(evaluationKey({ program: "p".repeat(64), lm: "l", metric: "m" }, "cand", ex!)).toBe("82082f4c458eb144734b3756d9f3ca3b6434d98eee0833a4f3053a5b24b0c6a1");
    expect(toRow(result("t-1", 0), ex!).row.exampleHash).toBe("d2423ba29275187973bca797c78f2e3015b3ce26ce0dedef31f5c0fa16cd66cd");
  });

  it("equal the canonical JSON of the whole key object and of { inputs, gold }, for any row", () => {
    for (const ex of rows) {
      expect(evaluationKey(fingerprints, "c", ex)).toBe(hashOf({ v: 1, ...fingerprints, candidate: "c", example: { id: ex.id, inputs: ex.inputs, labels: ex.labels } }));
      const { blobs } = toRow(result(ex.id, 0), ex);
      const stored = blobs.at(-1)!;
      expect(stored.content).toBe(canonicalJson({ inputs: ex.inputs, gold: ex.labels }));
      expect(stored.hash).toBe(sha256(stored.content));
    }
  });
});

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

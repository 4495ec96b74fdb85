import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { mainDataset, readRunConfig, recordedLmOf, RUN_CONFIG_VERSION, writeRunConfig } from "../../src/store/run-config.js";
import { isDamaged } from "../../src/store/runs-store.js";
import { Store } from "../../src/store/store.js";
import { EVAL_CONFIG, OPTIMIZE_CONFIG } from "../support/run-configs.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

// What the writers before the version stored, verbatim (see test/store/fixtures/make-pre-version.mjs).
const V1_EVAL = { dataset: "dev", model: "sim", lm: { defaultModel: "sim", env: {} }, concurrency: 8, limit: 6 };
const V1_EVAL_OLDEST = { dataset: "test", model: "openai:gpt-4.1-mini", concurrency: 8, limit: 4 };
const V1_OPTIMIZE = {
  optimizer: "gepa",
  settings: { minibatch: 16, merges: 5, merge_subsample: 8, iterations: 0 },
  seed: 0,
  concurrency: 8,
  limits: { calls: 900 },
  devset: "dev",
  data: { train: { file: "/d/train.jsonl", sha256: "b8" }, dev: { splitFromTrain: true }, test: { file: "/d/test.jsonl", sha256: "69" } },
  lm: { override: "sim?latency=5ms", cache: true, env: {} },
};

const readBoth = (kind: "eval" | "optimize", json: unknown) => {
  const r = readRunConfig(kind, json);
  if (!r.ok) throw new Error(r.problem);
  return r.value;
};
const read = (kind: "eval" | "optimize", json: unknown) => readBoth(kind, json).config;

describe("the stored run configuration", () => {
  it("is written with its version, and reads back as it was written", () => {
    const text = writeRunConfig("optimize", OPTIMIZE_CONFIG);
    expect(JSON.parse(text)).toMatchObject({ version: RUN_CONFIG_VERSION });
    expect(read("optimize", JSON.parse(text))).toEqual(OPTIMIZE_CONFIG);
    expect(read("eval", JSON.parse(writeRunConfig("eval", EVAL_CONFIG)))).toEqual(EVAL_CONFIG);
  });

  it("refuses to write a configuration of the wrong shape", () => {
    expect(() => writeRunConfig("eval", { ...EVAL_CONFIG, concurrency: "8" } as never)).toThrow();
  });

  it("reads version 1 (no version key) and version 2: an optimize run of one optimizer as one stage, the first eval runs' `model` as the model a step naming none ran on", () => {
    expect(read("eval", V1_EVAL)).toEqual(V1_EVAL);
    // An optimize run of one optimizer is read as a run of one stage (version 3's `stages`).
    const { optimizer, settings, ...rest } = V1_OPTIMIZE;
    expect(read("optimize", V1_OPTIMIZE)).toEqual({ optimizer, stages: [{ optimizer, settings }], ...rest });
    expect(read("optimize", { version: 2, ...V1_OPTIMIZE })).toEqual({ optimizer, stages: [{ optimizer, settings }], ...rest });
    // Read as stored (`dspx show` shows what was recorded, in that order) …
    const oldest = read("eval", V1_EVAL_OLDEST);
    expect(oldest).toEqual(V1_EVAL_OLDEST);
    expect(Object.keys(oldest)).toEqual(["dataset", "model", "concurrency", "limit"]);
    // … and its LM settings are the model a step naming none ran on.
    expect(recordedLmOf(oldest)).toEqual({ defaultModel: "openai:gpt-4.1-mini" });
    expect(recordedLmOf(read("eval", V1_EVAL))).toEqual(V1_EVAL.lm);
  });

  it("names the main dataset of either kind without guessing", () => {
    expect(mainDataset(readBoth("eval", V1_EVAL_OLDEST))).toBe("test");
    expect(mainDataset(readBoth("optimize", V1_OPTIMIZE))).toBe("dev");
  });

  it("says what is wrong with a configuration it cannot read: a newer version, a missing field, a field of the wrong type", () => {
    const newer = readRunConfig("eval", { ...EVAL_CONFIG, version: 4 });
    expect(newer.ok === false && newer.problem).toMatch(/has version 4, which this dspx does not read \(it reads versions 1 to 3;/);
    const { data: _data, ...noData } = V1_OPTIMIZE;
    const missing = readRunConfig("optimize", noData);
    expect(missing.ok === false && missing.problem).toMatch(/does not have the expected shape \(data: /);
    const wrong = readRunConfig("eval", { ...V1_EVAL, lm: { override: 5 } });
    expect(wrong.ok === false && wrong.problem).toMatch(/lm\.override/);
    // An optimize configuration is not an eval one.
    expect(readRunConfig("eval", V1_OPTIMIZE).ok).toBe(false);
  });

  it("is read through the schema by the store: a version-1 row reads as stored (its LM settings from recordedLmOf), a damaged one is listed as damaged", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "dspx-run-config-"));
    dirs.push(dir);
    const file = path.join(dir, "dspx.db");
    (await Store.open(file).close());
    const sql = new Database(file);
    const insert = sql.prepare(
      "INSERT INTO runs (id, kind, name, program_name, program_file, program_hash, program_source, config, seed, status, pid, started_at, updated_at, totals) VALUES (?, ?, NULL, 'p', '/p.yaml', 'h', '', ?, NULL, 'done', NULL, ?, ?, '{}')",
    );
    insert.run("old00001", "eval", JSON.stringify(V1_EVAL_OLDEST), 1, 1);
    insert.run("bad00001", "optimize", JSON.stringify({ ...V1_OPTIMIZE, version: 7 }), 2, 2);
    sql.close();
    const store = Store.open(file, { write: false });
    try {
      const old = store.runs.get("old00001")!;
      expect(old.kind === "eval" && recordedLmOf(old.config)).toEqual({ defaultModel: "openai:gpt-4.1-mini" });
      const bad = store.runs.list().find((r) => r.id === "bad00001")!;
      expect(isDamaged(bad) && bad.damaged).toMatch(/its `config` has version 7/);
    } finally {
      await store.close();
    }
  });
});

import { chmod, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/db.js";
import { MIGRATIONS, LATEST_VERSION } from "../../src/store/migrations.js";
import { UserError } from "../../src/util/errors.js";
import { EVAL_CONFIG } from "../support/run-configs.js";

async function tmp(name = "dspx.db") {
  return path.join(await mkdtemp(path.join(os.tmpdir(), "dspx-db-")), name);
}

describe("the dspx database", () => {
  it("creates the file in WAL mode at the latest schema", async () => {
    const file = await tmp();
    const db = openDatabase(file);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("user_version", { simple: true })).toBe(LATEST_VERSION);
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    db.close();
  });

  it("upgrades an older file in place, keeping its rows", async () => {
    const file = await tmp();
    const old = openDatabase(file, { migrations: MIGRATIONS.slice(0, 1) });
    old.prepare("INSERT INTO lm_cache (key, provider, model, response, response_model, prompt_tokens, completion_tokens, cached_tokens, cost_usd, latency_ms, created_at) VALUES (x'00','openai','m','r','m',1,1,0,0,1,1)").run();
    old.close();
    const db = openDatabase(file);
    expect(db.pragma("user_version", { simple: true })).toBe(LATEST_VERSION);
    expect(db.prepare("SELECT COUNT(*) AS n FROM lm_cache").get()).toEqual({ n: 1 });
    db.close();
  });

  it("refuses a file written by a newer dspx, naming the versions", async () => {
    const file = await tmp();
    const raw = new Database(file);
    raw.pragma(`user_version = ${LATEST_VERSION + 5}`);
    raw.close();
    expect(() => openDatabase(file)).toThrow(UserError);
    expect(() => openDatabase(file)).toThrow(`newer dspx (schema version ${LATEST_VERSION + 5}; this dspx knows up to ${LATEST_VERSION})`);
  });

  it("reports a file that is not a database clearly", async () => {
    const file = await tmp();
    await writeFile(file, "this is not sqlite ".repeat(200));
    expect(() => openDatabase(file)).toThrow(/not a dspx database or is corrupt/);
  });

  it("reports a read-only location clearly", async () => {
    if (process.getuid?.() === 0) return; // root writes anywhere; nothing to test
    const dir = await mkdtemp(path.join(os.tmpdir(), "dspx-ro-"));
    await chmod(dir, 0o500);
    expect(() => openDatabase(path.join(dir, "dspx.db"))).toThrow(/read-only|cannot be opened/);
  });

  it("lets two connections (two processes) use one file side by side", async () => {
    const file = await tmp();
    const a = openDatabase(file);
    const b = openDatabase(file);
    a.prepare("INSERT INTO lm_cache (key, provider, model, response, response_model, prompt_tokens, completion_tokens, cached_tokens, cost_usd, latency_ms, created_at) VALUES (x'0a','p','m','r','m',1,1,0,0,1,1)").run();
    expect(b.prepare("SELECT hex(key) AS key FROM lm_cache").all()).toEqual([{ key: "0A" }]);
    a.close();
    b.close();
  });
});

describe("the runs table", () => {
  it("lists runs that started in the same millisecond newest first, by insertion, whatever the query plan", async () => {
    const { Store } = await import("../../src/store/store.js");
    const file = await tmp();
    const store = Store.open(file);
    const ids = ["mmmm0001", "zzzz0002", "aaaa0003", "mmmm0004"];
    for (const id of ids) store.runs.create({ id, kind: "eval", programName: "p", programFile: "/p.yaml", programHash: "h", programSource: "", config: EVAL_CONFIG, startedAt: 1_000 });
    await store.flush();
    expect(store.runs.list({}).map((r) => r.id)).toEqual([...ids].reverse());
    await store.close();
    // Without the started_at index the order comes from a sort, not the index: still by insertion.
    const raw = new Database(file);
    raw.exec("DROP INDEX runs_started_at");
    raw.close();
    const again = Store.open(file);
    expect(again.runs.list({}).map((r) => r.id)).toEqual([...ids].reverse());
    expect(() => again.runs.resolve("mmmm")).toThrow(/matches several runs \(mmmm0004, mmmm0001\)/);
    await again.close();
  });
});

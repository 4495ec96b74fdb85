import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { Store } from "../../src/store/store.js";
import { BACKLOG_LIMIT, type StoreWriter } from "../../src/store/writer.js";
import { UserError } from "../../src/util/errors.js";

const entry = (text: string) => ({ provider: "p", model: "m", text, responseModel: "m", usage: { promptTokens: 1, completionTokens: 1, cachedTokens: 0 }, costUsd: 0, latencyMs: 1, createdAt: 0 });
const key = (i: number) => i.toString(16).padStart(64, "0");

async function freshStore(): Promise<{ store: Store; file: string }> {
  const file = path.join(await mkdtemp(path.join(os.tmpdir(), "dspx-backpressure-")), "dspx.db");
  return { store: Store.open(file), file };
}

describe("the writer's backpressure", () => {
  it("makes a producer wait once the uncommitted backlog reaches the limit, and loses nothing", async () => {
    const { store, file } = await freshStore();
    const writer = store.writer as StoreWriter;
    const text = "x".repeat(10_000);
    const n = Math.ceil((3 * BACKLOG_LIMIT) / text.length);
    let waits = 0;
    let peak = 0;
    for (let i = 0; i < n; i++) {
      store.cache.put(key(i), entry(text));
      peak = Math.max(peak, writer.backlog);
      const room = writer.room();
      if (room) {
        waits++;
        await room;
        // Released only once commits brought it down to half the limit.
        expect(writer.backlog).toBeLessThanOrEqual(BACKLOG_LIMIT / 2);
      }
    }
    expect(waits).toBeGreaterThan(0);
    // Never more than the limit plus the one write that crossed it.
    expect(peak).toBeLessThan(BACKLOG_LIMIT + text.length + 1_000);
    await store.close();
    expect(writer.backlog).toBe(0);
    const db = new Database(file, { readonly: true });
    expect(db.prepare("SELECT COUNT(*) AS n FROM lm_cache").get()).toEqual({ n });
    db.close();
  });

  it("has room at once while the backlog is small", async () => {
    const { store } = await freshStore();
    store.cache.put(key(1), entry("small"));
    expect(store.writer.room()).toBeUndefined();
    await store.close();
  });

  it("lets a waiting producer go when the writer fails, and the next write reports the failure", async () => {
    const { store } = await freshStore();
    // A row the database refuses (NOT NULL provider) fails the first batch, which the rest follow.
    store.writer.write({ name: "cache.put", params: { ...Object.fromEntries(Object.keys(entry("")).map((k) => [k, null])), key: key(999_999), response: "r", responseModel: "m" } });
    const text = "x".repeat(100_000);
    for (let i = 0; store.writer.room() === undefined; i++) store.cache.put(key(i), entry(text));
    await store.writer.room();
    expect(() => store.cache.put(key(1_000_000), entry("after"))).toThrow(UserError);
    await store.close().catch(() => {});
  });
});

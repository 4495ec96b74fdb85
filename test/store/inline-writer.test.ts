import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { InlineWriter } from "../../src/store/inline-writer.js";
import { Store } from "../../src/store/store.js";
import { StoreWriter } from "../../src/store/writer.js";
import { OPTIMIZE_CONFIG } from "../support/run-configs.js";

const stores: Store[] = [];
afterEach(async () => {
  delete process.env.DSPX_BENCH_INLINE_WRITER;
  for (const s of stores.splice(0)) await s.close();
});

async function open(): Promise<Store> {
  const store = Store.open(path.join(await mkdtemp(path.join(os.tmpdir(), "dspx-inline-")), "dspx.db"));
  stores.push(store);
  return store;
}

function makeRun(store: Store): void {
  store.runs.create({ id: "r1", kind: "optimize", programName: "p", programFile: "/p.yaml", programHash: "h", programSource: "", config: OPTIMIZE_CONFIG });
}

/** The simple synchronous path the overhead benchmark measures the writer thread against. */
describe("the inline writer (DSPX_BENCH_INLINE_WRITER=1)", () => {
  it("commits each write at once on the main thread: readable before any flush", async () => {
    process.env.DSPX_BENCH_INLINE_WRITER = "1";
    const store = await open();
    expect(store.writer).toBeInstanceOf(InlineWriter);
    makeRun(store);
    store.runs.update("r1", { totals: { calls: 3 } });
    expect(store.runs.get("r1")!.totals).toMatchObject({ calls: 3 });
  });

  it("is not used unless asked for: the writer thread is the default, and commits after the turn", async () => {
    const store = await open();
    expect(store.writer).toBeInstanceOf(StoreWriter);
    makeRun(store);
    store.runs.update("r1", { totals: { calls: 3 } });
    expect(store.runs.get("r1")!.totals).not.toMatchObject({ calls: 3 });
    await store.flush();
    expect(store.runs.get("r1")!.totals).toMatchObject({ calls: 3 });
  });
});

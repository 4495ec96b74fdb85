import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Store } from "../../src/store/store.js";
import { OPTIMIZE_CONFIG } from "../support/run-configs.js";

let open: Store[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

async function fresh(): Promise<string> {
  return path.join(await mkdtemp(path.join(os.tmpdir(), "dspx-runs-store-")), "dspx.db");
}

/** A store as a new process opens it: nothing of an earlier one's memory. */
function openStore(file: string): Store {
  const s = Store.open(file);
  open.push(s);
  return s;
}

function makeRun(store: Store, id: string): void {
  store.runs.create({ id, kind: "optimize", programName: "p", programFile: "/p.yaml", programHash: "h", programSource: "", config: OPTIMIZE_CONFIG });
}

describe("a run's candidates", () => {
  it("are numbered in creation order, and one met again (a resumed process replaying a step) keeps its number", async () => {
    const file = await fresh();
    const first = openStore(file);
    makeRun(first, "run1");
    expect(first.runs.addCandidate("run1", { hash: "a", state: {}, origin: "program" })).toBe(0);
    expect(first.runs.addCandidate("run1", { hash: "b", state: {}, origin: "x" })).toBe(1);
    expect(first.runs.addCandidate("run1", { hash: "a", state: {}, origin: "program" })).toBe(0);
    await first.close();

    const second = openStore(file);
    expect(second.runs.addCandidate("run1", { hash: "a", state: {}, origin: "program" })).toBe(0);
    expect(second.runs.addCandidate("run1", { hash: "b", state: {}, origin: "x" })).toBe(1);
    expect(second.runs.addCandidate("run1", { hash: "c", state: {}, origin: "x" })).toBe(2);
    await second.flush();
    expect(second.runs.candidates("run1").map((c) => `${c.seq} ${c.hash}`)).toEqual(["0 a", "1 b", "2 c"]);
  });
});

describe("a run's spend", () => {
  it("is written into its totals without touching the others", async () => {
    const store = openStore(await fresh());
    makeRun(store, "run1");
    store.runs.update("run1", { totals: { steps: 3, calls: 40, promptTokens: 1 } });
    store.runs.recordSpend("run1", { promptTokens: 1200, completionTokens: 30, cachedTokens: 5, costUsd: 0.25 });
    await store.flush();
    expect(store.runs.get("run1")!.totals).toEqual({ steps: 3, calls: 40, promptTokens: 1200, completionTokens: 30, cachedTokens: 5, costUsd: 0.25 });
    store.runs.recordSpend("run1", { promptTokens: 1300, completionTokens: 31, cachedTokens: 5, costUsd: null });
    await store.flush();
    expect(store.runs.get("run1")!.totals).toMatchObject({ steps: 3, promptTokens: 1300, costUsd: null });
  });
});

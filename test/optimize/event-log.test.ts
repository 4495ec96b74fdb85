import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { EventLog, RESUMED } from "../../src/optimize/event-log.js";
import { Store } from "../../src/store/store.js";
import { OPTIMIZE_CONFIG } from "../support/run-configs.js";

let open: Store[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

async function storeWithRun(): Promise<Store> {
  const store = Store.open(path.join(await mkdtemp(path.join(os.tmpdir(), "dspx-event-log-")), "dspx.db"));
  open.push(store);
  store.runs.create({ id: "run1", kind: "optimize", programName: "p", programFile: "/p.yaml", programHash: "h", programSource: "", config: OPTIMIZE_CONFIG });
  return store;
}

const told = (store: Store) => store.runs.events("run1").map((e) => `${e.type}: ${String(e.data.summary ?? "")}`);

describe("the event log of a resumed run", () => {
  it("does not log again what a killed process logged after the checkpoint, and logs what comes after", async () => {
    const store = await storeWithRun();
    const before = new EventLog(store.runs, "run1");
    before.add("accepted", { summary: "step 1" });
    const mark = before.mark();
    before.add("proposal", { summary: "step 2: p" });
    before.add("rejected", { summary: "step 2: r" });
    store.runs.addEvent("run1", RESUMED, {});
    await store.flush();

    const resumed = new EventLog(store.runs, "run1");
    resumed.resumeAfter(mark);
    resumed.add("proposal", { summary: "step 2: p" });
    resumed.add("rejected", { summary: "step 2: r" });
    resumed.add("accepted", { summary: "step 2: a" });
    await store.flush();
    expect(told(store)).toEqual(["accepted: step 1", "proposal: step 2: p", "rejected: step 2: r", "resumed: ", "accepted: step 2: a"]);
  });

  it("logs everything from the first event that differs from the earlier telling", async () => {
    const store = await storeWithRun();
    const before = new EventLog(store.runs, "run1");
    const mark = before.mark();
    before.add("proposal", { summary: "a" });
    before.add("rejected", { summary: "b" });
    await store.flush();

    const resumed = new EventLog(store.runs, "run1");
    resumed.resumeAfter(mark);
    resumed.add("proposal", { summary: "a" });
    resumed.add("budget", { summary: "time ran out" });
    resumed.add("rejected", { summary: "b" });
    await store.flush();
    expect(told(store)).toEqual(["proposal: a", "rejected: b", "budget: time ran out", "rejected: b"]);
  });

  it("logs everything when no checkpoint marks where the replay starts", async () => {
    const store = await storeWithRun();
    new EventLog(store.runs, "run1").add("proposal", { summary: "a" });
    const resumed = new EventLog(store.runs, "run1");
    resumed.resumeAfter(undefined);
    resumed.add("proposal", { summary: "a" });
    await store.flush();
    expect(told(store)).toEqual(["proposal: a", "proposal: a"]);
  });
});

import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { Store } from "../../src/store/store.js";
import type { ToolResultRecord, ToolResults } from "../../src/store/tool-results-store.js";
import { parametersOf } from "../../src/tools/parameters.js";
import { stepTools } from "../../src/tools/step-tools.js";
import type { LoadedTool } from "../../src/tools/toolset.js";
import { InterruptedError } from "../../src/util/errors.js";

/** A tool that counts its invocations and answers what `answer` says. */
function countingTool(name: string, answer: (args: Record<string, unknown>, signal: AbortSignal) => Promise<string> | string, extra: Partial<LoadedTool["spec"]> = {}) {
  const tool = {
    calls: 0,
    abandonedCalls: 0,
    spec: { name, ref: name, description: `the ${name} tool`, parameters: {}, identity: `test:${name}`, cache: true, timeoutMs: 30_000, origin: { kind: "module" as const, file: "t.ts", export: name }, ...extra },
    parameters: parametersOf(z.object({ id: z.string() })),
    invoke: async (args: Record<string, unknown>, signal: AbortSignal) => {
      tool.calls++;
      return answer(args, signal);
    },
    abandoned: async () => {
      tool.abandonedCalls++;
    },
  };
  tool.spec.parameters = tool.parameters.jsonSchema;
  return tool satisfies LoadedTool;
}

class MemoryResults implements ToolResults {
  readonly rows = new Map<string, ToolResultRecord>();
  get(identity: string, args: string) {
    return this.rows.get(`${identity} ${args}`);
  }
  put(record: ToolResultRecord) {
    this.rows.set(`${record.identity} ${record.args}`, record);
  }
}

let stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

describe("a step's tools", () => {
  it("run a tool on checked arguments and give its result as the observation", async () => {
    const lookup = countingTool("lookup", ({ id }) => `order ${String(id)} shipped`);
    const tools = stepTools([lookup]);
    expect(tools.specs.map((s) => s.name)).toEqual(["lookup"]);
    expect(await tools.call("lookup", { id: "A-1" })).toMatchObject({ ok: true, observation: "order A-1 shipped", replayed: false });
    expect(lookup.calls).toBe(1);
  });

  it("answer a bad name or bad arguments with what was wrong, without calling anything", async () => {
    const lookup = countingTool("lookup", () => "x");
    const tools = stepTools([lookup]);
    expect(await tools.call("lokup", { id: "A-1" })).toMatchObject({ ok: false, error: "unknown tool `lokup` (did you mean `lookup`?); the tools are: lookup" });
    expect(await tools.call("lookup", { id: 5 })).toMatchObject({ ok: false, error: "invalid arguments for `lookup`: `id`: expected string, received number" });
    expect(await tools.call("lookup", null)).toMatchObject({ ok: false, error: "invalid arguments for `lookup`: expected the arguments as a JSON object, got null" });
    expect(lookup.calls).toBe(0);
  });

  it("turn a tool's exception into a failed outcome (never a throw), and record nothing for it", async () => {
    const results = new MemoryResults();
    const broken = countingTool("broken", () => {
      throw new Error("the shop is closed");
    });
    const tools = stepTools([broken], { results });
    expect(await tools.call("broken", { id: "A-1" })).toMatchObject({ ok: false, error: "`broken` failed: the shop is closed", replayed: false });
    expect(await tools.call("broken", { id: "A-1" })).toMatchObject({ ok: false });
    expect(broken.calls).toBe(2);
    expect(results.rows.size).toBe(0);
  });

  it("abandon a call at its timeout: the tool's signal is aborted, it is told (a server restarts), nothing is recorded", async () => {
    const results = new MemoryResults();
    let aborted = false;
    const hang = countingTool(
      "hang",
      (_, signal) =>
        new Promise<string>(() => {
          signal.addEventListener("abort", () => (aborted = true));
        }),
      { timeoutMs: 20 },
    );
    const outcome = await stepTools([hang], { results }).call("hang", { id: "A-1" });
    expect(outcome).toMatchObject({ ok: false, error: "`hang` timed out after 20 ms and was abandoned", replayed: false });
    expect(aborted).toBe(true);
    expect(hang.abandonedCalls).toBe(1);
    expect(results.rows.size).toBe(0);
  });

  it("throw when the command stops while a tool runs (the stop is not the tool's failure)", async () => {
    const hang = countingTool("hang", () => new Promise<string>(() => {}));
    const stop = new AbortController();
    const call = stepTools([hang]).call("hang", { id: "A-1" }, { signal: stop.signal });
    stop.abort();
    await expect(call).rejects.toBeInstanceOf(InterruptedError);
    const stopped = new AbortController();
    stopped.abort();
    await expect(stepTools([hang]).call("hang", { id: "A-1" }, { signal: stopped.signal })).rejects.toBeInstanceOf(InterruptedError);
  });

  it("answer recorded (identity, arguments) from the store in a new process: the tool is called 0 times", async () => {
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), "dspx-tool-results-")), "dspx.db");
    const first = Store.open(file);
    stores.push(first);
    const lookup = countingTool("lookup", ({ id }) => `order ${String(id)}`);
    const tools = stepTools([lookup], { results: first.toolResults });
    expect(await tools.call("lookup", { id: "A-1" })).toMatchObject({ ok: true, replayed: false });
    // Not committed yet, and already answered (from memory).
    expect(await tools.call("lookup", { id: "A-1" })).toMatchObject({ ok: true, observation: "order A-1", replayed: true });
    expect(lookup.calls).toBe(1);
    await first.close();

    const again = Store.open(file);
    stores.push(again);
    const fresh = countingTool("lookup", ({ id }) => `changed ${String(id)}`);
    const replaying = stepTools([fresh], { results: again.toolResults });
    expect(await replaying.call("lookup", { id: "A-1" })).toMatchObject({ ok: true, observation: "order A-1", replayed: true });
    expect(fresh.calls).toBe(0);
    expect(await replaying.call("lookup", { id: "A-2" })).toMatchObject({ ok: true, observation: "changed A-2", replayed: false });
    expect(fresh.calls).toBe(1);
  });

  it("always call a `cache: false` tool, and record nothing for it", async () => {
    const results = new MemoryResults();
    const live = countingTool("live", () => "now", { cache: false });
    const tools = stepTools([live], { results });
    await tools.call("live", { id: "A-1" });
    await tools.call("live", { id: "A-1" });
    expect(live.calls).toBe(2);
    expect(results.rows.size).toBe(0);
  });

  it("key results by identity: a changed tool (another content hash) is called again", async () => {
    const results = new MemoryResults();
    const v1 = countingTool("lookup", () => "v1", { identity: "module:t.ts#lookup@aaa" });
    const v2 = countingTool("lookup", () => "v2", { identity: "module:t.ts#lookup@bbb" });
    await stepTools([v1], { results }).call("lookup", { id: "A-1" });
    expect(await stepTools([v2], { results }).call("lookup", { id: "A-1" })).toMatchObject({ observation: "v2", replayed: false });
    expect(await stepTools([v1], { results }).call("lookup", { id: "A-1" })).toMatchObject({ observation: "v1", replayed: true });
  });
});

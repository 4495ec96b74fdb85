import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";

/**
 * Replay through the CLI: a tool that logs each invocation to a file beside it is called for the
 * first evaluation, and not once when the same evaluation runs again (the memo off, so every
 * example is executed again: the LM cache answers the model, the store answers the tool). A tool
 * marked `cache: false` is called every time.
 */

const TOOLS = `import { appendFileSync } from "node:fs";
const log = new URL("./calls.log", import.meta.url);
export const lookupOrder = {
  description: "Look up an order by its id",
  parameters: { type: "object", properties: { order_id: { type: "string", description: "The order id, such as A123" } }, required: ["order_id"] },
  run: (args) => {
    appendFileSync(log, args.order_id + "\\n");
    return { id: args.order_id, status: args.order_id === "A101" ? "delivered" : "shipped" };
  },
};
`;

function program(cache: boolean): string {
  return `name: replay
inputs:
  question: string
outputs:
  answer: agent.answer
tools:
  lookup_order: { module: ./tools.mjs, export: lookupOrder${cache ? "" : ", cache: false"} }
steps:
  agent:
    module: react
    signature: question -> answer
    tools: [lookup_order]
    max_iters: 3
metric:
  contains: answer
`;
}

const ROWS = ["A100", "A101", "A102", "A103"].map((id) => JSON.stringify({ question: `What is the status of order ${id}?`, answer: id === "A101" ? "delivered" : "shipped" }));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "dspx-tool-replay-"));
  await writeFile(path.join(dir, "tools.mjs"), TOOLS);
  await writeFile(path.join(dir, "cached.yaml"), program(true));
  await writeFile(path.join(dir, "live.yaml"), program(false));
  await writeFile(path.join(dir, "data.jsonl"), ROWS.join("\n") + "\n");
});

const calls = async () => (await readFile(path.join(dir, "calls.log"), "utf8").catch(() => "")).split("\n").filter(Boolean);

async function evalOnce(file: string, db: string) {
  const r = await runCli(["eval", path.join(dir, file), "--dataset", path.join(dir, "data.jsonl"), "--no-memo", "--json"], { env: { DSPX_DB: path.join(dir, db) } });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { summary: { mean: number; done: number; errors: number } };
}

describe("tool results replayed from the store", () => {
  it("a second evaluation calls the tool 0 times for the arguments it recorded, and scores the same", async () => {
    const first = await evalOnce("cached.yaml", "cached.db");
    const afterFirst = await calls();
    expect(afterFirst.length).toBeGreaterThanOrEqual(ROWS.length);
    const second = await evalOnce("cached.yaml", "cached.db");
    expect(await calls()).toEqual(afterFirst);
    expect(first.summary).toMatchObject({ done: ROWS.length, errors: 0 });
    expect(second.summary.mean).toBe(first.summary.mean);
  });

  it("a tool marked cache: false is called again every time", async () => {
    const before = (await calls()).length;
    await evalOnce("live.yaml", "live.db");
    const once = (await calls()).length - before;
    expect(once).toBeGreaterThanOrEqual(ROWS.length);
    await evalOnce("live.yaml", "live.db");
    expect((await calls()).length - before).toBe(2 * once);
  });
});

import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../support/cli.js";

/**
 * Why the request signals come in generations rather than from `AbortSignal.any([parent])`: the
 * SDKs add an abort listener to the signal of every request and never remove it, and a dependent
 * signal with a listener must stay alive as long as its source can still abort (the DOM standard;
 * Node keeps it). With one `AbortSignal.any` per request, every request's signal (and what its
 * listener holds) would live as long as the command. Here a process with --expose-gc hands out
 * request signals the way a provider does, and counts how many the collector could take back.
 */
function collected(kind: "requestSignal" | "AbortSignal.any"): Promise<{ made: number; collected: number }> {
  const script = `
    import { requestSignal } from "./src/lm/scheduler/abort-watch.ts";
    const parent = new AbortController();
    const MADE = 2000;
    let collected = 0;
    const registry = new FinalizationRegistry(() => collected++);
    for (let i = 0; i < MADE; i++) {
      const own = ${kind === "requestSignal" ? "requestSignal(parent.signal)" : "{ signal: AbortSignal.any([parent.signal]), release() {} }"};
      own.signal.addEventListener("abort", () => {}, { once: true }); // what the SDKs do
      registry.register(own.signal, i);
      own.release();
    }
    for (let round = 0; round < 5; round++) {
      globalThis.gc();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    process.stdout.write(JSON.stringify({ made: MADE, collected }));
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", "--input-type=module", "-e", script], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`exit ${code}`))));
  });
}

describe("request signals", () => {
  it("can be collected once their requests are over, though an SDK left a listener on each", async () => {
    const r = await collected("requestSignal");
    // Signals are shared by 16 requests: 125 in all, the current generation's still referenced.
    expect(r.collected).toBeGreaterThanOrEqual(r.made - 16);
  });

  it("(the reason for generations) one AbortSignal.any per request keeps every one alive", async () => {
    const r = await collected("AbortSignal.any");
    expect(r.collected).toBe(0);
  });
});

import { describe, expect, it } from "vitest";
import { parseSimOptions, SimClient } from "../../../src/lm/sim/client.js";
import { request } from "./helpers.js";

const req = () => request({ signature: "message -> team: enum(technical, billing)", inputs: { message: "invoice" } });

describe("SimClient", () => {
  it("identifies itself and reports zero cost and estimated tokens", async () => {
    const client = new SimClient();
    expect([client.id, client.provider, client.model, client.structuredOutput]).toEqual(["sim", "sim", "sim", true]);
    const r = req();
    r.messages = [
      { role: "system", content: "x".repeat(10) },
      { role: "user", content: "y".repeat(7) },
    ];
    const res = await client.complete(r);
    expect(res.usage).toEqual({ promptTokens: 5, completionTokens: Math.ceil(res.text.length / 4), cachedTokens: 0 });
    expect(res.costUsd).toBe(0);
    expect(res.cached).toBe(false);
    expect(res.model).toBe("sim");
    expect(res.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("answers the same request the same way every time", async () => {
    const client = new SimClient();
    const a = await client.complete(req());
    const b = await new SimClient().complete(req());
    expect(a.text).toBe(b.text);
  });

  it("waits the configured latency", async () => {
    const client = new SimClient({ latencyMs: 30 });
    const res = await client.complete(req());
    expect(res.latencyMs).toBeGreaterThanOrEqual(25);
  });

  it("rejects promptly when aborted during the latency", async () => {
    const client = new SimClient({ latencyMs: 10_000 });
    const controller = new AbortController();
    const started = performance.now();
    const pending = client.complete(req(), { signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    expect(performance.now() - started).toBeLessThan(5000); // well short of the 10 s latency: it did not wait it out
  });

  it("rejects at once when the signal is already aborted", async () => {
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    await expect(new SimClient().complete(req(), { signal: controller.signal })).rejects.toThrow("stop");
  });

  it("refuses a negative latency", () => {
    expect(() => new SimClient({ latencyMs: -1 })).toThrow(/latency/);
  });
});

describe("parseSimOptions", () => {
  it("reads latency in ms, s or bare milliseconds", () => {
    expect(parseSimOptions("latency=20ms")).toEqual({ latencyMs: 20 });
    expect(parseSimOptions("?latency=1s")).toEqual({ latencyMs: 1000 });
    expect(parseSimOptions("sim?latency=1.5s")).toEqual({ latencyMs: 1500 });
    expect(parseSimOptions("latency=20")).toEqual({ latencyMs: 20 });
    expect(parseSimOptions("")).toEqual({});
  });

  it("rejects unknown keys and bad values with a clear message", () => {
    expect(() => parseSimOptions("speed=2")).toThrow(/unknown option "speed"/);
    expect(() => parseSimOptions("latency=fast")).toThrow(/bad latency "fast"/);
    expect(() => parseSimOptions("latency=-5ms")).toThrow(/bad latency/);
    expect(() => parseSimOptions("latency")).toThrow(/bad latency/);
  });
});

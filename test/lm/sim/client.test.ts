import { afterEach, describe, expect, it, vi } from "vitest";
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

  describe("on fake timers", () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it("waits the configured latency", async () => {
      vi.useFakeTimers();
      const client = new SimClient({ latencyMs: 30 });
      let answered = false;
      const pending = client.complete(req()).then((res) => ((answered = true), res));
      await vi.advanceTimersByTimeAsync(29);
      expect(answered).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(answered).toBe(true);
      expect((await pending).latencyMs).toBe(30);
    });

    it("rejects promptly when aborted during the latency", async () => {
      vi.useFakeTimers();
      const client = new SimClient({ latencyMs: 10_000 });
      const controller = new AbortController();
      const pending = client.complete(req(), { signal: controller.signal });
      pending.catch(() => {});
      await vi.advanceTimersByTimeAsync(10);
      controller.abort();
      // Rejected 10 ms into a 10 s latency (time moves only when the test says), its timer cleared.
      await expect(pending).rejects.toMatchObject({ name: "AbortError" });
      expect(vi.getTimerCount()).toBe(0);
    });
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

import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ParseFailure, predict } from "../../src/adapters/predict.js";
import { CachedClient, cacheKey } from "../../src/lm/cache.js";
import type { LMClient, LMRequest } from "../../src/lm/types.js";
import { Store } from "../../src/store/store.js";
import { FakeLM } from "../support/fake-lm.js";

const base: LMRequest = {
  model: "openai:gpt-4.1-mini",
  messages: [
    { role: "system", content: "S" },
    { role: "user", content: "U" },
  ],
  temperature: 0,
  maxTokens: 256,
  sample: 0,
  meta: { purpose: "predict", adapter: "chat", signature: { inputs: [], outputs: [] }, instruction: "", demos: [], inputs: {} },
};
const client = { provider: "openai", model: "gpt-4.1-mini", endpoint: "https://api.openai.com/v1" };

describe("cache keys", () => {
  it("are equal for equal requests whatever the key order, and ignore meta", () => {
    const reordered = { meta: { ...base.meta, instruction: "different view" }, sample: 0, maxTokens: 256, temperature: 0, messages: base.messages, model: base.model } as LMRequest;
    expect(cacheKey(reordered, client)).toBe(cacheKey(base, client));
    expect(cacheKey(base, client)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("are the keys caches were written with (pinned: a changed encoding would orphan every stored entry)", () => {
    const c = { provider: "openai", model: "gpt-4.1-mini" };
    const plain = { messages: [{ role: "system", content: "You route tickets." }, { role: "user", content: "ticket: my card was charged twice" }], temperature: 0, maxTokens: 256 } as unknown as LMRequest;
    const tooled = {
      ...plain,
      messages: [
        ...plain.messages,
        { role: "assistant", content: "", toolCalls: [{ id: "c1", name: "lookup", arguments: { id: 7 } }] },
        { role: "tool", content: '{"ok":true}', toolCallId: "c1" },
      ],
      tools: [{ name: "lookup", description: "Looks up", parameters: { type: "object", properties: { id: { type: "number" } } } }],
    } as unknown as LMRequest;
    expect(cacheKey(plain, c)).toBe("c110d74702a7fa20565e775cd9f482cd91c9d75e42d20f4831b579bbb7142f7d");
    expect(cacheKey(tooled, { ...c, endpoint: "http://x/v1" })).toBe("4eca2cb05efc1ccfef025822b9241d5cb89d27514573693b994e06a8d3fbc524");
  });

  it("change with every parameter that can change the answer", () => {
    const k = cacheKey(base, client);
    const variants: LMRequest[] = [
      { ...base, messages: [...base.messages, { role: "user", content: "more" }] },
      { ...base, messages: [base.messages[0]!, { role: "user", content: "u" }] },
      { ...base, temperature: 0.7 },
      { ...base, maxTokens: 257 },
      { ...base, sample: 1 },
      { ...base, responseFormat: { type: "json_schema", name: "dspx_outputs", schema: { type: "object" } } },
    ];
    const keys = new Set([k, ...variants.map((v) => cacheKey(v, client))]);
    expect(keys.size).toBe(variants.length + 1);
    expect(cacheKey(base, { ...client, model: "gpt-4.1" })).not.toBe(k);
    expect(cacheKey(base, { ...client, provider: "ollama" })).not.toBe(k);
    expect(cacheKey(base, { ...client, endpoint: "http://127.0.0.1:8000/v1" })).not.toBe(k);
  });
});

/** An openai model that echoes the last message (or answers `reply`), or fails while `fail` is set. */
type CountingLM = FakeLM & { fail: boolean; reply?: string };

function countingLM(): CountingLM {
  const lm: CountingLM = Object.assign(
    new FakeLM((req) => (lm.fail ? new Error("boom") : (lm.reply ?? `answer to ${req.messages.at(-1)!.content}`)), {
      id: "openai:gpt-4.1-mini",
      structuredOutput: true,
      endpoint: "https://api.openai.com/v1",
      // A turn of the event loop, so that identical requests overlap in flight.
      delay: () => new Promise<void>((r) => setImmediate(r)),
      response: { usage: { promptTokens: 10, completionTokens: 2, cachedTokens: 0 }, costUsd: 0.01, latencyMs: 5, model: "gpt-4.1-mini-2025-04-14" },
    }),
    { fail: false },
  );
  return lm;
}

async function store() {
  const dir = await mkdtemp(path.join(os.tmpdir(), "dspx-cache-"));
  return Store.open(path.join(dir, "dspx.db"));
}

describe("CachedClient", () => {
  it("shows the endpoint it wraps, so that memo fingerprints tell two servers of one model apart", async () => {
    const s = await store();
    expect(new CachedClient(countingLM(), s.cache).endpoint).toBe("https://api.openai.com/v1");
    await s.close();
  });

  it("answers a repeated request from the store at no cost, and marks it", async () => {
    const s = await store();
    const inner = countingLM();
    const lm = new CachedClient(inner, s.cache);
    const first = await lm.complete(base);
    const second = await lm.complete(base);
    expect(inner.calls).toBe(1);
    expect(first.cached).toBe(false);
    expect(first.costUsd).toBe(0.01);
    expect(second).toMatchObject({ text: first.text, cached: true, costUsd: 0, model: "gpt-4.1-mini-2025-04-14" });
    expect(await s.cache.stats()).toMatchObject({ entries: 1, hits: 1, storedCostUsd: 0.01, savedUsd: 0.01 });
    await s.close();
  });

  it("shares one call between identical requests in flight", async () => {
    const s = await store();
    const inner = countingLM();
    const lm = new CachedClient(inner, s.cache);
    const [a, b] = await Promise.all([lm.complete(base), lm.complete(base)]);
    expect(inner.calls).toBe(1);
    expect(a.text).toBe(b.text);
    expect([a.cached, b.cached].sort()).toEqual([false, true]);
    await s.close();
  });

  it("never caches an error", async () => {
    const s = await store();
    const inner = countingLM();
    inner.fail = true;
    const lm = new CachedClient(inner, s.cache);
    await expect(lm.complete(base)).rejects.toThrow("boom");
    inner.fail = false;
    await expect(lm.complete(base)).resolves.toMatchObject({ cached: false });
    expect(inner.calls).toBe(2);
    await s.close();
  });

  it("clears entries older than a cutoff", async () => {
    const s = await store();
    const lm = new CachedClient(countingLM(), s.cache);
    await lm.complete(base);
    expect(await s.cache.clear({ before: Date.now() - 60_000 })).toBe(0);
    expect(await s.cache.clear({ before: Date.now() + 1 })).toBe(1);
    expect((await s.cache.stats()).entries).toBe(0);
    await s.close();
  });
});

/** An LM answering text in neither the chat nor the json format. */
function garbage(): CountingLM {
  const lm = countingLM();
  lm.reply = "I would rather not say.";
  return lm;
}

describe("unreadable completions", () => {
  const signature = { inputs: [{ name: "q", type: { kind: "string" as const }, typed: true }], outputs: [{ name: "a", type: { kind: "string" as const }, typed: true }] };
  const ask = (lm: LMClient) =>
    predict({ lm, signature, instruction: "Answer.", demos: [], inputs: { q: "why" }, purpose: "reflect", temperature: 0, maxTokens: 64, sample: 0 });

  it("are marked when predict cannot read them, stay cached and are served as they were", async () => {
    const s = await store();
    const inner = garbage();
    const lm = new CachedClient(inner, s.cache);
    await lm.complete(base); // a completion nobody tried to read
    await expect(ask(lm)).rejects.toThrow(ParseFailure);
    await s.flush();
    expect(await s.cache.stats()).toMatchObject({ entries: 3, unreadable: 2 });
    // Served again from the cache (a resumed run replays what it got), nothing sent.
    const again = await ask(lm).catch((e: ParseFailure) => e);
    expect(again).toBeInstanceOf(ParseFailure);
    expect((again as ParseFailure).calls.map((c) => c.cached)).toEqual([true, true]);
    expect(inner.calls).toBe(3);
    await s.close();
  });

  it("are what clear({ unreadable }) removes, and nothing else", async () => {
    const s = await store();
    const lm = new CachedClient(garbage(), s.cache);
    await lm.complete(base);
    await ask(lm).catch(() => {});
    expect(await s.cache.clear({ unreadable: true })).toBe(2);
    expect(await s.cache.stats()).toMatchObject({ entries: 1, unreadable: 0 });
    expect(await s.cache.clear({ unreadable: true })).toBe(0);
    await s.close();
  });
});

describe("a run's view of the cache", () => {
  const request = (content: string): LMRequest => ({ ...base, messages: [{ role: "user", content }] });

  it("links every entry a run's calls read or write, and clear({ runId }) removes just those", async () => {
    const s = await store();
    const inner = countingLM();
    const first = new CachedClient(inner, s.cache.forRun("run00001"));
    const second = new CachedClient(inner, s.cache.forRun("run00002"));
    await first.complete(request("a"));
    await first.complete(request("b"));
    await second.complete(request("a")); // a hit: used by both runs
    await second.complete(request("c"));
    await new CachedClient(inner, s.cache).complete(request("d")); // the plain cache links nothing
    expect(inner.calls).toBe(4);
    expect(await s.cache.clear({ runId: "run00001" })).toBe(2);
    expect((await s.cache.stats()).entries).toBe(2);
    // "a" went with run00001's entries; run00002 is left with "c".
    expect(await s.cache.clear({ runId: "run00002" })).toBe(1);
    expect(await s.cache.clear({ runId: "run00002" })).toBe(0);
    expect((await s.cache.stats()).entries).toBe(1);
    await s.close();
  });

  it("links nothing until the run is named, then everything used from then on", async () => {
    const s = await store();
    const view = s.cache.forRun();
    const lm = new CachedClient(countingLM(), view);
    await lm.complete(request("before"));
    view.link("run00003");
    await lm.complete(request("after"));
    await lm.complete(request("before")); // a hit after linking: linked
    expect(await s.cache.clear({ runId: "run00003" })).toBe(2);
    await s.close();
  });

  it("combines filters: the run's unreadable entries only", async () => {
    const s = await store();
    const lm = new CachedClient(garbage(), s.cache.forRun("run00004"));
    await lm.complete(request("fine"));
    const signature = { inputs: [], outputs: [{ name: "a", type: { kind: "string" as const }, typed: true }] };
    await predict({ lm, signature, instruction: "", demos: [], inputs: {}, purpose: "predict", temperature: 0, maxTokens: 8, sample: 0 }).catch(() => {});
    expect(await s.cache.clear({ runId: "run00004", unreadable: true })).toBe(2);
    expect(await s.cache.clear({ runId: "run00004" })).toBe(1);
    await s.close();
  });
});

describe("the writer thread", () => {
  it("commits every queued row by close, and a reopened store answers from them", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "dspx-writer-"));
    const file = path.join(dir, "dspx.db");
    const first = Store.open(file);
    const inner = countingLM();
    const lm = new CachedClient(inner, first.cache);
    const requests = Array.from({ length: 300 }, (_, i) => ({ ...base, messages: [{ role: "user" as const, content: `q${i}` }] }));
    await Promise.all(requests.map((r) => lm.complete(r)));
    await first.close();
    const second = Store.open(file);
    const again = new CachedClient(inner, second.cache);
    const answers = await Promise.all(requests.map((r) => again.complete(r)));
    expect(inner.calls).toBe(300);
    expect(answers.every((a) => a.cached)).toBe(true);
    expect(await second.cache.stats()).toMatchObject({ entries: 300, hits: 300 });
    await second.close();
  });

  it("makes a flushed row visible to another connection at once", async () => {
    const s = await store();
    const other = Store.open(s.file);
    s.cache.put("ab".repeat(32), { provider: "p", model: "m", text: "t", responseModel: "m", usage: { promptTokens: 1, completionTokens: 1, cachedTokens: 0 }, costUsd: 0, latencyMs: 1, createdAt: Date.now() });
    await s.flush();
    expect(other.cache.get("ab".repeat(32))?.text).toBe("t");
    await other.close();
    await s.close();
  });
});

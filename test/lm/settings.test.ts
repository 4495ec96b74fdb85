import { describe, expect, it } from "vitest";
import { programOf } from "../../src/runtime/load.js";
import { LMPool } from "../../src/lm/pool.js";
import { lmSettings, recordedSettings, recordLm, replayedLm, type LmSettings } from "../../src/lm/settings.js";
import { readRunConfig, recordedLmOf, writeRunConfig } from "../../src/store/run-config.js";
import { EVAL_CONFIG } from "../support/run-configs.js";
import { loadGraph } from "../../src/graph/load.js";

const TRIAGE = "programs/support-triage.yaml";

describe("LM settings", () => {
  it("are made from what was given over DSPX_LM over the program file, every field typed", () => {
    const env = { DSPX_LM: "anthropic:claude-haiku-4-5" };
    expect(lmSettings({}, env)).toEqual({ override: "anthropic:claude-haiku-4-5", cache: true });
    expect(lmSettings({ lm: "sim" }, env).override).toBe("sim");
    const given = lmSettings({ baseUrl: "http://127.0.0.1:9/v1", rpm: 60, tpm: 9000, timeoutMs: 5000, maxAttempts: 2, cache: false, teacherLm: "sim" }, {}, { teacherLm: "openai:gpt-4.1", reflectionLm: "openai:o3" });
    expect(given).toEqual({ baseUrl: "http://127.0.0.1:9/v1", rpm: 60, tpm: 9000, timeoutMs: 5000, maxAttempts: 2, cache: false, teacherLm: "sim", reflectionLm: "openai:o3" });
  });

  it("read only the LM options of what they are given: a command's other flags never reach the settings (or the run's record)", () => {
    const flags = { lm: "sim", json: true, db: "x.db", budget: { calls: 5 }, name: "n" };
    expect(Object.keys(lmSettings(flags, {})).filter((k) => lmSettings(flags, {})[k as keyof LmSettings] !== undefined)).toEqual(["override", "cache"]);
  });

  it("are passed to the pool unchanged", async () => {
    const settings = lmSettings({ lm: "sim", rpm: 30 }, {});
    expect(new LMPool(settings).settings).toBe(settings);
    const program = programOf(await loadGraph(TRIAGE), { settings });
    expect(program.pool.settings).toBe(settings);
    // The library's flat options make the same settings; it caches only in a cache it is given.
    expect(programOf(await loadGraph(TRIAGE), { lm: "sim", rpm: 30, env: {} }).pool.settings).toEqual({ ...settings, cache: false });
  });

  it("are recorded as they are, without the base URL's credentials, with what the environment chose", () => {
    const settings = lmSettings({ baseUrl: "http://user:secret@gateway.example/v1?api-key=k", rpm: 60, cache: true, reflectionLm: "sim" }, {});
    const env = { OPENAI_API_KEY: "sk-x", OPENAI_BASE_URL: "http://u:p@proxy.example/v1" };
    const recorded = recordLm(settings, env);
    expect(recorded).toEqual({
      rpm: 60,
      cache: true,
      reflectionLm: "sim",
      defaultModel: "openai:gpt-4.1-mini",
      baseUrl: "http://gateway.example/v1",
      baseUrlRedacted: true,
      env: { OPENAI_BASE_URL: "http://proxy.example/v1" },
    });
    expect(JSON.stringify(recorded)).not.toMatch(/secret|api-key|sk-x|u:p/);
    // An override needs no fallback model.
    expect(recordLm(lmSettings({ lm: "sim" }, {}), {})).toEqual({ override: "sim", cache: true, env: {} });
  });

  it("read back from a run's record are the settings it ran with (resume), the base URL to be given again", () => {
    const settings = lmSettings({ lm: "openai:gpt-4.1", baseUrl: "http://127.0.0.1:9/v1", rpm: 60, timeoutMs: 1000, maxAttempts: 3, cache: false, teacherLm: "sim" }, {});
    const stored = readRunConfig("eval", JSON.parse(writeRunConfig("eval", { ...EVAL_CONFIG, lm: recordLm(settings, {}) })));
    expect(stored.ok).toBe(true);
    if (stored.ok) expect(recordedSettings(recordedLmOf(stored.value.config), {})).toEqual(settings);
  });

  it("read back, consult DSPX_LM only for a record that names no model (made before dspx recorded the fallback model)", () => {
    const env = { DSPX_LM: "anthropic:claude-haiku-4-5" };
    expect(recordedSettings({ defaultModel: "sim", env: {} }, env)).toMatchObject({ override: undefined, defaultModel: "sim" });
    expect(recordedSettings({ override: "sim", env: {} }, env)).toMatchObject({ override: "sim", defaultModel: undefined });
    expect(recordedSettings({ cache: true }, env)).toMatchObject({ override: "anthropic:claude-haiku-4-5", cache: true });
  });

  it("replayed (compare), take the record's models and endpoints and the current limits; an explicit base URL wins", () => {
    const current = lmSettings({ rpm: 10, cache: false }, {});
    const recorded = recordLm(lmSettings({ baseUrl: "http://127.0.0.1:8/v1", rpm: 99 }, {}), { OPENAI_BASE_URL: "http://a:b@proxy.example/v1" });
    const now = { OPENAI_BASE_URL: "http://a:b@proxy.example/v1", ANTHROPIC_BASE_URL: "http://other.example", DSPX_LM: "sim" };
    const replay = replayedLm(recorded, current, now);
    expect(replay.settings).toEqual({ ...current, override: undefined, defaultModel: "sim", baseUrl: "http://127.0.0.1:8/v1" });
    // The variable set now names the recorded endpoint: kept with its credentials; one not set then is dropped.
    expect(replay.env).toEqual({ OPENAI_BASE_URL: "http://a:b@proxy.example/v1", DSPX_LM: "sim" });
    expect(replayedLm(recorded, { ...current, baseUrl: "http://127.0.0.1:7/v1" }, now).settings.baseUrl).toBe("http://127.0.0.1:7/v1");
  });
});

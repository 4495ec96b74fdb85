import { spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { ROOT } from "../support/cli.js";

/**
 * Runs a script against the built store in a fresh Node process and returns its output. A process
 * still alive after a minute is killed (`signal` then says so): a hang guard, not a measurement.
 */
function node(script: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    const guard = setTimeout(() => child.kill("SIGKILL"), 60_000);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe("the writer thread in a real process", () => {
  it("keeps the process alive until close() has committed everything queued", async () => {
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), "dspx-writer-proc-")), "dspx.db");
    const r = await node(`
      import { Store } from "./dist/store/store.js";
      const store = Store.open(${JSON.stringify(file)});
      for (let i = 0; i < 500; i++) store.cache.put(i.toString(16).padStart(64, "0"), { provider: "p", model: "m", text: "t" + i, responseModel: "m", usage: { promptTokens: 1, completionTokens: 1, cachedTokens: 0 }, costUsd: 0, latencyMs: 1, createdAt: Date.now() });
      await store.close();
      console.log("closed");
    `);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("closed");
    const db = new Database(file, { readonly: true });
    expect(db.prepare("SELECT COUNT(*) AS n FROM lm_cache").get()).toEqual({ n: 500 });
    db.close();
  });

  it("never keeps an idle process alive", async () => {
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), "dspx-writer-idle-")), "dspx.db");
    const r = await node(`
      import { Store } from "./dist/store/store.js";
      const store = Store.open(${JSON.stringify(file)});
      store.cache.put("ab".repeat(32), { provider: "p", model: "m", text: "t", responseModel: "m", usage: { promptTokens: 1, completionTokens: 1, cachedTokens: 0 }, costUsd: 0, latencyMs: 1, createdAt: Date.now() });
      await store.flush();
      console.log("flushed, not closed");
    `);
    // It ended by itself (the script never closes the store, and nothing kills it but the guard).
    expect(r.signal, "the idle writer kept the process alive").toBeNull();
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe("flushed, not closed");
  });
});

import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ROOT, offlineEnv } from "../support/cli.js";

describe("the library example in the README", () => {
  it("runs as written, importing the package by name", async () => {
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ["examples/library.mjs"], { cwd: ROOT, env: offlineEnv(), stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
    expect(r.stderr).toContain("running on `sim`");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^routed to billing \((low|normal|high)\)$/m);
    expect(r.stdout).toMatch(/^dev score 0\.\d{3} \(95% CI 0\.\d{3}–0\.\d{3}\) over 70 examples$/m);
  });
});

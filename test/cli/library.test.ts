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

describe("the published types", () => {
  it("need only the package's dependencies: no declaration reachable from dist/index.d.ts imports a devDependency's types (better-sqlite3's)", async () => {
    const { readFile } = await import("node:fs/promises");
    const path = await import("node:path");
    const pkg = JSON.parse(await readFile(path.join(ROOT, "package.json"), "utf8")) as { name: string; types: string; dependencies: Record<string, string> };
    const seen = new Set<string>();
    const external = new Set<string>();
    const visit = async (file: string): Promise<void> => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = await readFile(file, "utf8");
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)) {
        const spec = m[1]!;
        if (spec.startsWith(".")) await visit(path.resolve(path.dirname(file), spec.replace(/\.js$/, ".d.ts")));
        else if (!spec.startsWith("node:") && spec !== pkg.name) external.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!);
      }
    };
    await visit(path.join(ROOT, pkg.types));
    expect(seen.size).toBeGreaterThan(5);
    expect([...external].filter((name) => !(name in pkg.dependencies))).toEqual([]);
    // better-sqlite3 is a dependency, but its types (@types/better-sqlite3) are not: the driver stays out of the public surface.
    expect([...external]).not.toContain("better-sqlite3");
  });
});

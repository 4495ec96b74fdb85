// Processes the provider benchmarks run: the mock server and the dspx CLI, each in its own process
// so neither steals the other's event loop.
import { spawn } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const OUT = path.join(ROOT, "bench/out");

/** Starts test/support/mock-provider-main.ts; resolves once it listens. */
export async function startMock(args = []) {
  const child = spawn(process.execPath, ["--import", "tsx", "test/support/mock-provider-main.ts", ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let buffer = "";
  const lines = [];
  child.stdout.setEncoding("utf8").on("data", (d) => {
    buffer += d;
    let i;
    while ((i = buffer.indexOf("\n")) >= 0) {
      lines.push(buffer.slice(0, i));
      buffer = buffer.slice(i + 1);
    }
  });
  const info = await new Promise((resolve, reject) => {
    const t = setInterval(() => {
      if (lines.length > 0) {
        clearInterval(t);
        resolve(JSON.parse(lines[0]));
      }
    }, 20);
    child.on("exit", (code) => reject(new Error(`mock exited with ${code}`)));
  });
  return {
    ...info,
    /** Stops the server and returns its final counts. */
    async stop() {
      const done = new Promise((resolve) => child.on("exit", resolve));
      child.kill("SIGTERM");
      await done;
      return JSON.parse(lines[lines.length - 1]);
    },
  };
}

/** Runs the built dspx CLI; resolves with its exit code and output. */
export function dspx(args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, "bin/dspx.js"), ...args], {
      cwd: ROOT,
      // Benchmarks keep to their own database unless a suite names one.
      env: { ...process.env, NO_COLOR: "1", DSPX_DB: path.join(OUT, "bench.db"), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * A support-triage dataset of n distinct examples (the 340 real messages, repeated with a reference
 * number so that no two prompts are the same and nothing is answered from a cache by accident).
 */
export async function triageDataset(n) {
  await mkdir(OUT, { recursive: true });
  const rows = [];
  for (const split of ["train", "dev", "test"]) {
    const text = await readFile(path.join(ROOT, `datasets/support-triage/${split}.jsonl`), "utf8");
    for (const line of text.split("\n")) if (line.trim()) rows.push(JSON.parse(line));
  }
  const out = [];
  for (let i = 0; i < n; i++) {
    const r = rows[i % rows.length];
    out.push(JSON.stringify({ ...r, id: `b-${i}`, message: `${r.message} (ref #${i})` }));
  }
  const file = path.join(OUT, `triage-${n}.jsonl`);
  await writeFile(file, out.join("\n") + "\n");
  return file;
}

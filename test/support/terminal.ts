import { spawn } from "node:child_process";
import { BIN, ROOT, offlineEnv, type CliResult } from "./cli.js";

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Runs the built `dspx` with stdout on a real terminal `columns` wide: a pseudo-terminal made by
 * util-linux `script`, sized with `stty`. stderr goes to /dev/null, so `stdout` is what the command
 * printed for the user to read (line ends as "\n").
 */
export function runInTerminal(args: string[], columns: number, env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const command = `stty cols ${columns} rows 60; exec ${quote(process.execPath)} ${quote(BIN)} ${args.map(quote).join(" ")} 2>/dev/null`;
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qec", command, "/dev/null"], { cwd: ROOT, env: offlineEnv(env), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: stdout.replace(/\r\n/g, "\n"), stderr });
    });
  });
}

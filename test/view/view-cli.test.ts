import { request, type Agent } from "node:http";
import { Agent as HttpAgent } from "node:http";
import { createServer, type Server } from "node:net";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, runCli, startCli, watch, type RunningCli } from "../support/cli.js";
import { once } from "../support/once.js";
import { waitUntil } from "../support/wait.js";
import { makeFixture } from "./fixture.js";

const fixture = once(makeFixture);
afterAll(async () => (await fixture()).view.close());

function get(url: string, agent?: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function started(args: string[], env?: Record<string, string>): Promise<{ cli: RunningCli; url: string }> {
  const { file } = await fixture();
  const cli = startCli(["view", "--db", file, "--port", "0", ...args], env ? { env } : {});
  await waitUntil(() => /http:\/\/\S+/.test(cli.stdout()), "the URL", watch(cli));
  return { cli, url: cli.stdout().match(/http:\/\/\S+/)![0] };
}

describe("dspx view, the command", () => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`serves on 127.0.0.1, prints its URL, and stops on ${signal} with a connection still open`, async () => {
      const { cli, url } = await started([]);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const agent = new HttpAgent({ keepAlive: true });
      const runs = await get(`${url}api/runs`, agent);
      expect(runs.status).toBe(200);
      expect(JSON.parse(runs.body).runs).toHaveLength(2);
      cli.child.kill(signal);
      expect(await cli.closed).toBe(130);
      expect(cli.stderr()).not.toMatch(/\n\s+at /);
      agent.destroy();
    });
  }

  it("says a port in use in one line and exits 2", async () => {
    const { file } = await fixture();
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await runCli(["view", "--db", file, "--port", String(port)]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toEqual([expect.stringMatching(new RegExp(`--port: port ${port} on 127\\.0\\.0\\.1 is in use`))]);
      expect(r.stdout).toBe("");
    } finally {
      blocker.close();
    }
    const high = await runCli(["view", "--db", file, "--port", "70000"]);
    expect(high.code).toBe(2);
    expect(high.stderr.trim()).toBe("error: --port: expected a port from 0 to 65535, got 70000");
  });

  it("on another host, generates a token, prints it in the URL, and refuses requests without it", async () => {
    const { cli, url } = await started(["--host", "0.0.0.0"]);
    try {
      const token = new URL(url).searchParams.get("token")!;
      expect(token.length).toBeGreaterThanOrEqual(24);
      const port = new URL(url).port;
      expect((await get(`http://127.0.0.1:${port}/api/runs`)).status).toBe(401);
      expect((await get(`http://127.0.0.1:${port}/`)).status).toBe(401);
      expect((await get(`http://127.0.0.1:${port}/api/runs?token=${token}`)).status).toBe(200);
    } finally {
      cli.child.kill("SIGTERM");
      await cli.closed;
    }
  });

  it.skipIf(process.platform !== "linux")("--open hands the URL (with its token) to the desktop's opener, and says so when there is none while the server goes on", async () => {
    const bin = mkdtempSync(path.join(os.tmpdir(), "dspx-open-"));
    const opened = path.join(bin, "opened.txt");
    writeFileSync(path.join(bin, "xdg-open"), `#!/bin/sh\necho "$@" > "${opened}"\n`);
    chmodSync(path.join(bin, "xdg-open"), 0o755);
    const { cli, url } = await started(["--open", "--host", "0.0.0.0"], { PATH: `${bin}:${process.env.PATH ?? ""}` });
    try {
      await waitUntil(() => existsSync(opened) && readFileSync(opened, "utf8").trim() !== "", "the opener to run", watch(cli));
      expect(readFileSync(opened, "utf8").trim()).toBe(url);
      expect(new URL(url).searchParams.get("token")).toBeTruthy();
    } finally {
      cli.child.kill("SIGTERM");
      await cli.closed;
    }
    // No opener on PATH: one notice naming the URL, and the viewer still answers.
    const none = mkdtempSync(path.join(os.tmpdir(), "dspx-open-none-"));
    const bare = await started(["--open"], { PATH: none });
    try {
      await waitUntil(() => /could not open a browser/.test(bare.cli.stderr()), "the notice", watch(bare.cli));
      expect(bare.cli.stderr()).toContain(`could not open a browser (xdg-open); open ${bare.url}`);
      expect((await get(`${bare.url}api/runs`)).status).toBe(200);
    } finally {
      bare.cli.child.kill("SIGTERM");
      expect(await bare.cli.closed).toBe(130);
    }
  });

  it("refuses a database that does not exist, without creating it", async () => {
    const missing = path.join(mkdtempSync(path.join(os.tmpdir(), "dspx-view-none-")), "none.db");
    const r = await runCli(["view", "--db", missing, "--port", "0"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/there is no dspx database here/);
    expect(existsSync(missing)).toBe(false);
  });

  // The UI bundle is built into dist/ui/ by `npm run build` once the ui branch is in; before that there is nothing to inline.
  it.skipIf(!existsSync(path.join(ROOT, "dist/ui/index.html")))("eval --report writes the eval run's report: one file, its data parsing, nothing loaded from a network", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "dspx-eval-report-"));
    const out = path.join(dir, "report.html");
    const r = await runCli(["eval", "programs/support-triage.yaml", "--lm", "sim", "--limit", "12", "--report", out, "--json"], { env: { DSPX_DB: path.join(dir, "dspx.db") } });
    expect(r.code).toBe(0);
    const runId = JSON.parse(r.stdout).runId as string;
    const html = readFileSync(out, "utf8");
    const data = JSON.parse(html.match(/<script type="application\/json" id="dspx-report">([\s\S]*?)<\/script>/)![1]!) as { run: string; totalExamples: number; responses: Record<string, unknown> };
    expect(data.run).toBe(runId);
    expect(data.totalExamples).toBe(12);
    expect(Object.keys(data.responses).filter((k) => /\/examples\/[^/]+$/.test(k))).toHaveLength(12);
    const tags = html.replace(/<script[^>]*>[\s\S]*?<\/script>/gi, "").replace(/<style>[\s\S]*?<\/style>/gi, "").match(/<[a-z][^>]*>/gi)!;
    expect(tags.filter((t) => /\b(src|href)=/i.test(t))).toEqual([]);
  });

  it("report: an unknown run is a one-line error (exit 2); eval --report needs a recorded run", async () => {
    const { file } = await fixture();
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), "dspx-report-")), "r.html");
    const r = await runCli(["report", "zzzzzz", "-o", out, "--db", file]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/no run "zzzzzz"/);
    const e = await runCli(["eval", "programs/support-triage.yaml", "--lm", "sim", "--no-record", "--report", out, "--limit", "2"]);
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/--report: a report is of a recorded run/);
  });
});

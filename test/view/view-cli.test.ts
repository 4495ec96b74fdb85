import { request, type Agent } from "node:http";
import { Agent as HttpAgent } from "node:http";
import { createServer, type Server } from "node:net";
import { existsSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli, startCli, watch, type RunningCli } from "../support/cli.js";
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

async function started(args: string[]): Promise<{ cli: RunningCli; url: string }> {
  const { file } = await fixture();
  const cli = startCli(["view", "--db", file, "--port", "0", ...args]);
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

  it("refuses a database that does not exist, without creating it", async () => {
    const missing = path.join(mkdtempSync(path.join(os.tmpdir(), "dspx-view-none-")), "none.db");
    const r = await runCli(["view", "--db", missing, "--port", "0"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/there is no dspx database here/);
    expect(existsSync(missing)).toBe(false);
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

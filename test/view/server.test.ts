import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CONTENT_SECURITY_POLICY, startViewServer, type ViewServer } from "../../src/view/server.js";
import { once } from "../support/once.js";
import { makeFixture } from "./fixture.js";

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request: the path is sent exactly as given (no normalising of `..` or `%2e`). */
function send(server: ViewServer, rawPath: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: server.port, path: rawPath, method: options.method ?? "GET", headers: options.headers ?? {} }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** A UI bundle as the build leaves it, with a secret file beside it that must never be served. */
function makeBundle(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "dspx-ui-"));
  const ui = path.join(root, "ui");
  mkdirSync(path.join(ui, "assets"), { recursive: true });
  writeFileSync(path.join(ui, "index.html"), '<!doctype html><html><head><link rel="stylesheet" href="app.css"></head><body><div id="app"></div><script type="module" src="app.js"></script></body></html>');
  writeFileSync(path.join(ui, "app.js"), "console.log('ui');");
  writeFileSync(path.join(ui, "app.css"), "body{}");
  writeFileSync(path.join(ui, "assets", "logo.svg"), "<svg/>");
  writeFileSync(path.join(root, "secret.txt"), "SECRET");
  symlinkSync(path.join(root, "secret.txt"), path.join(ui, "leak.txt"));
  symlinkSync(root, path.join(ui, "up"));
  return ui;
}

const servers: ViewServer[] = [];
const setup = once(async () => {
  const fixture = await makeFixture();
  const ui = makeBundle();
  const open = await startViewServer({ store: fixture.view, port: 0, uiDir: ui });
  const guarded = await startViewServer({ store: fixture.view, port: 0, uiDir: ui, token: "s3cret-token-value" });
  const bare = await startViewServer({ store: fixture.view, port: 0, uiDir: path.join(ui, "missing") });
  servers.push(open, guarded, bare);
  return { fixture, open, guarded, bare };
});
afterAll(async () => {
  for (const s of servers) await s.close();
  (await setup()).fixture.view.close();
});

describe("dspx view's server", () => {
  it("serves the API and the bundle with their content types, a strict CSP and nosniff", async () => {
    const { open } = await setup();
    const api = await send(open, "/api/runs");
    expect(api.status).toBe(200);
    expect(api.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(JSON.parse(api.body).runs).toHaveLength(2);
    for (const [p, type] of [
      ["/", "text/html; charset=utf-8"],
      ["/app.js", "text/javascript; charset=utf-8"],
      ["/app.css", "text/css; charset=utf-8"],
      ["/assets/logo.svg", "image/svg+xml"],
      ["/runs/abc", "text/html; charset=utf-8"],
    ] as const) {
      const r = await send(open, p);
      expect({ p, status: r.status, type: r.headers["content-type"] }).toEqual({ p, status: 200, type });
      expect(r.headers["content-security-policy"]).toBe(CONTENT_SECURITY_POLICY);
      expect(r.headers["x-content-type-options"]).toBe("nosniff");
    }
    expect(CONTENT_SECURITY_POLICY).toMatch(/default-src 'self'/);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect((await send(open, "/nothing.js")).status).toBe(404);
  });

  it("never serves a file outside the bundle: .., encoded .., backslashes, absolute paths, symlinks out", async () => {
    const { open } = await setup();
    for (const p of [
      "/../secret.txt",
      "/%2e%2e/secret.txt",
      "/%2E%2E%2Fsecret.txt",
      "/assets/..%2F..%2Fsecret.txt",
      "/..%5csecret.txt",
      "//etc/passwd",
      "/%2fetc%2fpasswd",
      "/leak.txt",
      "/up/secret.txt",
      "/app.js%00.html",
      "/%E0%A4%A",
    ]) {
      const r = await send(open, p);
      expect({ p, status: r.status }).toEqual({ p, status: r.status === 404 ? 404 : 400 });
      expect(r.body).not.toContain("SECRET");
      expect(r.body).not.toContain("root:");
    }
  });

  it("is read-only: anything but GET and HEAD is 405, for the API and the files", async () => {
    const { open } = await setup();
    for (const p of ["/api/runs", "/", "/app.js"]) {
      for (const method of ["POST", "PUT", "DELETE"]) {
        const r = await send(open, p, { method });
        expect({ p, method, status: r.status }).toEqual({ p, method, status: 405 });
        expect(r.headers.allow).toBe("GET, HEAD");
      }
    }
    const head = await send(open, "/api/runs", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
  });

  it("with a token, refuses every request that does not carry it (API and files) and accepts it as query, header, bearer or cookie", async () => {
    const { guarded } = await setup();
    expect(guarded.url).toMatch(/\?token=s3cret-token-value$/);
    for (const p of ["/api/runs", "/", "/app.js", "/../secret.txt"]) expect((await send(guarded, p)).status).toBe(401);
    expect((await send(guarded, "/api/runs?token=wrong-token-value")).status).toBe(401);
    expect((await send(guarded, "/api/runs", { headers: { "x-dspx-token": "s3cret-token-valuE" } })).status).toBe(401);
    expect((await send(guarded, "/api/runs?token=s3cret-token-value")).status).toBe(200);
    expect((await send(guarded, "/api/runs", { headers: { "x-dspx-token": "s3cret-token-value" } })).status).toBe(200);
    expect((await send(guarded, "/api/runs", { headers: { authorization: "Bearer s3cret-token-value" } })).status).toBe(200);
    // The page opened with ?token= gets a cookie, which its own requests then carry.
    const page = await send(guarded, "/?token=s3cret-token-value");
    expect(page.status).toBe(200);
    const cookie = String(page.headers["set-cookie"]).split(";")[0]!;
    expect(String(page.headers["set-cookie"])).toMatch(/HttpOnly; SameSite=Strict/);
    expect((await send(guarded, "/app.js", { headers: { cookie } })).status).toBe(200);
    expect((await send(guarded, "/api/runs", { headers: { cookie: "dspx_token=nope" } })).status).toBe(401);
  });

  it("on loopback without a token, answers only requests addressed to a loopback name (no DNS rebinding)", async () => {
    const { open } = await setup();
    expect((await send(open, "/api/runs", { headers: { host: "evil.example:80" } })).status).toBe(403);
    expect((await send(open, "/api/runs", { headers: { host: `localhost:${open.port}` } })).status).toBe(200);
  });

  it("says the UI is not built when the bundle is missing, and still serves the API", async () => {
    const { bare } = await setup();
    const page = await send(bare, "/");
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/the UI is not built/);
    expect(page.body).not.toMatch(/<script/);
    expect((await send(bare, "/api/runs")).status).toBe(200);
  });
});

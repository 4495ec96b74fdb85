import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { UserError } from "../util/errors.js";
import { handleApi } from "./api/router.js";
import { errorBody } from "./api/failure.js";
import { MISSING_UI_PAGE, readStatic, resolveStatic, UI_DIR } from "./static-files.js";
import { isLoopback, requestHasToken, TOKEN_COOKIE } from "./token.js";
import type { ViewStore } from "./view-store.js";

export interface ViewServerOptions {
  store: ViewStore;
  /** 127.0.0.1 unless told otherwise. */
  host?: string;
  /** 0: any free port. */
  port?: number;
  /** Required of every request (API and static) when set; `dspx view` sets one whenever the host is not loopback. */
  token?: string;
  /** The UI bundle's folder (default dist/ui). */
  uiDir?: string;
}

export interface ViewServer {
  /** The address to open, with ?token= when one is required. */
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

/**
 * The page's policy: everything from this server only, no inline script or style, no framing, no
 * plugins, no forms; images may be data: URLs (charts drawn to canvas and exported).
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const COMMON_HEADERS = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "x-frame-options": "DENY",
};

/** The `dspx view` HTTP server: the JSON API under /api/ and the UI bundle, both read only. */
export async function startViewServer(options: ViewServerOptions): Promise<ViewServer> {
  const host = options.host ?? "127.0.0.1";
  const uiDir = options.uiDir ?? UI_DIR;
  const server = createServer((req, res) => {
    try {
      answer(req, res, options.store, uiDir, options.token, isLoopback(host));
    } catch (err) {
      send(res, req, 500, "application/json; charset=utf-8", JSON.stringify(errorBody(500, `the viewer failed: ${(err as Error)?.message ?? String(err)}`)));
    }
  });
  await listen(server, host, options.port ?? 0);
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}/${options.token ? `?token=${encodeURIComponent(options.token)}` : ""}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    host,
    port,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      if (err.code === "EADDRINUSE") reject(new UserError({ flag: "--port", message: `port ${port} on ${host} is in use by another program: give another --port (or --port 0 for any free one)` }));
      else if (err.code === "EACCES") reject(new UserError({ flag: "--port", message: `not allowed to listen on port ${port} of ${host} (ports below 1024 need privileges): give another --port` }));
      else if (err.code === "EADDRNOTAVAIL" || err.code === "ENOTFOUND") reject(new UserError({ flag: "--host", message: `${host} is not an address of this machine` }));
      else reject(err);
    };
    const onListening = () => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}

function answer(req: IncomingMessage, res: ServerResponse, store: ViewStore, uiDir: string, token: string | undefined, loopback: boolean): void {
  // Origin-form only ("/path?query"): "//host/x" is a path here, never another host's URL.
  const target = req.url ?? "/";
  if (!target.startsWith("/")) return send(res, req, 400, "text/plain; charset=utf-8", "bad request target\n");
  const url = new URL(`http://viewer.invalid${target}`);
  // Bound to loopback, a request must also name a loopback host: a web page whose name was re-pointed
  // at 127.0.0.1 (DNS rebinding) cannot read the API.
  if (loopback && !token && !isLoopback(hostName(req.headers.host))) {
    return sendJson(res, req, 403, errorBody(403, "this viewer answers only requests addressed to localhost"));
  }
  if (token && !requestHasToken(req, url.searchParams, token)) {
    return sendJson(res, req, 401, errorBody(401, "this viewer needs its token: open the URL `dspx view` printed (with ?token=…), or send the x-dspx-token header"));
  }
  // The token in the page's address becomes a cookie, so the page's own requests carry it.
  if (token && url.searchParams.get("token")) res.setHeader("set-cookie", `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`);
  if (url.pathname === "/api" || url.pathname.startsWith("/api/")) {
    const { status, body, headers } = handleApi(store, req.method ?? "GET", url.pathname, url.searchParams);
    for (const [k, v] of Object.entries(headers ?? {})) res.setHeader(k, v);
    return sendJson(res, req, status, body);
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("allow", "GET, HEAD");
    return sendJson(res, req, 405, errorBody(405, `${req.method} is not allowed: the viewer is read-only (GET, HEAD)`));
  }
  const found = resolveStatic(uiDir, url.pathname);
  switch (found.kind) {
    case "file":
      return send(res, req, 200, found.type, readStatic(found.file));
    case "missing-ui":
      return send(res, req, 200, "text/html; charset=utf-8", MISSING_UI_PAGE);
    case "bad-path":
      return send(res, req, 400, "text/plain; charset=utf-8", "bad path\n");
    case "not-found":
      return send(res, req, 404, "text/plain; charset=utf-8", "not found\n");
  }
}

function hostName(header: string | undefined): string {
  if (!header) return "";
  if (header.startsWith("[")) return header.slice(0, header.indexOf("]") + 1);
  return header.replace(/:\d+$/, "");
}

function sendJson(res: ServerResponse, req: IncomingMessage, status: number, body: unknown): void {
  res.setHeader("cache-control", "no-store");
  send(res, req, status, "application/json; charset=utf-8", JSON.stringify(body));
}

function send(res: ServerResponse, req: IncomingMessage, status: number, type: string, body: string | Buffer): void {
  for (const [k, v] of Object.entries(COMMON_HEADERS)) res.setHeader(k, v);
  res.setHeader("content-type", type);
  res.setHeader("content-length", Buffer.byteLength(body));
  res.statusCode = status;
  res.end(req.method === "HEAD" ? undefined : body);
}

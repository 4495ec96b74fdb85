import { readFileSync, realpathSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The UI bundle: dist/ui/ in the package (built by `npm run build`). From src/view, dist/view and
 * dist/bundle alike, the package root is two folders up.
 */
export const UI_DIR = path.join(fileURLToPath(new URL("../../", import.meta.url)), "dist", "ui");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

export function contentTypeOf(file: string): string {
  return TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream";
}

export type StaticAnswer = { kind: "file"; file: string; type: string } | { kind: "missing-ui" } | { kind: "not-found" } | { kind: "bad-path" };

/**
 * The file of the bundle a request path names, never one outside it: the path is percent-decoded
 * once, must be relative with no `..`, backslash or NUL segment, and the file found (symlinks
 * resolved) must lie inside the bundle's real folder. `/` is index.html; a path without an
 * extension (a page of the UI) is index.html too. A bundle that is not built is said so.
 */
export function resolveStatic(root: string, pathname: string): StaticAnswer {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return { kind: "bad-path" };
  }
  if (!decoded.startsWith("/") || decoded.startsWith("//") || decoded.includes("\0") || decoded.includes("\\")) return { kind: "bad-path" };
  const segments = decoded.split("/").filter((s) => s !== "");
  if (segments.some((s) => s === ".." || s === ".")) return { kind: "bad-path" };
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch {
    return { kind: "missing-ui" };
  }
  if (!isFile(path.join(realRoot, "index.html"))) return { kind: "missing-ui" };
  const wanted = segments.length === 0 || path.extname(segments.at(-1)!) === "" ? ["index.html"] : segments;
  const candidate = path.join(realRoot, ...wanted);
  let real: string;
  try {
    real = realpathSync(candidate);
  } catch {
    return { kind: "not-found" };
  }
  if (real !== realRoot && !real.startsWith(realRoot + path.sep)) return { kind: "bad-path" };
  if (!isFile(real)) return { kind: "not-found" };
  return { kind: "file", file: real, type: contentTypeOf(real) };
}

function isFile(file: string): boolean {
  return statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
}

export function readStatic(file: string): Buffer {
  return readFileSync(file);
}

/** What `dspx view` serves when the UI bundle is missing (a checkout not built): says so, runs nothing. */
export const MISSING_UI_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>dspx view</title></head>
<body><h1>dspx view: the UI is not built</h1>
<p>The viewer's page is bundled into dist/ui/ by <code>npm run build</code>, and this copy of dspx has none.
The JSON API works: <a href="/api/runs">/api/runs</a>.</p></body></html>
`;

import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../support/cli.js";

const UI = path.join(ROOT, "ui/src");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [path.join(dir, e.name)] : []));
}

describe("the UI renders data as text and reads nothing but /api/", () => {
  const files = sources(UI).map((f) => ({ file: path.relative(ROOT, f), text: readFileSync(f, "utf8") }));

  it("has sources to check", () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it("never writes markup from strings", () => {
    const markup = /dangerouslySetInnerHTML|\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|new Function|\beval\(/;
    expect(files.filter((f) => markup.test(f.text)).map((f) => f.file)).toEqual([]);
  });

  it("fetches only in api.ts, which refuses anything but /api/ paths", () => {
    const network = /\bfetch\(|XMLHttpRequest|WebSocket|EventSource|sendBeacon|import\(/;
    expect(files.filter((f) => network.test(f.text)).map((f) => f.file)).toEqual(["ui/src/api.ts"]);
    expect(files.find((f) => f.file === "ui/src/api.ts")!.text).toMatch(/if \(!path\.startsWith\("\/api\/"\)\) throw/);
  });
});

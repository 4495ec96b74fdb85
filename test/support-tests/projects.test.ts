import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { END_TO_END, INTEGRATION } from "../../vitest.config.js";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** What only an integration test may use: child processes, sockets, the built CLI, the HTTP mock, a terminal, a browser. */
const PROCESS_OR_NETWORK = /^import (?!type )[^\n]*from "node:(child_process|http|https|net)"|\b(runCli|startCli|startInPty|startMockProvider|launchChromium)\b|support\/process-state\.js/m;

function testFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return testFiles(rel);
    return entry.name.endsWith(".test.ts") ? [rel] : [];
  });
}

describe("the vitest projects", () => {
  const all = testFiles("test");
  const self = path.relative(ROOT, import.meta.filename);

  it("list only integration test files that exist", () => {
    expect(INTEGRATION.filter((file) => !all.includes(file))).toEqual([]);
    expect(END_TO_END.filter((file) => !all.includes(file))).toEqual([]);
  });

  it("keep the in-process end-to-end files free of processes and sockets (else they belong in INTEGRATION)", () => {
    expect(END_TO_END.filter((file) => PROCESS_OR_NETWORK.test(readFileSync(path.join(ROOT, file), "utf8")))).toEqual([]);
  });

  it("leave no process, socket or CLI run in a unit test file", () => {
    const unit = all.filter((file) => !INTEGRATION.includes(file) && !END_TO_END.includes(file) && file !== self);
    const offenders = unit.filter((file) => PROCESS_OR_NETWORK.test(readFileSync(path.join(ROOT, file), "utf8")));
    expect(offenders, "move these to INTEGRATION in vitest.config.ts, or make them in-process").toEqual([]);
  });

  it("put every test file that starts one in the integration project", () => {
    const integration = all.filter((file) => INTEGRATION.includes(file));
    expect(integration.length).toBe(INTEGRATION.length);
    expect(integration.filter((file) => !PROCESS_OR_NETWORK.test(readFileSync(path.join(ROOT, file), "utf8")))).toEqual([]);
  });
});

describe("the test suite's rules", () => {
  const all = testFiles("test");

  it("asserts on no elapsed time (a fake clock, fake timers or counts instead)", () => {
    const elapsed = /(Date|performance)\.now\(\) - \w+\)\.toBe(Less|Greater)|\.toBe(Less|Greater)\w*\([^)]*(Date|performance)\.now\(\)/;
    expect(all.filter((file) => elapsed.test(readFileSync(path.join(ROOT, file), "utf8")))).toEqual([]);
  });

  it("ships no test double: the fake clock lives in test/support, nothing in src/ names it", () => {
    const src = (dir: string): string[] =>
      readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? src(`${dir}/${e.name}`) : e.name.endsWith(".ts") ? [`${dir}/${e.name}`] : []));
    expect(src("src").filter((file) => /\bFakeClock\b|from "(\.\.\/)+test\//.test(readFileSync(path.join(ROOT, file), "utf8")))).toEqual([]);
  });
});

import path from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT, reportError, RunSaved } from "../../src/cli/errors.js";
import { InterruptedError, ProviderError } from "../../src/util/errors.js";

function sink() {
  const lines: string[] = [];
  const plain = (s: string) => s;
  return { lines, output: { err: (s: string) => void lines.push(s), errColor: { red: plain } as never, verbose: false } };
}

describe("reportError: the one place errors become exit codes", () => {
  it("an interrupted run that is saved: 130 and how to continue it", () => {
    const { lines, output } = sink();
    expect(reportError(new RunSaved(new InterruptedError(), "r1"), output)).toBe(EXIT.interrupted);
    expect(lines).toEqual(["interrupted: the run is saved; continue it with `dspx resume r1`"]);
  });

  it("a provider that stopped a saved run: 3, the provider's message and how to continue", () => {
    const { lines, output } = sink();
    const err = new ProviderError("openai", "auth", "bad key");
    expect(reportError(new RunSaved(err, "r2"), output)).toBe(EXIT.provider);
    expect(lines[0]).toBe(`error: openai: ${err.message}`);
    expect(lines[1]).toBe("the run is saved; once this is fixed, continue it with `dspx resume r2`");
  });

  it("names the database the command opened when a query on it fails", () => {
    const { lines, output } = sink();
    const err = Object.assign(new Error("database disk image is malformed"), { code: "SQLITE_CORRUPT" });
    expect(reportError(err, output, path.resolve("runs/dspx.db"))).toBe(EXIT.usage);
    expect(lines[0]).toMatch(/^error: runs\/dspx\.db: cannot use the dspx database/);
    const other = sink();
    reportError(err, other.output);
    expect(other.lines[0]).toMatch(/^error: cannot use the dspx database/);
  });
});

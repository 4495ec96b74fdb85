import { describe, expect, it } from "vitest";
import { formatInt } from "../../src/cli/output.js";

describe("formatInt", () => {
  it("groups thousands as en-US does, for every size and sign", () => {
    const values = [0, 7, 999, 1000, 12345, 999999, 1000000, 20000, -1, -1234, -1234567, Number.MAX_SAFE_INTEGER, 2.5, 1234.5678];
    expect(values.map(formatInt)).toEqual(values.map((v) => v.toLocaleString("en-US")));
  });
});

import { describe, expect, it } from "vitest";
import type { ExampleRow, ExamplesResponse, ReportData } from "../../src/view/api-types.js";
import { reportSource } from "../../ui/src/report-source.js";

const row = (i: number, a: number, b: number): ExampleRow => ({ exampleId: `ex-${i}`, index: i, preview: `message ${i}`, a: { score: a, error: null }, b: { score: b, error: null } });

function examples(a: string, b: string, rows: ExampleRow[]): ExamplesResponse {
  return { apiVersion: 1, run: "r1", dataset: "dev", a, b, filter: "all", q: "", page: 1, pageSize: rows.length, total: rows.length, rows, stats: null };
}

const rows = [row(0, 1, 1), row(1, 0, 1), row(2, 1, 0), row(3, 0, 0), row(4, 0, 1)];
const report: ReportData = {
  apiVersion: 1,
  generatedAt: 0,
  run: "r1",
  omittedExamples: 0,
  totalExamples: 5,
  responses: {
    "/api/runs/r1": { apiVersion: 1, which: "run" },
    "/api/runs/r1/examples?pageSize=all": examples("c0", "c7", rows),
    "/api/runs/r1/examples?a=c3&b=c7&pageSize=all": examples("c3", "c7", rows.slice(0, 2)),
    "/api/runs/r1/examples/ex-1?a=c0&b=c7": { apiVersion: 1, exampleId: "ex-1", dataset: "dev", a: { candidate: "c0" }, b: { candidate: "c7" } },
  },
};

describe("a report answers the UI's requests from its inlined responses", () => {
  const source = reportSource(report);

  it("finds a response by its path and parameters", async () => {
    expect(await source.get("/api/runs/r1")).toMatchObject({ which: "run" });
    expect(await source.get("/api/runs/r1/examples/ex-1", { a: "c0", b: "c7" })).toMatchObject({ exampleId: "ex-1" });
  });

  it("takes parameters the key left out as defaults, but not when the response disagrees", async () => {
    // c0 and c7 are the defaults, so a report may have stored the pair without them.
    const res = await source.get<ExamplesResponse>("/api/runs/r1/examples", { a: "c0", b: "c7" });
    expect(res.a).toBe("c0");
    await expect(source.get("/api/runs/r1/examples", { a: "c5", b: "c7" })).rejects.toThrow(/not in this report/);
    await expect(source.get("/api/runs/r1/examples/ex-1", { a: "c5" })).rejects.toThrow(/not in this report/);
    await expect(source.get("/api/runs/r9")).rejects.toThrow(/not in this report/);
  });

  it("prefers the stored pair that names more of the request", async () => {
    const res = await source.get<ExamplesResponse>("/api/runs/r1/examples", { a: "c3", b: "c7" });
    expect(res.total).toBe(2);
  });

  it("filters, searches and pages the full list itself", async () => {
    const improved = await source.get<ExamplesResponse>("/api/runs/r1/examples", { filter: "improved" });
    expect(improved.rows.map((r) => r.exampleId)).toEqual(["ex-1", "ex-4"]);
    const flips = await source.get<ExamplesResponse>("/api/runs/r1/examples", { filter: "flips", pageSize: 2, page: 2 });
    expect(flips.total).toBe(3);
    expect(flips.rows.map((r) => r.exampleId)).toEqual(["ex-4"]);
    const found = await source.get<ExamplesResponse>("/api/runs/r1/examples", { q: "MESSAGE 3" });
    expect(found.rows.map((r) => r.exampleId)).toEqual(["ex-3"]);
  });
});

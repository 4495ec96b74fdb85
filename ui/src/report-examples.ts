import type { ExampleFilter, ExampleRow, ExamplesResponse } from "../../src/view/api-types.js";

export interface PageRequest {
  filter: ExampleFilter;
  q: string;
  page: number;
  pageSize: number;
}

// TODO(merge): replace with filterExampleRows from src/view/examples-filter.ts once it exists,
// so the report filters exactly as the server does.
function matches(row: ExampleRow, filter: ExampleFilter): boolean {
  const failed = (s: ExampleRow["a"]) => s.error !== null || (s.score ?? 0) < 1;
  const a = row.a.score ?? 0;
  const b = row.b.score ?? 0;
  switch (filter) {
    case "all":
      return true;
    case "failures":
      return failed(row.b);
    case "errors":
      return row.a.error !== null || row.b.error !== null;
    case "flips":
      return failed(row.a) !== failed(row.b);
    case "improved":
      return b > a;
    case "regressed":
      return b < a;
  }
}

/** One page of a report's full examples list, filtered and searched as the server would. */
export function pageOfExamples(all: ExamplesResponse, req: PageRequest): ExamplesResponse {
  const q = req.q.trim().toLowerCase();
  const rows = all.rows.filter((r) => matches(r, req.filter) && (q === "" || `${r.exampleId} ${r.preview}`.toLowerCase().includes(q)));
  const pageSize = Number.isInteger(req.pageSize) && req.pageSize > 0 ? req.pageSize : 50;
  const page = Number.isInteger(req.page) && req.page > 0 ? req.page : 1;
  return { ...all, filter: req.filter, q: req.q, page, pageSize, total: rows.length, rows: rows.slice((page - 1) * pageSize, page * pageSize) };
}

import type { ExampleFilter, ExamplesResponse } from "../../src/view/api-types.js";
import { filterExampleRows, pageOf } from "../../src/view/examples-filter.js";

export interface PageRequest {
  filter: ExampleFilter;
  q: string;
  page: number;
  pageSize: number;
}

/** One page of a report's full examples list, filtered and searched by the server's own function. */
export function pageOfExamples(all: ExamplesResponse, req: PageRequest): ExamplesResponse {
  const rows = filterExampleRows(all.rows, { filter: req.filter, q: req.q });
  const pageSize = Number.isInteger(req.pageSize) && req.pageSize > 0 ? req.pageSize : 50;
  const page = Number.isInteger(req.page) && req.page > 0 ? req.page : 1;
  return { ...all, filter: req.filter, q: req.q, page, pageSize, total: rows.length, rows: pageOf(rows, page, pageSize) };
}

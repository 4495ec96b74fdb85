import type { ExampleFilter, ExampleRow } from "./api-types.js";

/** The filters of the examples view, in the order the UI offers them. */
export const EXAMPLE_FILTERS: readonly ExampleFilter[] = ["all", "failures", "errors", "flips", "improved", "regressed"];

/** Whether a row belongs to a filter. Scores below 1 fail; a side with no score neither improved nor regressed. */
export function inFilter(row: ExampleRow, filter: ExampleFilter): boolean {
  const { a, b } = row;
  const both = a.score !== null && b.score !== null;
  switch (filter) {
    case "all":
      return true;
    // B is the candidate looked at (the best, by default): where it did not score full marks, or did not score.
    case "failures":
      return b.score === null || b.score < 1 || b.error !== null;
    case "errors":
      return a.error !== null || b.error !== null;
    case "flips":
      return both && a.score !== b.score;
    case "improved":
      return both && b.score! > a.score!;
    case "regressed":
      return both && b.score! < a.score!;
  }
}

/** Whether a row matches a search text: case-insensitive, over the example id and the inputs' preview. */
export function matchesQuery(row: ExampleRow, q: string): boolean {
  const text = q.trim().toLowerCase();
  return text === "" || row.exampleId.toLowerCase().includes(text) || row.preview.toLowerCase().includes(text);
}

/**
 * The rows of the examples view for a filter and a search text, in the order given (dataset order).
 * The server pages its answer with it; the report's UI runs the same function over the inlined rows.
 */
export function filterExampleRows(rows: readonly ExampleRow[], options: { filter?: ExampleFilter; q?: string } = {}): ExampleRow[] {
  const filter = options.filter ?? "all";
  const q = options.q ?? "";
  return rows.filter((r) => inFilter(r, filter) && matchesQuery(r, q));
}

/** One page (1-based) of rows. */
export function pageOf<T>(rows: readonly T[], page: number, pageSize: number): T[] {
  return rows.slice((page - 1) * pageSize, page * pageSize);
}

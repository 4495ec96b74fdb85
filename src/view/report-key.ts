/**
 * The key under which `dspx report` inlines a response (see ReportData in api-types.ts): the request's
 * pathname, then "?" and its parameters sorted by name (URLSearchParams encoding) when it has any.
 * Parameters absent, empty or at their defaults are left out by whoever builds the key: the report's
 * examples are under `pageSize=all`, with `a`, `b` and `dataset` only when they are not the run's
 * defaults (baseline, best, main dataset). Pure, so the UI builds the same keys.
 */
export function reportKey(pathname: string, params: Record<string, string | undefined> = {}): string {
  const entries = Object.entries(params)
    .filter((e): e is [string, string] => e[1] !== undefined && e[1] !== "")
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  return entries.length === 0 ? pathname : `${pathname}?${new URLSearchParams(entries).toString()}`;
}

export function runPath(run: string): string {
  return `/api/runs/${encodeURIComponent(run)}`;
}

export function examplePath(run: string, exampleId: string): string {
  return `${runPath(run)}/examples/${encodeURIComponent(exampleId)}`;
}

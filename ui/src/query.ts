/** Query parameters of an API request; empty values are left out. */
export type Params = Record<string, string | number | null | undefined>;

/** The parameters that carry a value, sorted by name (the order `dspx report` keys its responses by). */
export function definedParams(params: Params = {}): [string, string][] {
  return Object.entries(params)
    .filter((e): e is [string, string | number] => e[1] !== undefined && e[1] !== null && e[1] !== "")
    .map(([k, v]): [string, string] => [k, String(v)])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function queryString(params: Params = {}): string {
  const pairs = definedParams(params);
  return pairs.length === 0 ? "" : "?" + new URLSearchParams(pairs).toString();
}

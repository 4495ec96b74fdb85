import type { ExampleFilter } from "../../src/view/api-types.js";
import { EXAMPLE_FILTERS } from "../../src/view/examples-filter.js";

export interface ExamplesQuery {
  a?: string;
  b?: string;
  dataset?: string;
  filter?: ExampleFilter;
  q?: string;
  page?: number;
}

export type Route =
  | { view: "runs" }
  | { view: "run"; run: string; candidate?: string }
  | { view: "examples"; run: string; query: ExamplesQuery }
  | { view: "example"; run: string; example: string; query: ExamplesQuery; side?: "a" | "b" };


/** `#/runs/<run>[/examples[/<example>]]?…`, anything else is the runs list. */
export function parseRoute(hash: string): Route {
  const [pathPart = "", search = ""] = hash.replace(/^#/, "").split("?", 2);
  const parts = pathPart.split("/").filter(Boolean).map(safeDecode);
  const q = new URLSearchParams(search);
  const get = (k: string) => q.get(k) ?? undefined;
  if (parts[0] !== "runs" || parts[1] === undefined) return { view: "runs" };
  const run = parts[1];
  if (parts[2] !== "examples") return { view: "run", run, ...opt("candidate", get("c")) };
  const filter = get("filter");
  const page = Number(get("page"));
  const query: ExamplesQuery = {
    ...opt("a", get("a")),
    ...opt("b", get("b")),
    ...opt("dataset", get("dataset")),
    ...opt("q", get("q")),
    ...(filter && (EXAMPLE_FILTERS as readonly string[]).includes(filter) ? { filter: filter as ExampleFilter } : {}),
    ...(Number.isInteger(page) && page > 1 ? { page } : {}),
  };
  if (parts[3] === undefined) return { view: "examples", run, query };
  const side = get("side");
  return { view: "example", run, example: parts[3], query, ...(side === "a" || side === "b" ? { side } : {}) };
}

export function href(route: Route): string {
  const enc = encodeURIComponent;
  switch (route.view) {
    case "runs":
      return "#/";
    case "run":
      return `#/runs/${enc(route.run)}${search({ c: route.candidate })}`;
    case "examples":
      return `#/runs/${enc(route.run)}/examples${search({ ...route.query })}`;
    case "example":
      return `#/runs/${enc(route.run)}/examples/${enc(route.example)}${search({ ...route.query, side: route.side })}`;
  }
}

function search(params: Record<string, string | number | undefined>): string {
  const pairs = Object.entries(params).filter((e): e is [string, string | number] => e[1] !== undefined && e[1] !== "");
  return pairs.length === 0 ? "" : "?" + new URLSearchParams(pairs.map(([k, v]) => [k, String(v)])).toString();
}

function opt<K extends string>(key: K, value: string | undefined): { [k in K]?: string } {
  return (value === undefined || value === "" ? {} : { [key]: value }) as { [k in K]?: string };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

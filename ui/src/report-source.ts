import type { ExampleFilter, ExamplesResponse, ReportData } from "../../src/view/api-types.js";
import type { ApiSource } from "./source.js";
import { definedParams, type Params } from "./query.js";
import { pageOfExamples } from "./report-examples.js";

/** The data a `dspx report` file carries, or null when the page is the live viewer. */
export function readReport(doc: { getElementById(id: string): { getAttribute(name: string): string | null; textContent: string | null } | null }): ReportData | null {
  const el = doc.getElementById("dspx-report");
  if (!el || el.getAttribute("type") !== "application/json") return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(el.textContent ?? "");
  } catch {
    throw new Error("this report's data is damaged (not JSON)");
  }
  const data = parsed as Partial<ReportData> | null;
  if (!data || typeof data !== "object" || typeof data.run !== "string" || !data.responses || typeof data.responses !== "object") {
    throw new Error("this report's data is damaged (no run or responses)");
  }
  return data as ReportData;
}

/** Fields of a stored response that must agree with the request's parameters of the same name. */
function agrees(body: unknown, params: Map<string, string>): boolean {
  const b = body as Record<string, unknown> | null;
  if (!b || typeof b !== "object") return false;
  const side = (v: unknown) => (typeof v === "string" ? v : (v as { candidate?: unknown } | null)?.candidate);
  for (const key of ["a", "b", "dataset"] as const) {
    const want = params.get(key);
    if (want === undefined || !(key in b)) continue;
    const have = key === "dataset" ? b[key] : side(b[key]);
    if (have !== null && have !== undefined && have !== want) return false;
  }
  return true;
}

/**
 * Answers requests from a report's inlined responses. A key is the pathname plus its non-default
 * parameters sorted by name; the UI cannot know every default, so a stored key whose parameters are
 * a subset of the request's (the rest presumed defaults) answers it when the response agrees with
 * the request on candidates and dataset. The examples list is stored once with every row
 * (pageSize=all) and filtered, searched and paged here.
 */
export function reportSource(report: ReportData): ApiSource {
  const byPath = new Map<string, { params: Map<string, string>; body: unknown }[]>();
  for (const [key, body] of Object.entries(report.responses)) {
    const [path = "", search = ""] = key.split("?", 2);
    const list = byPath.get(path) ?? [];
    list.push({ params: new Map(new URLSearchParams(search)), body });
    byPath.set(path, list);
  }
  const lookup = (path: string, wanted: Map<string, string>): unknown => {
    let best: { score: number; body: unknown } | null = null;
    for (const entry of byPath.get(path) ?? []) {
      let ok = true;
      for (const [k, v] of entry.params) if (wanted.get(k) !== v) ok = false;
      if (!ok || !agrees(entry.body, wanted)) continue;
      if (!best || entry.params.size > best.score) best = { score: entry.params.size, body: entry.body };
    }
    return best?.body;
  };
  return {
    static: true,
    async get<T>(path: string, params?: Params): Promise<T> {
      const wanted = new Map(definedParams(params));
      if (/^\/api\/runs\/[^/]+\/examples$/.test(path)) {
        const paging = new Map(wanted);
        for (const k of ["filter", "q", "page", "pageSize"]) paging.delete(k);
        paging.set("pageSize", "all");
        const all = lookup(path, paging) as ExamplesResponse | undefined;
        if (!all) throw new Error("these examples are not in this report");
        return pageOfExamples(all, {
          filter: (wanted.get("filter") ?? "all") as ExampleFilter,
          q: wanted.get("q") ?? "",
          page: Number(wanted.get("page") ?? 1),
          pageSize: Number(wanted.get("pageSize") ?? 50),
        }) as T;
      }
      const body = lookup(path, wanted);
      if (body === undefined) throw new Error("this view is not in this report (it holds one run, its candidates and a capped set of examples)");
      return body as T;
    },
  };
}

import { UserError } from "../../util/errors.js";
import type { ViewStore } from "../view-store.js";
import { getCandidates } from "./candidates.js";
import { getCompare } from "./compare.js";
import { getExample } from "./example.js";
import { getExamples } from "./examples.js";
import { ApiFailure, errorBody, notFound } from "./failure.js";
import { getMessages } from "./messages.js";
import { getRun } from "./run.js";
import { listRuns } from "./runs.js";
import { param } from "./params.js";

export interface ApiAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * Answers one request under /api/ (`pathname` as sent, percent-encoded; `query` its parameters):
 * the JSON of api-types.ts, or an ApiError. Read only: GET and HEAD; any other method is 405.
 */
export function handleApi(store: ViewStore, method: string, pathname: string, query: URLSearchParams): ApiAnswer {
  if (method !== "GET" && method !== "HEAD") {
    return { status: 405, body: errorBody(405, `${method} is not allowed: the API is read-only (GET, HEAD)`), headers: { allow: "GET, HEAD" } };
  }
  try {
    return { status: 200, body: route(store, pathname, query) };
  } catch (err) {
    if (err instanceof ApiFailure) return { status: err.status, body: errorBody(err.status, err.message) };
    // A damaged row: what is wrong with it, said as the CLI says it.
    if (err instanceof UserError) return { status: 500, body: errorBody(500, err.message) };
    return { status: 500, body: errorBody(500, `the viewer failed: ${(err as Error)?.message ?? String(err)}`) };
  }
}

function route(store: ViewStore, pathname: string, query: URLSearchParams): unknown {
  const parts = pathname.replace(/\/+$/, "").split("/").slice(1).map(decodeSegment);
  if (parts[0] !== "api") throw notFound(`no such API path: ${pathname}`);
  const [, resource, id, sub, item, ...rest] = parts;
  if (rest.length > 0) throw notFound(`no such API path: ${pathname}`);
  if (resource === "runs") {
    if (id === undefined) {
      return listRuns(store, { kind: param(query, "kind"), status: param(query, "status"), program: param(query, "program"), q: param(query, "q") });
    }
    if (sub === undefined) return getRun(store, id);
    if (sub === "candidates" && item === undefined) return getCandidates(store, id);
    if (sub === "examples") return item === undefined ? getExamples(store, id, query) : getExample(store, id, item, query);
  }
  if (resource === "compare" && id === undefined) return getCompare(store, query);
  if (resource === "messages" && id !== undefined && sub === undefined) return getMessages(store, id);
  throw notFound(`no such API path: ${pathname}`);
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new ApiFailure(400, `the path has a malformed percent-encoding: ${JSON.stringify(s)}`);
  }
}

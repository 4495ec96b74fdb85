import type { ApiError } from "../../src/view/api-types.js";
import { queryString, type Params } from "./query.js";
import type { ApiSource } from "./source.js";

/** Reads same-origin /api/ only; a token from the page's URL goes with every request. */
export function httpSource(token: string | null): ApiSource {
  const headers: Record<string, string> = { accept: "application/json" };
  if (token) headers["x-dspx-token"] = token;
  return {
    static: false,
    async get<T>(path: string, params?: Params): Promise<T> {
      if (!path.startsWith("/api/")) throw new Error(`not an API path: ${path}`);
      const res = await fetch(path + queryString(params), { headers, credentials: "same-origin", cache: "no-store" });
      const body: unknown = await res.json().catch(() => null);
      if (!res.ok) throw new Error(errorMessage(body) ?? `${res.status} ${res.statusText}`);
      return body as T;
    },
  };
}

function errorMessage(body: unknown): string | null {
  const error = (body as Partial<ApiError> | null)?.error;
  return error && typeof error.message === "string" ? error.message : null;
}

/** The token the page was opened with (`?token=…`), if any. */
export function pageToken(location: { search: string }): string | null {
  return new URLSearchParams(location.search).get("token");
}

import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** The cookie the viewer sets once a page was opened with the right ?token=, so its scripts and fetches carry it. */
export const TOKEN_COOKIE = "dspx_token";
export const TOKEN_HEADER = "x-dspx-token";

export function newToken(): string {
  return randomBytes(24).toString("base64url");
}

/** Whether `given` is the token, compared in constant time (over digests, so lengths do not show either). */
export function tokenMatches(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(given), digest(token));
}

/** The token a request carries: ?token=, the x-dspx-token header, `Authorization: Bearer …`, or the cookie. */
export function tokensOf(req: IncomingMessage, query: URLSearchParams): string[] {
  const found: string[] = [];
  const q = query.get("token");
  if (q) found.push(q);
  const header = req.headers[TOKEN_HEADER];
  if (typeof header === "string") found.push(header);
  const auth = req.headers.authorization;
  if (auth?.startsWith("Bearer ")) found.push(auth.slice(7).trim());
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === TOKEN_COOKIE) found.push(value.join("="));
  }
  return found;
}

export function requestHasToken(req: IncomingMessage, query: URLSearchParams, token: string): boolean {
  // Every candidate is compared, so how many were given and which matched take the same time per candidate.
  let ok = false;
  for (const t of tokensOf(req, query)) ok = tokenMatches(t, token) || ok;
  return ok;
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127(\.\d{1,3}){3}$/.test(host);
}

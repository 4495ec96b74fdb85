import { badRequest } from "./failure.js";

/** A query parameter given once (or absent); repeated, or empty when it must not be, is a 400. */
export function param(query: URLSearchParams, name: string): string | undefined {
  const all = query.getAll(name);
  if (all.length > 1) throw badRequest(`${name}: given ${all.length} times; give it once`);
  return all[0] === undefined || all[0] === "" ? undefined : all[0];
}

export function oneOfParam<T extends string>(query: URLSearchParams, name: string, choices: readonly T[], fallback: T): T {
  const v = param(query, name);
  if (v === undefined) return fallback;
  if (!(choices as readonly string[]).includes(v)) throw badRequest(`${name}: expected one of ${choices.join(", ")}, got ${JSON.stringify(v)}`);
  return v as T;
}

export function intParam(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const v = param(query, name);
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw badRequest(`${name}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return Number(v);
}

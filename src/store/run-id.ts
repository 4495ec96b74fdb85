import { randomBytes } from "node:crypto";

/** Lower-case letters and digits without look-alikes (no i, l, o, u, 0, 1). */
const ALPHABET = "23456789abcdefghjkmnpqrstvwxyz";

/** A short, typeable run id such as `k7m2q9xa` (ids name things; they never drive a decision). */
export function newRunId(): string {
  const bytes = randomBytes(8);
  let id = "";
  for (const b of bytes) id += ALPHABET[b % ALPHABET.length];
  return id;
}

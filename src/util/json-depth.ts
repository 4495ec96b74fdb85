/**
 * How deeply a JSON value from a user's file may nest. JSON.parse reads any depth, but hashing,
 * rendering and type coercion walk values recursively and would run out of stack (a RangeError)
 * thousands of levels down; no dataset row needs more than a few dozen.
 */
export const MAX_JSON_DEPTH = 100;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether a parsed value nests deeper than `max`. Recursive, but never more than `max` + 1 calls
 * deep: it stops where the value gets too deep. Scalars cost nothing, so a row of a few strings is a
 * few calls — much cheaper than scanning its text.
 */
export function nestsDeeperThan(value: unknown, max = MAX_JSON_DEPTH): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (max === 0) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (nestsDeeperThan(item, max - 1)) return true;
    return false;
  }
  for (const key in value) if (nestsDeeperThan((value as Record<string, unknown>)[key], max - 1)) return true;
  return false;
}

/**
 * The 0-based offset in JSON text of the first `[` or `{` that opens a level deeper than `max`, or
 * undefined when the text nests no deeper. Strings are skipped, so brackets inside them don't count.
 */
export function tooDeepAt(text: string, max = MAX_JSON_DEPTH): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return i;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return undefined;
}

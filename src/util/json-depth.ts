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

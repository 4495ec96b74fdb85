import { lazyPackage } from "./lazy-package.js";

/**
 * Terminal display width: how many columns text takes, not how many UTF-16 units. Wide (CJK) and
 * emoji graphemes take two columns, combining marks none, and colour codes none.
 *
 * string-width is loaded on the first text that is not plain ASCII: building its Unicode property
 * regexes and segmenter costs ~50 ms, a sixth of a `dspx validate`, and most of what dspx prints is
 * ASCII.
 */

/** SGR (colour and style) sequences, the only escapes dspx itself writes. */
const SGR = /\x1b\[[0-9;]*m/g;
const RESET = "\x1b[0m";
/** Printable ASCII: one column per character. */
const PLAIN = /^[\x20-\x7e]*$/;

const stringWidth = lazyPackage<typeof import("string-width")>("string-width");
let graphemes: Intl.Segmenter | undefined;

export function displayWidth(text: string): number {
  const bare = text.includes("\x1b") ? text.replace(SGR, "") : text;
  return PLAIN.test(bare) ? bare.length : stringWidth().default(text);
}

/**
 * Text made safe for one table line: line breaks and tabs become a space, other control characters
 * (a bare ESC from data could move the cursor or recolour the terminal) are dropped; colour codes
 * dspx added are kept.
 */
export function oneLineCell(text: string): string {
  return splitSgr(text)
    .map((part) => (part.sgr ? part.text : part.text.replace(/[\t\n\v\f\r]+/g, " ").replace(/[\u0000-\u001f\u007f-\u009f]/g, "")))
    .join("");
}

/**
 * At most `width` display columns, ending with "…" when cut. Never splits a grapheme (an emoji
 * sequence, a letter with its accents) and keeps colour codes, closing them after the cut.
 */
export function truncateToWidth(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 0) return "";
  let room = width - 1; // for the ellipsis
  let out = "";
  let styled = false;
  for (const part of splitSgr(text)) {
    if (part.sgr) {
      out += part.text;
      styled = true;
      continue;
    }
    graphemes ??= new Intl.Segmenter("en", { granularity: "grapheme" });
    for (const { segment } of graphemes.segment(part.text)) {
      const w = displayWidth(segment);
      if (w > room) return cut(out, styled);
      out += segment;
      room -= w;
    }
  }
  return cut(out, styled);
}

/** What was kept, without the spaces before the cut, then "…" (and a reset when colour was open). */
function cut(kept: string, styled: boolean): string {
  return `${kept.replace(/\s+$/, "")}…${styled ? RESET : ""}`;
}

interface Part {
  text: string;
  sgr: boolean;
}

function splitSgr(text: string): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const m of text.matchAll(SGR)) {
    if (m.index > last) parts.push({ text: text.slice(last, m.index), sgr: false });
    parts.push({ text: m[0], sgr: true });
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last), sgr: false });
  return parts;
}

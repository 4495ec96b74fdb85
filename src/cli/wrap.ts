import { displayWidth, truncateToWidth } from "./text-width.js";

/**
 * A labelled line of parts joined by `separator` (`config   dataset dev · model sim · …`) that fits
 * `width`: a part that would overflow starts the next line, under the first part; a part wider than
 * a whole line is broken between words (and a word wider than a line is cut with "…"). With no
 * width (a pipe) it is one line.
 */
export function wrapParts(label: string, parts: readonly string[], width: number | undefined, separator = " · "): string {
  if (width === undefined) return label + parts.join(separator);
  const indent = " ".repeat(Math.min(displayWidth(label), Math.max(0, width - 10)));
  const room = width - indent.length;
  const lines: string[] = [];
  let line = label;
  let empty = true;
  const place = (text: string, joiner: string) => {
    const joined = empty ? line + text : line + joiner + text;
    if (displayWidth(joined) <= width) line = joined;
    else if (empty) line += truncateToWidth(text, width - displayWidth(line));
    else {
      lines.push(line);
      line = indent + truncateToWidth(text, room);
    }
    empty = false;
  };
  for (const part of parts) {
    if (displayWidth(part) <= room) place(part, separator);
    else part.split(" ").forEach((word, i) => place(word, i === 0 ? separator : " "));
  }
  lines.push(line);
  return lines.join("\n");
}

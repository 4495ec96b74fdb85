/**
 * The field marker syntax of the chat format: `[[ ## name ## ]]` opens a field, and the
 * `completed` marker closes the answer. Rendering writes the canonical form; reading accepts what
 * models actually write (markers mid-line, any letter case, loose spacing inside the brackets).
 */

/** The name of the marker that ends an answer. */
export const COMPLETED = "completed";

export function marker(name: string): string {
  return `[[ ## ${name} ## ]]`;
}

/** A field rendered as its marker line followed by its value (nothing after an empty value). */
export function section(name: string, value: string): string {
  return value === "" ? marker(name) : `${marker(name)}\n${value}`;
}

/** Sections are separated by one blank line. */
export function sections(parts: { name: string; value: string }[]): string {
  return parts.map((p) => section(p.name, p.value)).join("\n\n");
}

const MARKER_RE = /\[\[\s*#+\s*([^\[\]#\n]*?)\s*#+\s*\]\]/g;

export interface FoundMarker {
  /** Lower-cased, inner whitespace collapsed. */
  name: string;
  /** Offset of the `[[`. */
  start: number;
  /** Offset just after the `]]`. */
  end: number;
}

const MARKER_AT = new RegExp(MARKER_RE.source, "y");

export function findMarkers(text: string): FoundMarker[] {
  const found: FoundMarker[] = [];
  // Jump from one "[[" to the next and try the marker pattern only there (sticky): completions are
  // mostly prose, and scanning them with the full pattern is the slow part of parsing.
  for (let at = text.indexOf("[["); at >= 0; at = text.indexOf("[[", at + 1)) {
    MARKER_AT.lastIndex = at;
    const m = MARKER_AT.exec(text);
    if (!m) continue;
    const name = m[1]!.trim().replace(/\s+/g, " ").toLowerCase();
    if (name !== "") found.push({ name, start: at, end: at + m[0].length });
    at += m[0].length - 1;
  }
  return found;
}

/**
 * The value of every marker in a completion, keyed by lower-cased name: the text from the marker
 * to the next marker of any name (so an invented field never leaks into the one before it),
 * trimmed. Text before the first marker is ignored; a name seen twice keeps its first value.
 */
export function readSections(text: string): Map<string, string> {
  const markers = findMarkers(text);
  const values = new Map<string, string>();
  markers.forEach((m, i) => {
    if (values.has(m.name)) return;
    const next = markers[i + 1];
    values.set(m.name, text.slice(m.end, next ? next.start : text.length).trim());
  });
  return values;
}

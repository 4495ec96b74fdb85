import Table from "cli-table3";
import { displayWidth, oneLineCell, truncateToWidth } from "./text-width.js";

/**
 * Every table dspx prints, laid out to fit the terminal.
 *
 * On a terminal (`width` given) each row is one line no wider than `width`: columns take their
 * natural width; when that is too wide, truncatable columns are cut (with "…") down to their `min`,
 * widest first; when even that is too wide, the least useful column (highest `priority`) is dropped
 * and the rest laid out again. The last column left is cut to fit whatever it is.
 *
 * In a pipe (`width` undefined) there is no terminal to fit: rows are tab-separated, a header row
 * first, every cell whole, nothing padded or wrapped — ready for `cut -f`, `awk -F'\t'` or a
 * spreadsheet.
 */
export interface Column {
  header: string;
  /** Which columns go first when the table is too wide: the highest number is dropped first (ties: the rightmost). */
  priority: number;
  /** The cell may be cut with "…" to make room. */
  truncate?: boolean;
  /** The narrowest a truncatable column is cut to (default 10, or its natural width when less). */
  min?: number;
  /** The widest the column grows even with room to spare. */
  max?: number;
  align?: "left" | "right";
}

/** A table to print: its columns and its rows of cells (strings that may hold colour codes). */
export interface TableSpec {
  columns: Column[];
  rows: string[][];
}

export interface TableStyle {
  /**
   * `boxed`: a bordered grid with a header row. `plain`: an indented list, columns two spaces
   * apart, the header row only when some column has a header.
   */
  kind: "boxed" | "plain";
  /** Grey borders (only when colour is on). */
  colorBorder?: boolean;
  /** Applied to header cells. */
  head?: (s: string) => string;
}

const DEFAULT_MIN = 10;
const PLAIN_INDENT = "  ";
const PLAIN_GAP = "  ";

/** The table as lines (no trailing newline), fitting `width` columns, or tab-separated when it is undefined. */
export function layoutTable({ columns, rows }: TableSpec, width: number | undefined, style: TableStyle = { kind: "boxed" }): string[] {
  const cells = rows.map((row) => columns.map((_, i) => oneLineCell(row[i] ?? "")));
  const headers = columns.map((c) => oneLineCell(c.header));
  const hasHeader = style.kind === "boxed" || headers.some((h) => h !== "");
  if (width === undefined) {
    return [...(hasHeader ? [headers.join("\t")] : []), ...cells.map((row) => row.join("\t"))];
  }
  const natural = columns.map((c, i) => Math.min(c.max ?? Infinity, Math.max(hasHeader ? displayWidth(headers[i]!) : 0, ...cells.map((row) => displayWidth(row[i]!)))));
  const fitting = (shown: number[]) => fitWidths(shown.map((i) => ({ column: columns[i]!, natural: natural[i]! })), width - overhead(style, shown.length));
  let shown = columns.map((_, i) => i);
  let widths = fitting(shown);
  while (!widths) {
    if (shown.length === 1) {
      widths = [Math.max(1, width - overhead(style, 1))];
      break;
    }
    shown = withoutLeastUseful(shown, columns);
    widths = fitting(shown);
  }
  const laid = shown.map((i, k) => ({ column: columns[i]!, width: widths[k]! }));
  const fit = (text: string, k: number) => truncateToWidth(text, laid[k]!.width);
  const head = shown.map((i, k) => fit(headers[i]!, k));
  const body = cells.map((row) => shown.map((i, k) => fit(row[i]!, k)));
  return style.kind === "boxed" ? boxed(laid, head, body, style) : plain(laid, hasHeader ? head : undefined, body, style);
}

/** Columns of borders and padding around `n` cells. */
function overhead(style: TableStyle, n: number): number {
  return style.kind === "boxed" ? 3 * n + 1 : PLAIN_INDENT.length + PLAIN_GAP.length * (n - 1);
}

/**
 * Widths that fit `room` content columns, or undefined when even the minimums do not. Truncatable
 * columns are capped at one common width (the largest that fits), never below their minimum; the
 * columns left that one column short of the cap get it from the left.
 */
function fitWidths(columns: readonly { column: Column; natural: number }[], room: number): number[] | undefined {
  const natural = columns.map((c) => c.natural);
  const total = natural.reduce((a, b) => a + b, 0);
  if (total <= room) return natural;
  const min = columns.map((c) => (c.column.truncate ? Math.min(c.natural, c.column.min ?? DEFAULT_MIN) : c.natural));
  if (min.reduce((a, b) => a + b, 0) > room) return undefined;
  const capped = (cap: number) => columns.map((c, i) => (c.column.truncate ? Math.max(min[i]!, Math.min(c.natural, cap)) : c.natural));
  const sum = (ws: number[]) => ws.reduce((a, b) => a + b, 0);
  // The largest common cap that fits (0 always does: every truncatable column is at its minimum).
  let lo = 0;
  let hi = Math.max(...natural);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (sum(capped(mid)) <= room) lo = mid;
    else hi = mid - 1;
  }
  const widths = capped(lo);
  let spare = room - sum(widths);
  for (let i = 0; i < widths.length && spare > 0; i++) {
    if (columns[i]!.column.truncate && widths[i]! < columns[i]!.natural) {
      widths[i]!++;
      spare--;
    }
  }
  return widths;
}

function withoutLeastUseful(shown: readonly number[], columns: readonly Column[]): number[] {
  let drop = shown[0]!;
  for (const i of shown) if (columns[i]!.priority >= columns[drop]!.priority) drop = i;
  return shown.filter((i) => i !== drop);
}

interface Laid {
  column: Column;
  width: number;
}

function pad(text: string, { column, width }: Laid): string {
  const gap = " ".repeat(Math.max(0, width - displayWidth(text)));
  return column.align === "right" ? gap + text : text + gap;
}

/** The bordered grid, drawn by cli-table3 at the widths laid out here (its own wrapping and colours off). */
function boxed(laid: readonly Laid[], head: string[], body: string[][], style: TableStyle): string[] {
  const h = style.head ?? ((s: string) => s);
  const table = new Table({
    head: head.map((c, k) => h(pad(c, laid[k]!))),
    colWidths: laid.map((l) => l.width + 2),
    colAligns: laid.map((l) => l.column.align ?? "left"),
    wordWrap: false,
    style: { head: [], border: style.colorBorder ? ["grey"] : [], "padding-left": 1, "padding-right": 1, compact: true },
  });
  table.push(...body.map((row) => row.map((c, k) => pad(c, laid[k]!))));
  return table.toString().split("\n");
}

function plain(laid: readonly Laid[], head: string[] | undefined, body: string[][], style: TableStyle): string[] {
  const h = style.head ?? ((s: string) => s);
  // The last column is not padded: no trailing spaces.
  const line = (cells: string[], styleCell: (s: string) => string = (s) => s) =>
    PLAIN_INDENT + cells.map((c, k) => styleCell(k === cells.length - 1 && laid[k]!.column.align !== "right" ? c : pad(c, laid[k]!))).join(PLAIN_GAP);
  return [...(head ? [line(head, h)] : []), ...body.map((row) => line(row))];
}

import type { Ref } from "./types.js";

const IDENT = "[A-Za-z_][A-Za-z0-9_-]*";
const REF_RE = new RegExp(`^\\$?(${IDENT})\\.(${IDENT})$`);

/** Parses `$inputs.x`, `$step.field` or `step.field`; undefined when the text is not a reference. */
export function parseRef(text: string): Ref | undefined {
  const m = REF_RE.exec(text.trim());
  if (!m) return undefined;
  const [, head, field] = m;
  return head === "inputs" ? { kind: "input", field: field! } : { kind: "step", step: head!, field: field! };
}

export function refToString(ref: Ref): string {
  return ref.kind === "input" ? `$inputs.${ref.field}` : `$${ref.step}.${ref.field}`;
}

export const REF_FORMS = "`$inputs.<field>` or `$<step>.<field>`";

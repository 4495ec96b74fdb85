/** The type of one field of a signature. */
export type FieldType =
  | { kind: "string" }
  | { kind: "number" }
  | { kind: "integer" }
  | { kind: "boolean" }
  | { kind: "enum"; options: string[] }
  | { kind: "list"; item: FieldType }
  | { kind: "json" };

export interface Field {
  name: string;
  type: FieldType;
  desc?: string;
  /** False when the user wrote no type and `string` was assumed (a wired producer may refine it). */
  typed: boolean;
}

/** What a step takes and what it must produce. Field order is the order the user wrote. */
export interface Signature {
  inputs: Field[];
  outputs: Field[];
}

export const STRING: FieldType = { kind: "string" };

/** Closed types are those with a fixed set of answers (what `sim` votes on). */
export function closedOptions(type: FieldType): string[] | undefined {
  if (type.kind === "enum") return type.options;
  if (type.kind === "boolean") return ["false", "true"];
  return undefined;
}

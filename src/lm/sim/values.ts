import type { Field, FieldType } from "../../signature/types.js";
import { closedOptions } from "../../signature/types.js";
import { valueToText } from "../../util/text.js";

/** The option set of a closed field, or of the items of a list of closed values. */
export function closedOptionsOf(type: FieldType): string[] | undefined {
  return closedOptions(type.kind === "list" ? type.item : type);
}

/** Words that name an option in free text: its own name, and yes/no for booleans. */
export interface OptionNames {
  option: string;
  names: string[];
}

export function optionNames(type: FieldType): OptionNames[] | undefined {
  const options = closedOptionsOf(type);
  if (!options) return undefined;
  const isBoolean = (type.kind === "list" ? type.item : type).kind === "boolean";
  return options.map((option) => ({
    option,
    names: isBoolean ? [option, option === "true" ? "yes" : "no"] : [option],
  }));
}

/** Which options a stored value (a demo's, a record's) stands for: "Billing" → billing, true → "true". */
export function optionsOfValue(value: unknown, names: readonly OptionNames[]): string[] {
  const items = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  const out: string[] = [];
  for (const item of items) {
    const text = valueToText(item).trim().toLowerCase();
    const hit = names.find((n) => n.names.some((name) => name.toLowerCase() === text));
    if (hit && !out.includes(hit.option)) out.push(hit.option);
  }
  return out;
}

/** An option (or options, for lists) as a value of the field's type. */
export function closedValue(type: FieldType, options: readonly string[]): unknown {
  const item = type.kind === "list" ? type.item : type;
  const typed = options.map((o) => (item.kind === "boolean" ? o === "true" : o));
  return type.kind === "list" ? typed : typed[0];
}

/** What sim answers for a field it has nothing to say about. */
export function defaultValue(type: FieldType): unknown {
  switch (type.kind) {
    case "string":
      return "";
    case "number":
    case "integer":
      return 0;
    case "boolean":
      return false;
    case "enum":
      return type.options[0] ?? "";
    case "list":
      return [];
    case "json":
      return {};
  }
}

const NUMBER_RE = /[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+]?\.\d+/g;

/** Every number written in a text, in order ("1,200" is 1200). */
export function numbersIn(text: string): number[] {
  return (text.match(NUMBER_RE) ?? []).map((m) => Number(m.replace(/,/g, ""))).filter(Number.isFinite);
}

/** The output chain of thought adds before the others; sim fills it with the evidence it used. */
export function isReasoning(field: Field): boolean {
  return field.name === "reasoning" && field.type.kind === "string";
}

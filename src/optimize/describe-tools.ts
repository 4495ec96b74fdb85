import type { ToolSchema } from "../lm/tool-types.js";
import type { ToolUse } from "../lm/types.js";
import { valueToText } from "../util/text.js";

/**
 * The text a proposal prompt shows of an agent step's tools and of how they were used: what a real
 * LM reads (sim reads the same data from the call's meta).
 */

/** One line per tool: `- lookup_order(order_id: string, required — The order id): Looks up an order.` */
export function describeTools(tools: readonly ToolSchema[]): string {
  return tools.map((t) => `- ${t.name}(${describeParameters(t.parameters)}): ${t.description.trim()}`).join("\n");
}

function describeParameters(schema: Record<string, unknown>): string {
  const properties = schema["properties"];
  if (properties === null || typeof properties !== "object") return "";
  const required = new Set(Array.isArray(schema["required"]) ? schema["required"].filter((r): r is string => typeof r === "string") : []);
  return Object.entries(properties as Record<string, unknown>)
    .map(([name, value]) => {
      const p = value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};
      const type = Array.isArray(p["enum"]) ? `one of ${p["enum"].map((v) => JSON.stringify(v)).join(" | ")}` : typeof p["type"] === "string" ? p["type"] : "any";
      const desc = typeof p["description"] === "string" && p["description"].trim() !== "" ? ` — ${p["description"].trim()}` : "";
      return `${name}: ${type}${required.has(name) ? ", required" : ""}${desc}`;
    })
    .join("; ");
}

/** One line per run: `1. question: Where is A1002? → lookup_order({"order_id":"A1002"}) · passed`. */
export function describeToolUses(uses: readonly ToolUse[]): string {
  if (uses.length === 0) return "(no runs yet)";
  return uses
    .map((u, i) => {
      const inputs = Object.entries(u.inputs)
        .map(([k, v]) => `${k}: ${valueToText(v)}`)
        .join(" · ");
      const calls = u.calls.length === 0 ? "no tool" : u.calls.map((c) => `${c.tool}(${JSON.stringify(c.args)})`).join(" → ");
      return `${i + 1}. ${inputs} → ${calls} · ${u.passed ? "passed" : "failed"}`;
    })
    .join("\n");
}

import { validateProgram } from "../../api/validate.js";
import { refToString } from "../../program/refs.js";
import { typeToString } from "../../signature/format.js";
import type { Field } from "../../signature/types.js";
import type { CompiledStep } from "../../graph/types.js";
import type { CommandContext } from "../context.js";
import { openProgram } from "../open.js";
import { oneLine } from "../output.js";
import { noticeWarnings, warningJson } from "../render/warnings.js";
import { displayPath } from "../../util/display-path.js";
import { DEFAULT_TOOL_TIMEOUT_MS } from "../../tools/load.js";
import type { ToolOrigin } from "../../tools/types.js";

export interface ValidateFlags {
  json?: boolean;
}

const fieldText = (f: Field) => `${f.name}: ${typeToString(f.type)}`;

export async function validateCommand(file: string, flags: ValidateFlags, ctx: CommandContext): Promise<number> {
  const { output } = ctx;
  const program = await openProgram(file, { cache: false }, ctx);
  const { splits, warnings } = await validateProgram(program);
  noticeWarnings(warnings, output);
  const metric = await program.metric();
  const { spec, graph } = program;
  const lmName = (stepLm: typeof spec.lm) => program.pool.resolveModel(stepLm ?? spec.lm);

  if (output.json) {
    output.out(
      JSON.stringify({
        valid: true,
        program: spec.name,
        file: displayPath(spec.file),
        inputs: spec.inputs.map((f) => ({ name: f.name, type: typeToString(f.type), ...(f.desc ? { desc: f.desc } : {}) })),
        outputs: graph.outputs.map((o) => ({ name: o.name, from: refToString(o.ref), type: typeToString(o.type) })),
        steps: graph.steps.map((s) => ({
          name: s.name,
          module: s.module.name,
          lm: s.module.usesLM ? lmName(s.spec.lm) : null,
          inputs: s.signature.inputs.map((f) => ({ name: f.name, type: typeToString(f.type), from: refToString(s.sources[f.name]!) })),
          outputs: s.outputs.map((f) => ({ name: f.name, type: typeToString(f.type) })),
          options: moduleOptions(s),
          dependsOn: s.deps,
          instruction: s.spec.instruction,
          demos: s.spec.demos.length,
        })),
        tools: graph.tools.tools.map(({ spec: t }) => ({ ref: t.ref, name: t.name, description: t.description, parameters: t.parameters, origin: t.origin, cache: t.cache, timeoutMs: t.timeoutMs })),
        metric: metric.name,
        data: splits.map((s) => ({ split: s.split, file: displayPath(s.file), examples: s.examples })),
        warnings: warnings.map(warningJson),
      }),
    );
    return 0;
  }
  const c = output.color;
  const lines: string[] = [];
  lines.push(`${c.green("✓")} ${c.bold(spec.name)} is valid ${c.dim(`(${displayPath(spec.file)})`)}`);
  if (spec.description) lines.push(c.dim(spec.description));
  lines.push("");
  lines.push(`${c.bold("inputs")}   ${spec.inputs.map(fieldText).join(", ")}`);
  lines.push(`${c.bold("outputs")}  ${graph.outputs.map((o) => `${o.name} ← ${refToString(o.ref)}`).join(", ")}`);
  lines.push(c.bold("steps"));
  graph.steps.forEach((s, i) => {
    const lm = s.module.usesLM ? c.dim(` on ${lmName(s.spec.lm)}`) : "";
    const after = s.deps.length > 0 ? c.dim(` after ${s.deps.join(", ")}`) : "";
    lines.push(`  ${i + 1}. ${c.cyan(s.name)}  ${s.module.name}${lm}${after}`);
    for (const f of s.signature.inputs) lines.push(`       ${fieldText(f)} ${c.dim("←")} ${refToString(s.sources[f.name]!)}`);
    lines.push(`       ${c.dim("→")} ${s.outputs.map(fieldText).join(", ")}`);
    const options = Object.entries(moduleOptions(s));
    if (options.length > 0) lines.push(`       ${options.map(([k, v]) => `${c.dim(k)} ${typeof v === "string" ? v : JSON.stringify(v)}`).join(" · ")}`);
    if (s.module.usesLM) {
      const instr = s.spec.instruction ? `"${oneLine(s.spec.instruction, 70)}"` : c.dim("(no instruction)");
      lines.push(`       ${instr} · ${s.spec.demos.length} demo${s.spec.demos.length === 1 ? "" : "s"}`);
    }
  });
  if (graph.tools.tools.length > 0) {
    lines.push(c.bold("tools"));
    for (const { spec: t } of graph.tools.tools) {
      const named = t.name === t.ref ? c.cyan(t.ref) : `${c.cyan(t.ref)} ${c.dim(`(offered as ${t.name})`)}`;
      const flags = [...(t.cache ? [] : ["cache: false"]), ...(t.timeoutMs !== DEFAULT_TOOL_TIMEOUT_MS ? [`timeout ${t.timeoutMs / 1000} s`] : [])];
      lines.push(`  ${named}  ${c.dim(originText(t.origin))}${flags.length > 0 ? c.dim(` · ${flags.join(" · ")}`) : ""}`);
      lines.push(`       ${oneLine(t.description, 90)}`);
      lines.push(`       ${c.dim("(")}${parameterText(t.parameters)}${c.dim(")")}`);
    }
  }
  lines.push(`${c.bold("metric")}   ${metric.name}`);
  lines.push(
    `${c.bold("data")}     ${splits.length > 0 ? splits.map((s) => `${s.split} ${s.examples}`).join(" · ") + " examples" : c.dim("none")}`,
  );
  output.out(lines.join("\n"));
  return 0;
}

function originText(origin: ToolOrigin): string {
  return origin.kind === "module" ? `${origin.file}#${origin.export}` : `MCP server ${origin.server} (${[origin.command, ...origin.args].join(" ")})`;
}

/** A tool's parameters on one line: `order_id: string, limit?: integer`. */
function parameterText(schema: Record<string, unknown>): string {
  const properties = (schema.properties ?? {}) as Record<string, { type?: unknown; enum?: unknown[] }>;
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const entries = Object.entries(properties).map(([name, p]) => {
    const type = Array.isArray(p?.enum) ? p.enum.map((v) => JSON.stringify(v)).join(" | ") : typeof p?.type === "string" ? p.type : Array.isArray(p?.type) ? p.type.join(" | ") : "any";
    return `${name}${required.has(name) ? "" : "?"}: ${type}`;
  });
  return entries.length > 0 ? entries.join(", ") : "no arguments";
}

/** A step's module options (retrieve's `corpus`, `k`, …) as the module reads them, defaults included. */
function moduleOptions(step: CompiledStep): Record<string, unknown> {
  const parsed = step.module.options.safeParse(step.spec.options);
  return parsed.success && parsed.data !== null && typeof parsed.data === "object" ? (parsed.data as Record<string, unknown>) : {};
}

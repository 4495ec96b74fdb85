import type { ReadProgram } from "../../program/load.js";
import { describePath } from "../../program/zod-problems.js";
import type { YamlPath } from "../../program/yaml-source.js";
import { loadTools } from "../../tools/load.js";
import type { LoadedTool, ProgramTools } from "../../tools/toolset.js";
import type { Problem } from "../../util/errors.js";
import { suggestionHint } from "../../util/suggest.js";
import type { Draft } from "./modules.js";

export interface ToolsResult {
  /** Always set (its MCP servers are running: close it when there are problems). */
  tools: ProgramTools;
  /** The tools each step that names some calls, in the order it names them. */
  stepTools: Map<string, LoadedTool[]>;
  problems: Problem[];
}

/**
 * Part of phase 6, prepare: the program's tools are loaded once (modules imported, MCP servers
 * started and asked for their tools), and every tool a step names (its module's `toolRefs`) must be
 * one of them. A step naming a tool whose declaration failed to load is not told so again.
 */
export async function prepareTools(read: ReadProgram, drafts: ReadonlyMap<string, Draft>): Promise<ToolsResult> {
  const { spec, source } = read;
  const load = await loadTools(spec.tools, { dir: spec.dir, posOf: (path) => source.posOf(path) });
  const problems = [...load.problems];
  // Every entry of `tools:`, those too broken to read included (their problems are reported already).
  const declared = spec.raw.tools !== null && typeof spec.raw.tools === "object" ? Object.keys(spec.raw.tools) : [];
  const broken = new Set([...load.failed, ...declared.filter((name) => !spec.tools.some((d) => d.name === name))]);
  const known = [...new Set([...load.tools.refs(), ...declared])];
  const stepTools = new Map<string, LoadedTool[]>();
  for (const [name, draft] of drafts) {
    if (!draft.module.toolRefs || draft.options === undefined) continue;
    const refs = draft.module.toolRefs(draft.options);
    const resolved: string[] = [];
    for (const ref of refs) {
      if (load.tools.resolve([ref])) {
        resolved.push(ref);
        continue;
      }
      if (broken.has(ref.split(".")[0]!)) continue;
      const at = pathOfValue(draft.step.options, ref, ["steps", name]);
      problems.push({
        message: `${describePath(at)}: unknown tool \`${ref}\` (${known.length > 0 ? `the program's tools: ${known.join(", ")}` : "the program declares no `tools:`"})`,
        pos: source.posOf(at),
        ...hint(ref, known),
      });
    }
    stepTools.set(name, load.tools.resolve(resolved) ?? []);
  }
  return { tools: load.tools, stepTools, problems };
}

function hint(ref: string, known: string[]): { hint?: string } {
  const h = suggestionHint(ref, known);
  return h ? { hint: h } : {};
}

/** The YAML path of the first string equal to `value` inside a step's options (where a ref is written). */
function pathOfValue(options: unknown, value: string, at: YamlPath): YamlPath {
  const search = (node: unknown, path: YamlPath): YamlPath | undefined => {
    if (node === value) return path;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const found = search(node[i], [...path, i]);
        if (found) return found;
      }
    } else if (node !== null && typeof node === "object") {
      for (const [k, v] of Object.entries(node)) {
        const found = search(v, [...path, k]);
        if (found) return found;
      }
    }
    return undefined;
  };
  return search(options, at) ?? at;
}

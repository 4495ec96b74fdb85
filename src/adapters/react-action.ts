import { FINISH_TOOL } from "../lm/tool-types.js";
import { canonicalJson } from "../util/canonical.js";
import { firstJsonObject } from "./find-json.js";

/**
 * What the model chose at one step of an agent, as read from its answer (text protocol or a native
 * tool call). `problem` says in words what could not be used — no tool named, a tool that does
 * not exist, arguments that are not a JSON object — and becomes the step's observation.
 */
export interface Action {
  thought: string;
  /** The tool as the model named it (matched to the real name when it could be), or "" when it named none. */
  tool: string;
  args: Record<string, unknown>;
  problem?: string;
}

/** The tool the model named among `tools` (FINISH_TOOL included): exact, else by letter case, ignoring quotes and backticks. */
export function matchToolName(written: string, tools: readonly string[]): string | undefined {
  const name = written.trim().replace(/^[`"'*]+|[`"'*.]+$/g, "").trim();
  if (tools.includes(name)) return name;
  const lower = name.toLowerCase();
  return tools.find((t) => t.toLowerCase() === lower);
}

/** The message for a tool the model named that is not offered. */
export function unknownToolProblem(written: string, tools: readonly string[]): string {
  const what = written.trim() === "" ? "no tool was named" : `there is no tool ${JSON.stringify(written.trim())}`;
  return `${what}; choose one of: ${tools.join(", ")}`;
}

export type ArgsReading = { ok: true; args: Record<string, unknown> } | { ok: false; problem: string };

/** Arguments written as JSON text: an object (empty text is `{}`), also inside code fences or prose. */
export function readArgs(text: string | undefined): ArgsReading {
  const raw = (text ?? "").trim();
  if (raw === "") return { ok: true, args: {} };
  try {
    const value: unknown = JSON.parse(raw);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) return { ok: true, args: value as Record<string, unknown> };
    return { ok: false, problem: `the arguments must be a JSON object, got ${clip(canonicalJson(value))}` };
  } catch {
    const found = firstJsonObject(raw);
    if (found) return { ok: true, args: found };
    return { ok: false, problem: `the arguments could not be read as JSON: ${quote(raw)}` };
  }
}

/** An action from a tool name and arguments text as written, checked against the offered tools. */
export function actionOf(thought: string, writtenTool: string | undefined, argsText: string | undefined, toolNames: readonly string[]): Action {
  const offered = [...toolNames, FINISH_TOOL];
  if (writtenTool === undefined) return { thought, tool: "", args: {}, problem: `the answer named no tool; choose one of: ${offered.join(", ")}` };
  const tool = matchToolName(writtenTool, offered);
  if (tool === undefined) return { thought, tool: writtenTool.trim(), args: {}, problem: unknownToolProblem(writtenTool, offered) };
  if (tool === FINISH_TOOL) return { thought, tool, args: {} };
  const args = readArgs(argsText);
  if (!args.ok) return { thought, tool, args: {}, problem: args.problem };
  return { thought, tool, args: args.args };
}

const MAX_QUOTED = 120;

function quote(text: string): string {
  return clip(JSON.stringify(text));
}

function clip(text: string): string {
  return text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED - 1)}…` : text;
}

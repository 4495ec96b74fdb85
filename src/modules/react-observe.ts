import type { Action } from "../adapters/react-action.js";
import { FINISH_TOOL } from "../lm/tool-types.js";
import type { StepTools } from "../tools/types.js";
import { errorMessage, isFatal } from "../util/errors.js";

/** What one step's action came to: the observation the model sees next, and how it went. */
export interface Observed {
  observation: string;
  /** Set when the step failed: what the model wrote could not be used, or the tool failed or timed out. */
  error?: string;
  replayed?: boolean;
  /** Set only when the tool was called (so "called a tool" can be read from a trace). */
  toolLatencyMs?: number;
}

/**
 * Runs the action's tool and turns what happened into an observation. Nothing the model or the
 * tool does throws from here: a problem with the action, a tool's error or timeout, even a tool
 * layer that threw for a tool's failure, is an observation saying what was wrong. Only stopping
 * the command (Ctrl-C, an unusable provider) propagates.
 */
export async function observe(action: Action, tools: StepTools, maxChars: number, signal?: AbortSignal): Promise<Observed> {
  if (action.problem !== undefined) return { observation: action.problem, error: action.problem };
  if (action.tool === FINISH_TOOL) return { observation: "" };
  try {
    const outcome = await tools.call(action.tool, action.args, signal ? { signal } : undefined);
    const done = { ...(outcome.replayed ? { replayed: true } : {}), toolLatencyMs: outcome.latencyMs };
    if (outcome.ok) return { observation: truncateObservation(outcome.observation, maxChars), ...done };
    // The tool layer's words already name the tool ("`lookup_order` timed out after 30s …").
    const error = outcome.error;
    return { observation: truncateObservation(error, maxChars), error, ...done };
  } catch (err) {
    if (isFatal(err)) throw err;
    const error = `\`${action.tool}\` failed: ${errorMessage(err)}`;
    return { observation: truncateObservation(error, maxChars), error, toolLatencyMs: 0 };
  }
}

/** At most `max` characters of an observation, saying so when it was cut (never splitting a surrogate pair). */
export function truncateObservation(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end)}\n… (truncated: the first ${end} of ${text.length} characters)`;
}

import { loadGraph } from "../graph/load.js";
import type { Graph } from "../graph/types.js";
import type { PaidCallListener } from "../lm/metered.js";
import { LMPool } from "../lm/pool.js";
import { lmSettings, type LmOptions, type LmSettings } from "../lm/settings.js";
import { initialState, type ProgramState } from "../program/state.js";
import type { ResponseCache } from "../store/cache-store.js";
import type { ToolResults } from "../store/tool-results-store.js";
import { Program } from "./program.js";

/**
 * `lm` runs every step on that model (`provider:model`), like `--lm`; `defaultModel` is what a step
 * naming no model runs on instead of an API key's default or `sim` (a run replayed); `baseUrl`,
 * `rpm`, `tpm`, `timeoutMs` and `maxAttempts` apply to every provider call (like the CLI flags).
 */
export interface LoadProgramOptions extends Omit<LmOptions, "cache" | "teacherLm" | "reflectionLm"> {
  /** LM settings made already (a command's, a recorded run's), used instead of the options above. */
  settings?: LmSettings;
  /**
   * Cache LM responses here (e.g. `Store.open("runs/dspx.db").cache`, or `.cache.forRun(id)` to link
   * the entries used to a run); none → no cache. With `settings`, used when they say so.
   */
  cache?: ResponseCache;
  /** Environment to resolve models and keys from (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** A learned state to run instead of the file's instructions and demos. */
  state?: ProgramState;
  /** Receives notices such as "running on sim" (the library never prints). */
  onNotice?: (message: string) => void;
  /** Told of every LM call a model answered (not cache hits), as it completes. */
  onPaidCall?: PaidCallListener;
  /** Told of every LM call the cache answered (nothing sent). */
  onCachedCall?: PaidCallListener;
  /** Share one LM pool (and so its clients) between programs. */
  pool?: LMPool;
  /** The program's text, when it is not (or no longer) what the file holds: a run's recorded program. */
  source?: string;
  /**
   * Record tool results here and answer repeated calls from it (e.g. `Store.open(…).toolResults`),
   * so a repeated or resumed run calls no tool twice; none → every call runs its tool.
   */
  toolResults?: ToolResults;
}

/**
 * Loads a program file (yours or an exported one), ready to `run`. Bad files throw a UserError listing
 * every problem. A program with MCP tools has their servers running: `close()` it when done.
 */
export async function loadProgram<Outputs extends Record<string, unknown> = Record<string, unknown>>(
  file: string,
  options: LoadProgramOptions = {},
): Promise<Program<Outputs>> {
  return programOf<Outputs>(await loadGraph(file, options.source), options);
}

/** A compiled program made runnable: its LM pool (given, or made from the options) and its state. */
export function programOf<Outputs extends Record<string, unknown> = Record<string, unknown>>(graph: Graph, options: Omit<LoadProgramOptions, "source"> = {}): Program<Outputs> {
  const { env, cache, onNotice, onPaidCall, onCachedCall } = options;
  const settings = options.settings ?? lmSettings({ ...options, cache: cache !== undefined }, env);
  const pool = options.pool ?? new LMPool(settings, { programLm: graph.spec.lm, env, cache, onNotice, onPaidCall, onCachedCall });
  return new Program<Outputs>(graph, options.state ?? initialState(graph.spec, graph.lmSteps), pool, options.toolResults);
}

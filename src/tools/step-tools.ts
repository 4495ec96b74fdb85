import type { ToolResults } from "../store/tool-results-store.js";
import { canonicalJson } from "../util/canonical.js";
import { InterruptedError } from "../util/errors.js";
import { didYouMean } from "../util/suggest.js";
import type { LoadedTool } from "./toolset.js";
import type { StepTools, ToolCallOptions, ToolOutcome } from "./types.js";

export interface StepToolsOptions {
  /** Where results are recorded and replayed from; none → every call runs the tool. */
  results?: ToolResults;
}

/**
 * The tools one step may call. A call is checked (known name, arguments that fit the schema), then
 * answered from the store when its (identity, canonical arguments) was recorded — unless the tool
 * is `cache: false` — or else run with its timeout; a result is recorded, a failure never is.
 */
export function stepTools(tools: readonly LoadedTool[], options: StepToolsOptions = {}): StepTools {
  const byName = new Map(tools.map((t) => [t.spec.name, t]));
  const names = tools.map((t) => t.spec.name);
  return {
    specs: tools.map((t) => t.spec),
    async call(name: string, args: unknown, callOptions: ToolCallOptions = {}): Promise<ToolOutcome> {
      const began = performance.now();
      const failed = (error: string): ToolOutcome => ({ ok: false, error, replayed: false, latencyMs: performance.now() - began });
      const tool = byName.get(name);
      if (!tool) {
        const close = didYouMean(name, names);
        return failed(`unknown tool \`${name}\`${close ? ` (did you mean \`${close}\`?)` : ""}; the tools are: ${names.join(", ") || "none"}`);
      }
      const checked = tool.parameters.check(args);
      if (!checked.ok) return failed(`invalid arguments for \`${name}\`: ${checked.error}`);
      const argsJson = canonicalJson(checked.value);
      const replay = tool.spec.cache ? options.results : undefined;
      const recorded = replay?.get(tool.spec.identity, argsJson);
      if (recorded) return { ok: true, observation: recorded.result, replayed: true, latencyMs: performance.now() - began };
      const run = await runWithTimeout(tool, checked.value, callOptions.signal);
      const latencyMs = performance.now() - began;
      if (!run.ok) return { ...failed(run.error), latencyMs };
      replay?.put({ identity: tool.spec.identity, args: argsJson, result: run.text, latencyMs, createdAt: Date.now() });
      return { ok: true, observation: run.text, replayed: false, latencyMs };
    },
  };
}

/**
 * Runs a tool until it answers, fails or times out. At the timeout the call is abandoned (its
 * signal aborted; an MCP server is restarted); when the command stops (`signal`), the call is
 * aborted and the stop thrown, as the contract says.
 */
async function runWithTimeout(tool: LoadedTool, args: Record<string, unknown>, signal: AbortSignal | undefined): Promise<{ ok: true; text: string } | { ok: false; error: string }> {
  if (signal?.aborted) throw new InterruptedError();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onStop: (() => void) | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), tool.spec.timeoutMs);
  });
  const stopped = new Promise<"stopped">((resolve) => {
    onStop = () => resolve("stopped");
    signal?.addEventListener("abort", onStop, { once: true });
  });
  const running = (async () => tool.invoke(args, controller.signal))().then(
    (text) => ({ ok: true as const, text }),
    (err: unknown) => ({ ok: false as const, error: `\`${tool.spec.name}\` failed: ${(err as Error)?.message ?? String(err)}` }),
  );
  try {
    const first = await Promise.race([running, timedOut, stopped]);
    if (first === "stopped") {
      controller.abort();
      throw new InterruptedError();
    }
    if (first === "timeout") {
      controller.abort();
      await tool.abandoned?.().catch(() => {});
      return { ok: false, error: `\`${tool.spec.name}\` timed out after ${formatSeconds(tool.spec.timeoutMs)} and was abandoned` };
    }
    return first;
  } finally {
    clearTimeout(timer);
    if (onStop) signal?.removeEventListener("abort", onStop);
  }
}

function formatSeconds(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

import type { ToolSchema } from "../../src/lm/tool-types.js";
import type { ToolCallOptions, ToolOutcome, ToolSpec, StepTools } from "../../src/tools/types.js";

/** What a fake tool does with its arguments: a result (text or JSON-able), a thrown error, or a hang past its timeout. */
export type FakeToolRun = (args: Record<string, unknown>) => unknown;

/** A tool run that never ends in time: the fake reports it as timed out, as the real tool layer does. */
export const HANGS = Symbol("hangs");

export interface FakeToolDef extends Partial<ToolSchema> {
  name: string;
  run: FakeToolRun;
  /** Answered from the store: the outcome says replayed. */
  replayed?: boolean;
}

/**
 * The tools of one step, in memory: a StepTools that runs plain functions, never throws for a
 * tool's failure (an unknown name, an exception, a hang are `ok: false` outcomes worded as
 * src/tools words them), and records every call.
 */
export class FakeTools implements StepTools {
  readonly specs: ToolSpec[];
  readonly calls: { name: string; args: unknown }[] = [];
  private readonly runs = new Map<string, FakeToolDef>();

  constructor(defs: FakeToolDef[]) {
    this.specs = defs.map((d) => ({
      name: d.name,
      ref: d.name,
      description: d.description ?? `the ${d.name} tool`,
      parameters: d.parameters ?? { type: "object", properties: {} },
      identity: `fake:${d.name}`,
      cache: true,
      timeoutMs: 30_000,
      origin: { kind: "module", file: "fake.ts", export: d.name },
    }));
    for (const d of defs) this.runs.set(d.name, d);
  }

  async call(name: string, args: unknown, options?: ToolCallOptions): Promise<ToolOutcome> {
    options?.signal?.throwIfAborted();
    this.calls.push({ name, args });
    const def = this.runs.get(name);
    const replayed = def?.replayed ?? false;
    if (!def) return { ok: false, error: `there is no tool \`${name}\``, replayed: false, latencyMs: 0 };
    // The schema's `required` keys are checked, as the tool layer checks the whole schema.
    const required = (def.parameters?.required as string[] | undefined) ?? [];
    const missing = required.filter((key) => !(key in (args as Record<string, unknown>)));
    if (missing.length > 0) return { ok: false, error: `invalid arguments for \`${name}\`: ${missing.map((k) => `\`${k}\`: missing`).join("; ")}`, replayed, latencyMs: 1 };
    try {
      const result = await def.run(args as Record<string, unknown>);
      if (result === HANGS) return { ok: false, error: `\`${name}\` timed out after 30s and was abandoned`, replayed, latencyMs: 30_000 };
      return { ok: true, observation: typeof result === "string" ? result : JSON.stringify(result), replayed, latencyMs: 3 };
    } catch (err) {
      return { ok: false, error: `\`${name}\` failed: ${(err as Error).message}`, replayed, latencyMs: 2 };
    }
  }
}

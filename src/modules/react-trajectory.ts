import { z } from "zod";
import type { AgentDemo } from "../adapters/react-text.js";
import type { TrajectoryStep } from "../lm/tool-types.js";
import type { Demo } from "../program/types.js";

/**
 * A trajectory as stored data (a demo's `trajectory`, a trace read back from the store): parsed
 * with this schema, never cast. Fields beyond TrajectoryStep's are dropped.
 */
export const trajectoryStepSchema: z.ZodType<TrajectoryStep> = z.object({
  thought: z.string(),
  tool: z.string(),
  args: z.record(z.string(), z.unknown()),
  observation: z.string(),
  error: z.string().optional(),
  replayed: z.boolean().optional(),
  usage: z.object({ promptTokens: z.number(), completionTokens: z.number(), cachedTokens: z.number() }).optional(),
  lmLatencyMs: z.number().optional(),
  toolLatencyMs: z.number().optional(),
}) as z.ZodType<TrajectoryStep>;

export const trajectorySchema = z.array(trajectoryStepSchema, {
  error: "expected a trajectory: a list of steps with `thought`, `tool`, `args` and `observation`",
});

/** The key of a react step's demo that holds its trajectory. */
export const DEMO_TRAJECTORY = "trajectory";

/**
 * A step's demos as agent demos: the field values apart, the trajectory parsed (a demo whose
 * trajectory is not one — compile checks the program's own — counts as having none).
 * One array per demos array, so the prompts built from it are memoized.
 */
const cache = new WeakMap<readonly Demo[], AgentDemo[]>();
export function agentDemos(demos: readonly Demo[]): AgentDemo[] {
  let out = cache.get(demos);
  if (!out) {
    out = demos.map((demo) => {
      const { [DEMO_TRAJECTORY]: raw, ...fields } = demo;
      const read = trajectorySchema.safeParse(raw);
      return { fields, trajectory: read.success ? read.data : [] };
    });
    cache.set(demos, out);
  }
  return out;
}

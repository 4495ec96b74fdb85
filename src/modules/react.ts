import { z } from "zod";
import { PROTOCOL_FIELDS } from "../adapters/react-fields.js";
import type { AgentLimits } from "./react-loop.js";
import { runAgent } from "./react-loop.js";
import { DEMO_TRAJECTORY, trajectorySchema } from "./react-trajectory.js";
import type { ModuleDef } from "./types.js";

const optionsSchema = z.strictObject({
  /** The program tools (`tools:` refs) the agent may call, in the order they are offered. */
  tools: z.array(z.string().min(1)).min(1, { error: "a react step needs at least one tool" }),
  /** Iterations (LM choices, each calling at most one tool) before the answer is extracted. */
  max_iters: z.number().int().positive().max(100).default(6),
  /** Longest observation shown to the model; a longer tool result is cut and says so. */
  max_observation_chars: z.number().int().positive().default(2000),
});
type ReactOptions = z.infer<typeof optionsSchema>;

/**
 * An agent: the LM calls tools in a loop (native tool calling where the client has it, a text
 * protocol otherwise) and the outputs are extracted from the trajectory. Its learnable state is
 * the instruction and demos, which are whole trajectories (a demo's `trajectory`).
 */
export const reactModule: ModuleDef<ReactOptions, AgentLimits> = {
  name: "react",
  summary: "an agent: the LM calls the step's `tools` in a loop (`max_iters`), then writes the outputs",
  usesLM: true,
  options: optionsSchema,
  checkSignature: (signature) => {
    const taken = [...signature.inputs, ...signature.outputs].filter((f) => PROTOCOL_FIELDS.includes(f.name)).map((f) => `\`${f.name}\``);
    return taken.length > 0 ? [`react uses the fields ${PROTOCOL_FIELDS.map((f) => `\`${f}\``).join(", ")} itself; rename ${taken.join(", ")}`] : [];
  },
  outputs: (signature) => signature.outputs,
  demoKeys: { [DEMO_TRAJECTORY]: trajectorySchema },
  toolRefs: (options) => options.tools,
  prepare: async ({ options }) => ({ maxIters: options.max_iters, maxObservationChars: options.max_observation_chars }),
  run: runAgent,
};

import type { LMCallMeta } from "../types.js";
import type { AgentMeta } from "../tool-types.js";
import type { Field } from "../../signature/types.js";
import { chooseAction } from "./agent-act.js";
import { extractAnswer } from "./agent-extract.js";
import { inputsText } from "./context.js";
import type { Noise } from "./noise.js";
import { defaultValue, isReasoning } from "./values.js";

/**
 * sim as an agent (the calls of a react step, `meta.agent`). In the `act` phase it picks the next
 * tool and its arguments (agent-act.ts, agent-args.ts) and answers the act signature's outputs read
 * by type, whatever they are called: the closed output is the tool's name, the json output its
 * arguments, the string output the thought. In the `extract` phase it answers the step's outputs
 * extractively from the observations (agent-extract.ts).
 */
export function agentAnswer(meta: LMCallMeta & { agent: AgentMeta }, noise: Noise): Record<string, unknown> {
  const inputFields = questionFields(meta);
  const question = inputsText(meta.inputs, inputFields);
  if (meta.agent.phase === "extract") return extractAnswer({ meta, inputFields, question, noise });
  const choice = chooseAction({ agent: meta.agent, instruction: meta.instruction, demos: meta.demos, question, inputFields, noise });
  const outputs = meta.signature.outputs;
  const toolField = outputs.find((f) => f.type.kind === "enum") ?? outputs.find((f) => /tool/i.test(f.name) && f.type.kind === "string");
  const argsField = outputs.find((f) => f.type.kind === "json") ?? outputs.find((f) => /arg/i.test(f.name));
  const thoughtField = outputs.find((f) => f !== toolField && f !== argsField && f.type.kind === "string");
  const out: Record<string, unknown> = {};
  for (const field of outputs) out[field.name] = valueFor(field);
  return out;

  function valueFor(field: Field): unknown {
    if (field === toolField) return choice.tool;
    if (field === argsField) return field.type.kind === "json" ? choice.args : JSON.stringify(choice.args);
    if (field === thoughtField || isReasoning(field)) return choice.thought;
    return defaultValue(field.type);
  }
}

/** The step's own inputs: the call's input fields but the trajectory (which sim reads from `meta.agent`). */
export function questionFields(meta: LMCallMeta): string[] {
  const declared = meta.signature.inputs.map((f) => f.name);
  const names = declared.length > 0 ? declared : Object.keys(meta.inputs);
  return names.filter((n) => n !== "trajectory");
}

import { readUserText } from "../../program/user-file.js";
import { UserError } from "../../util/errors.js";
import { MAX_JSON_DEPTH, tooDeepAt } from "../../util/json-depth.js";
import type { CommandContext } from "../context.js";
import type { LMFlags } from "../flags.js";
import { openProgram } from "../open.js";
import { oneLine } from "../output.js";

export interface RunFlags extends LMFlags {
  input?: string;
  inputFile?: string;
  json?: boolean;
  verbose?: boolean;
}

async function readInputs(flags: RunFlags): Promise<{ inputs: Record<string, unknown>; flag: string }> {
  if (flags.input !== undefined && flags.inputFile !== undefined) {
    throw new UserError({ flag: "--input", message: "give either --input or --input-file, not both" });
  }
  let text: string;
  let flag: string;
  if (flags.input !== undefined) {
    text = flags.input;
    flag = "--input";
  } else if (flags.inputFile !== undefined) {
    text = flags.inputFile === "-" ? await readStdin() : await readUserText(flags.inputFile, "input file", { expected: "a JSON file", hint: "to read the inputs from a pipe, give --input-file - and send them on standard input" });
    flag = "--input-file";
  } else {
    throw new UserError({ flag: "--input", message: `expected the program's inputs as JSON, e.g. --input '{"message": "…"}', or --input-file <file.json>` });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UserError({ flag, message: `not valid JSON: ${(err as Error).message}` });
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new UserError({ flag, message: "expected a JSON object mapping input names to values" });
  }
  if (tooDeepAt(text) !== undefined) throw new UserError({ flag, message: `the inputs nest more than ${MAX_JSON_DEPTH} levels deep (arrays and objects inside each other); dspx reads values up to ${MAX_JSON_DEPTH} levels` });
  return { inputs: value as Record<string, unknown>, flag };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function runCommand(file: string, flags: RunFlags, ctx: CommandContext): Promise<number> {
  const { output, signal } = ctx;
  const program = await openProgram(file, flags, ctx);
  const { inputs, flag } = await readInputs(flags);
  try {
    program.checkInputs(inputs);
  } catch (err) {
    // Missing, unknown or mistyped inputs are the flag's problems: say which flag.
    if (err instanceof UserError) throw new UserError(err.problems.map((p) => (p.pos || p.flag ? p : { ...p, flag })));
    throw err;
  }
  const prediction = await program.predict(inputs, { signal });
  if (output.json) {
    output.out(JSON.stringify(flags.verbose ? { outputs: prediction.outputs, steps: prediction.trace } : { outputs: prediction.outputs }));
    return 0;
  }
  const c = output.color;
  if (flags.verbose) {
    for (const step of prediction.trace) {
      output.out(c.bold(`[${step.step}] ${step.module}`) + c.dim(` ${Math.round(step.latencyMs)}ms, ${step.calls.length} LM call${step.calls.length === 1 ? "" : "s"}`));
      for (const [k, v] of Object.entries(step.outputs ?? {})) output.out(`  ${c.cyan(k)}: ${oneLine(v, 200)}`);
    }
    output.out("");
  }
  for (const [k, v] of Object.entries(prediction.outputs)) {
    output.out(`${c.bold(k)}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
  }
  return 0;
}

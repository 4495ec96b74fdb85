import { formatBytes, MAX_TEXT_BYTES, readUserText } from "../../program/user-file.js";
import { UserError } from "../../util/errors.js";
import { displayPath } from "../../util/display-path.js";
import { lineColOf, parseJsonText } from "../../program/jsonl.js";
import type { CommandContext } from "../context.js";
import type { LMFlags } from "../flags.js";
import { openProgram } from "../open.js";
import { traceLines } from "../render/trace.js";
import { StepFailure } from "../../graph/execute.js";
import { isBatchInput, runBatchCommand } from "./run-batch.js";

export interface RunFlags extends LMFlags {
  input?: string;
  inputFile?: string;
  output?: string;
  concurrency?: number;
  json?: boolean;
  verbose?: boolean;
}

async function readInputs(flags: RunFlags): Promise<{ inputs: Record<string, unknown>; flag: string }> {
  let text: string;
  let flag: string;
  let file: string | undefined;
  if (flags.input !== undefined) {
    text = flags.input;
    flag = "--input";
  } else if (flags.inputFile !== undefined) {
    if (flags.inputFile !== "-") file = flags.inputFile;
    text = file === undefined ? await readStdin() : await readUserText(flags.inputFile, "input file", { expected: "a JSON file", hint: "to read the inputs from a pipe, give --input-file - and send them on standard input" });
    flag = "--input-file";
  } else {
    throw new UserError({ flag: "--input", message: `expected the program's inputs as JSON, e.g. --input '{"message": "…"}', or --input-file <file.json>` });
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok) {
    // In a file, where (file:line:col); on the command line, the flag and the column.
    const at = lineColOf(text, parsed.offset);
    if (file !== undefined) throw new UserError({ message: parsed.message, pos: { file: displayPath(file), ...at } });
    throw new UserError({ flag, message: `${parsed.message} (at ${at.line > 1 ? `line ${at.line}, ` : ""}column ${at.col})` });
  }
  const value = parsed.value;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new UserError({ flag, message: "expected a JSON object mapping input names to values" });
  }
  return { inputs: value as Record<string, unknown>, flag };
}

/** Standard input as text, refused once it grows past what a string can hold (`< /dev/zero` never ends). */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of process.stdin) {
    bytes += (chunk as Buffer).length;
    if (bytes > MAX_TEXT_BYTES) throw new UserError({ flag: "--input-file", message: `standard input is longer than ${formatBytes(MAX_TEXT_BYTES)}, the most dspx reads as text` });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export async function runCommand(file: string, flags: RunFlags, ctx: CommandContext): Promise<number> {
  const { output, signal } = ctx;
  if (flags.input !== undefined && flags.inputFile !== undefined) {
    throw new UserError({ flag: "--input", message: "give either --input or --input-file, not both" });
  }
  if (isBatchInput(flags.inputFile)) return runBatchCommand(file, { ...flags, inputFile: flags.inputFile }, ctx);
  for (const [flag, given] of [["--output", flags.output], ["--concurrency", flags.concurrency]] as const) {
    if (given !== undefined) throw new UserError({ flag, message: "is for running a file of inputs: give --input-file <inputs.jsonl>, one JSON object of inputs per line" });
  }
  const program = await openProgram(file, flags, ctx);
  const { inputs, flag } = await readInputs(flags);
  try {
    program.checkInputs(inputs);
  } catch (err) {
    // Missing, unknown or mistyped inputs are the flag's problems: say which flag.
    if (err instanceof UserError) throw new UserError(err.problems.map((p) => (p.pos || p.flag ? p : { ...p, flag })));
    throw err;
  }
  const c = output.color;
  let prediction;
  try {
    prediction = await program.predict(inputs, { signal });
  } catch (err) {
    // What the steps did before one failed (an agent's iterations) helps to see why.
    if (flags.verbose && !output.json && err instanceof StepFailure) for (const line of traceLines(err.trace, output.errColor)) output.err(line);
    throw err;
  }
  // Ctrl-C while the last step's calls were in flight: they ended, so their answer is shown; the exit code is still 130.
  if (signal.aborted) output.err("interrupted: the calls in flight ended, so the prediction is complete");
  if (output.json) {
    output.out(JSON.stringify(flags.verbose ? { outputs: prediction.outputs, steps: prediction.trace } : { outputs: prediction.outputs }));
    return 0;
  }
  if (flags.verbose) {
    for (const line of traceLines(prediction.trace, c)) output.out(line);
    output.out("");
  }
  for (const [k, v] of Object.entries(prediction.outputs)) {
    output.out(`${c.bold(k)}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
  }
  return 0;
}

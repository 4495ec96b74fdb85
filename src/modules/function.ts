import path from "node:path";
import { z } from "zod";
import { readOutputs } from "../adapters/read-outputs.js";
import { describeType, loadUserExport, UserModuleError } from "../program/user-module.js";
import { clipText, resultText } from "../tools/render.js";
import { sha256 } from "../util/canonical.js";
import { InterruptedError } from "../util/errors.js";
import { ModuleOptionError, type ModuleDef } from "./types.js";

const optionsSchema = z.strictObject({
  /** The user's code: `{ module: ./steps.ts, export: tidy }` (path relative to the program file). */
  function: z.strictObject({
    module: z.string().min(1),
    export: z.string().min(1).default("default"),
  }),
});
type FunctionOptions = z.infer<typeof optionsSchema>;

/** What a function step's code gets besides its inputs. */
export interface FunctionContext {
  /** The step's name in the program. */
  step: string;
  /**
   * Aborted when the example's work must end: the command quits (a second Ctrl-C, or SIGTERM
   * twice), or a library caller aborts. Hand it to `fetch` and the like; the step does not wait
   * for code that ignores it (the example ends as interrupted, whatever the code does after).
   */
  signal: AbortSignal;
}

/** A function step's code: the step's inputs in, its outputs out (as a mapping), sync or async. */
export type StepFunction = (inputs: Record<string, unknown>, context: FunctionContext) => unknown;

interface Prepared {
  fn: StepFunction;
  /** `./steps.ts#tidy`, for messages. */
  label: string;
  /** The module file's content hash: what the step's results depend on. */
  digest: string;
}

const EXPECTED = "a function (inputs, context) => outputs";

/**
 * Runs the user's own code as a step (a retriever, a parser, a router): its outputs are checked and
 * coerced against the step's signature as an LM's are, and a mismatch or an exception is that
 * example's error. Nothing to learn: optimizers skip it.
 */
export const functionModule: ModuleDef<FunctionOptions, Prepared> = {
  name: "function",
  summary: "the user's code, (inputs, context) => outputs, typed by the signature (`function: { module, export }`)",
  usesLM: false,
  options: optionsSchema,
  checkSignature: () => [],
  outputs: (signature) => signature.outputs,
  prepare: async ({ options, programDir }) => {
    const { module, export: name } = options.function;
    let found;
    try {
      found = await loadUserExport(module, name, programDir, EXPECTED);
    } catch (err) {
      if (err instanceof UserModuleError) throw new ModuleOptionError("function", `module ${module}: ${err.message}${err.hint ? ` (${err.hint})` : ""}`);
      throw err;
    }
    if (typeof found.value !== "function") throw new ModuleOptionError("function", `module ${module}: export \`${name}\` is ${describeType(found.value)}; expected ${EXPECTED}`);
    const file = path.relative(programDir, found.file).split(path.sep).join("/");
    return { fn: found.value as StepFunction, label: `${file}#${name}`, digest: sha256(found.text) };
  },
  fingerprint: ({ label, digest }) => sha256(`${label}\n${digest}`),
  run: async ({ step, signature, prepared, inputs, signal }) => {
    const returned = await untilAborted(() => prepared.fn({ ...inputs }, { step, signal: signal ?? NEVER }), signal);
    if (returned === null || typeof returned !== "object" || Array.isArray(returned)) {
      throw new Error(`${prepared.label} returned ${describeType(returned)} (${clipText(resultText(returned), 60)}); expected a mapping of the outputs: ${signature.outputs.map((f) => f.name).join(", ")}`);
    }
    const read = readOutputs(signature.outputs, new Map(Object.entries(returned)));
    if (!read.ok) throw new Error(`${prepared.label} returned outputs that do not fit the signature: ${read.error}`);
    return { outputs: read.values, calls: [] };
  },
};

/** The signal of a run that nothing stops. */
const NEVER = new AbortController().signal;

/** The user's code's answer, or an InterruptedError as soon as `signal` aborts (the code may go on; nothing waits for it). */
async function untilAborted(run: () => unknown, signal: AbortSignal | undefined): Promise<unknown> {
  if (signal?.aborted) throw new InterruptedError();
  if (!signal) return run();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new InterruptedError());
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([Promise.resolve().then(run), aborted]);
  } finally {
    signal.removeEventListener("abort", onAbort!);
  }
}

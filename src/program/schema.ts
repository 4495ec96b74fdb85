import { z } from "zod";
import { parseDuration } from "../util/duration.js";

/**
 * Zod schemas for the sections of a program file. Objects are strict (unknown keys are errors, with
 * a did-you-mean); shorthand forms are normalised by preprocessing so error paths stay simple.
 */

const positive = z.number().positive();
const nonNegative = z.number().min(0);

export const identifier = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: "expected a name of letters, digits and _ (not starting with a digit)" });

export const pricesSchema = z.strictObject({
  input: nonNegative,
  cached_input: nonNegative.optional(),
  output: nonNegative,
});

export const lmObjectSchema = z.strictObject({
  model: z.string().min(1).optional(),
  base_url: z.url({ protocol: /^https?$/, hostname: /./, error: "expected an http:// or https:// URL such as http://localhost:8000/v1" }).optional(),
  temperature: z.number().min(0).max(2).optional(),
  max_tokens: z.number().int().positive().optional(),
  rpm: positive.optional(),
  tpm: positive.optional(),
  prices: pricesSchema.optional(),
});

/** `lm: openai:gpt-4.1-mini` or `lm: { model: …, base_url: …, rpm: … }`. */
export const lmSchema = z.preprocess((v) => (typeof v === "string" ? { model: v } : v), lmObjectSchema);
export type LMSection = z.infer<typeof lmObjectSchema>;

/** A field: `string`, `enum(a, b)`, or `{ type: …, desc: … }`. */
export const fieldSchema = z.preprocess(
  (v) => (typeof v === "string" ? { type: v } : v === null ? {} : v),
  z.strictObject({ type: z.string().min(1).optional(), desc: z.string().optional() }),
);
export type FieldSection = z.infer<typeof fieldSchema>;

export const fieldsSchema = z.record(identifier, fieldSchema);

export const signatureMappingSchema = z.strictObject({
  inputs: fieldsSchema,
  outputs: fieldsSchema,
});

export const demoSchema = z.record(z.string(), z.unknown(), { error: "expected a demo: a mapping of field names to values" });

/** Keys every step may have; any other key is a module option, checked against the module. */
export const stepBaseShape = {
  module: z.string().min(1).optional(),
  signature: z.union([z.string().min(1), signatureMappingSchema], {
    error: "expected a signature string such as `question -> answer` or a mapping with `inputs` and `outputs`",
  }),
  instruction: z.string().optional(),
  demos: z.array(demoSchema).optional(),
  inputs: z.record(identifier, z.string()).optional(),
  lm: lmSchema.optional(),
  temperature: z.number().min(0).max(2).optional(),
  max_tokens: z.number().int().positive().optional(),
};
export const STEP_BASE_KEYS = Object.keys(stepBaseShape);
export const stepBaseSchema = z.object(stepBaseShape);

export const dataSchema = z.strictObject({
  train: z.string().min(1).optional(),
  dev: z.string().min(1).optional(),
  test: z.string().min(1).optional(),
});

/** `timeout: 30s` (or a number of seconds). */
const timeoutSchema = z.union([z.number().positive(), z.string()], { error: "expected a duration such as 30s or 2m" }).transform((v, ctx) => {
  const ms = typeof v === "number" ? v * 1000 : parseDuration(v);
  if (ms === undefined || ms <= 0) {
    ctx.issues.push({ code: "custom", message: "expected a duration such as 30s or 2m", input: v });
    return z.NEVER;
  }
  return ms;
});

const toolCommonShape = {
  /** False for a tool with side effects or live data: always called, its results never replayed. */
  cache: z.boolean().optional(),
  timeout: timeoutSchema.optional(),
};

/** A tool exported by a JS/TS module: `{ module: ./tools/orders.ts, export: lookupOrder }`. */
export const moduleToolSchema = z.strictObject({
  module: z.string().min(1),
  export: z.string().min(1).default("default"),
  ...toolCommonShape,
});

/** The tools of an MCP server started over stdio: `{ mcp: { command, args, env, cwd }, tools: [subset] }`. */
export const mcpToolSchema = z.strictObject({
  mcp: z.strictObject({
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).default({}),
    cwd: z.string().min(1).optional(),
  }),
  tools: z.array(z.string().min(1)).optional(),
  ...toolCommonShape,
});

export const programSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  lm: lmSchema.optional(),
  inputs: z.record(identifier, fieldSchema).refine((r) => Object.keys(r).length > 0, {
    error: "a program needs at least one input",
  }),
  outputs: z.record(identifier, z.string()).refine((r) => Object.keys(r).length > 0, {
    error: "a program needs at least one output",
  }),
  steps: z.record(identifier, z.unknown()).refine((r) => Object.keys(r).length > 0, {
    error: "a program needs at least one step",
  }),
  metric: z.unknown().refine((v) => v !== undefined && v !== null, { error: "a program needs a metric" }),
  data: dataSchema.optional(),
  // Each entry is checked by load.ts with the schema of its kind (module or MCP server).
  tools: z.record(identifier, z.unknown()).optional(),
  // Only "a mapping" here: its keys are checked by optimize/settings.ts with each optimizer's own
  // schema (program/ sits below optimize/ and knows no optimizer); validate and optimize both call it.
  optimize: z.record(z.string(), z.unknown()).optional(),
});
export const PROGRAM_KEYS = Object.keys(programSchema.shape);

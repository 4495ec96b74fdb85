import { predict } from "../adapters/predict.js";
import type { LMConfig } from "../program/types.js";
import type { Signature } from "../signature/types.js";
import { valueToText } from "../util/text.js";
import type { Metric } from "./types.js";
import { clip, goldValue, predictedValue } from "./field.js";

export interface JudgeSpec {
  field: string;
  gold?: string;
  rubric: string;
  lm?: LMConfig;
}

/** The judge's feedback is what reflective optimizers learn from: kept longer than quoted values. */
const JUDGE_FEEDBACK_CHARS = 400;

export const JUDGE_SIGNATURE: Signature = {
  inputs: [
    { name: "rubric", type: { kind: "string" }, desc: "What a good output does", typed: true },
    { name: "input", type: { kind: "string" }, desc: "The program's inputs, as JSON", typed: true },
    { name: "output", type: { kind: "string" }, desc: "The output to grade", typed: true },
    { name: "reference", type: { kind: "string" }, desc: "A correct output, when one is known", typed: true },
  ],
  outputs: [
    { name: "score", type: { kind: "number" }, desc: "From 0 (fails the rubric) to 1 (fully meets it)", typed: true },
    { name: "feedback", type: { kind: "string" }, desc: "What is right or wrong, in a sentence or two", typed: true },
  ],
};

export const JUDGE_INSTRUCTION =
  "Grade the output of a program against the rubric. Give a score from 0 to 1: 1 when the output " +
  "fully meets the rubric, 0 when it does not meet it at all, in between for partial credit. When a " +
  "reference is given, compare the output with it. Then explain briefly what is right or wrong.";

export function llmJudge(spec: JudgeSpec): Metric {
  const { field, gold } = spec;
  return {
    name: gold === undefined || gold === field ? `llm_judge(${field})` : `llm_judge(${field} vs ${gold})`,
    labels: gold === undefined ? [] : [gold],
    async score(example, prediction, _trace, ctx) {
      const reference = gold === undefined ? "" : valueToText(goldValue(example, gold));
      const { values, calls } = await predict({
        lm: ctx.lm(spec.lm),
        signature: JUDGE_SIGNATURE,
        instruction: JUDGE_INSTRUCTION,
        demos: [],
        inputs: {
          rubric: spec.rubric,
          input: JSON.stringify(example.inputs),
          output: valueToText(predictedValue(prediction, field)),
          reference,
        },
        purpose: "judge",
        temperature: 0,
        maxTokens: 512,
        sample: 0,
        signal: ctx.signal,
      });
      const score = judgeScore(values["score"]);
      const said = valueToText(values["feedback"]).replace(/\s+/g, " ").trim();
      const feedback = said === "" ? `judge scored ${score}` : clip(said, JUDGE_FEEDBACK_CHARS);
      return { score, feedback: `${field}: ${feedback}`, calls };
    },
  };
}

/**
 * The judge's score in [0, 1]. Judges asked for 0..1 still sometimes answer out of 10 or 100: a
 * score above 1 is read on the smallest of those scales that holds it.
 */
export function judgeScore(raw: unknown): number {
  const s = typeof raw === "number" ? raw : Number(valueToText(raw));
  if (!Number.isFinite(s)) throw new Error(`the judge's score is not a number: ${clip(valueToText(raw), 80)}`);
  if (s <= 0) return 0;
  if (s <= 1) return s;
  if (s <= 10) return s / 10;
  if (s <= 100) return s / 100;
  return 1;
}

import { errorMessage, UserError } from "../util/errors.js";
import { valueToText } from "../util/text.js";
import type { Metric } from "./types.js";
import { clip, predictedValue, show } from "./field.js";

/** Compiles the pattern once, when the metric is built: a bad pattern is the user's to fix. */
export function regex(field: string, pattern: string, flags: string, programFile: string): Metric {
  let compiled: RegExp;
  try {
    compiled = new RegExp(pattern, flags);
  } catch (err) {
    // V8 repeats the pattern ("Invalid regular expression: /(a/: Unterminated group"); say it once.
    const reason = errorMessage(err).replace(`Invalid regular expression: /${pattern}/${flags}: `, "");
    throw new UserError({
      message: `metric regex on \`${field}\`: invalid pattern /${pattern}/${flags}: ${reason}`,
      pos: { file: programFile },
      hint: "expected a JavaScript regular expression and flags from d, g, i, m, s, u, v, y",
    });
  }
  const shown = clip(`/${pattern}/${flags}`, 80);
  return {
    name: `regex(${field}, ${shown})`,
    labels: [],
    async score(_example, prediction) {
      const predicted = predictedValue(prediction, field);
      // `g` and `y` make test() resume from lastIndex; every prediction starts from the beginning.
      compiled.lastIndex = 0;
      if (compiled.test(valueToText(predicted))) return { score: 1, feedback: `${field}: matches ${shown}` };
      return { score: 0, feedback: `${field}: ${show(predicted)} does not match ${shown}` };
    },
  };
}

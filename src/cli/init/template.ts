import { ISSUES, type Issue } from "./issues.js";

/** A file `dspx init` writes, relative to the project directory. */
export interface StarterFile {
  path: string;
  content: string;
}

const PROGRAM = `# A dspx program: label the issues filed against a project as bug, feature, question or docs.
# Try it:   dspx validate program.yaml      (checks this file and the data, prints the graph)
#           dspx eval program.yaml          (scores it on the dev split)
#           dspx optimize program.yaml      (searches for a better instruction, within the budget below)
# With no API key everything runs on \`sim\`, dspx's offline model (not an LLM); set OPENAI_API_KEY
# or ANTHROPIC_API_KEY, or uncomment \`lm:\`, to run on a real model.

name: issue-labeler
description: Label a newly filed issue as a bug report, a feature request, a question or a docs problem.

# lm: openai:gpt-4.1-mini          # the model; --lm and DSPX_LM override it; no key anywhere → sim

# What the program takes: each input is a field of every dataset line.
inputs:
  title: { type: string, desc: The issue's title }
  body: { type: string, desc: "The issue's text, as its author wrote it" }

# What it returns: each program output names the step output it comes from (<step>.<field>).
# The metric compares them with the dataset's gold fields of the same name.
outputs:
  label: classify.label

# The steps, in order. A step's inputs are wired by name: \`title\` and \`body\` come from the
# program's inputs (write \`inputs: { title: $inputs.title }\` to wire them explicitly, or
# \`$<step>.<field>\` to read an earlier step's output).
steps:
  classify:
    module: predict                  # predict | chain_of_thought (adds a reasoning field) | retrieve | react | function
    signature:                       # or in one line: "title, body -> label: enum(bug, feature, question, docs)"
      inputs:
        title: string
        body: string
      outputs:
        label:
          type: enum(bug, feature, question, docs)
          desc: bug = something broken; feature = a request for something new; question = asking how to; docs = the documentation is wrong or missing
    # What optimizing learns for this step: its instruction (rewritten) and its demos (examples
    # shown to the model). \`dspx export <run>\` writes the learned ones here.
    instruction: Label the issue.

# How good one prediction is, from 0 to 1. Built-ins: exact_match: <field>, f1, contains, regex,
# numeric, json_equal, llm_judge, and mean/weighted combinations of them. This one is your own
# code: metric.mjs scores each prediction and says what was wrong, which GEPA learns from.
metric:
  module: ./metric.mjs

# JSONL files, one example per line: the inputs plus the gold outputs (\`id\` optional). Paths are
# relative to this file. train is what optimizers learn from, dev what they choose by, test is
# held out for the final score.
data:
  train: data/train.jsonl
  dev: data/dev.jsonl
  test: data/test.jsonl

# Settings for \`dspx optimize\`; the --optimizer and --budget-* flags override them.
optimize:
  optimizer: gepa                    # labeled | bootstrap | random_search | beam | gepa | mipro
  seed: 0
  budget: { calls: 600 }             # also usd, time (e.g. 30m) and rollouts
  gepa: { minibatch: 8 }
`;

const METRIC = `// The metric for program.yaml: dspx calls it once per example with the dataset line (\`example\`:
// its id, inputs and gold fields) and what the program returned (\`prediction\`: its outputs).
// Return a number from 0 to 1, or { score, feedback }: feedback says what went wrong, and
// reflective optimizers (gepa, beam) learn from it. An exception scores that example 0.

/**
 * @param {{ id: string, title: string, body: string, label: string }} example
 * @param {{ label?: string }} prediction
 * @returns {{ score: number, feedback: string }}
 */
export default function labelMetric(example, prediction) {
  const expected = example.label;
  const got = prediction.label;
  if (got === expected) return { score: 1, feedback: \`label: correct (\${expected})\` };
  return { score: 0, feedback: \`label: expected \${expected}, got \${got ?? "nothing"}\` };
}
`;

function jsonl(rows: readonly Issue[]): string {
  return rows.map((r) => JSON.stringify(r)).join("\n") + "\n";
}

/** Everything `dspx init` writes: a program, its metric and a small dataset, runnable at once on sim. */
export const STARTER_FILES: readonly StarterFile[] = [
  { path: "program.yaml", content: PROGRAM },
  { path: "metric.mjs", content: METRIC },
  { path: "data/train.jsonl", content: jsonl(ISSUES.train) },
  { path: "data/dev.jsonl", content: jsonl(ISSUES.dev) },
  { path: "data/test.jsonl", content: jsonl(ISSUES.test) },
];

import { utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadGraph } from "../../src/graph/load.js";
import { retrieveModule } from "../../src/modules/retrieve.js";
import { ModuleOptionError } from "../../src/modules/types.js";
import { parseSignature } from "../../src/signature/parse.js";
import type { Signature } from "../../src/signature/types.js";
import { brief, problemsOf, writeFiles, writeProgram } from "../program/helpers.js";

const FIXTURES = path.resolve("test/modules/fixtures");
const LIST_SIG = parseSignature("query -> passages: list[string]");
const TEXT_SIG = parseSignature("query -> context: string");

const EIFFEL = "The Eiffel Tower was built between 1887 and 1889 as the entrance arch to the World's Fair in Paris.";
const SEINE = "The Seine is a river that flows through Paris before reaching the English Channel at Le Havre.";
const LOUVRE = "The Louvre is the world's most visited art museum and home of the Mona Lisa.";

async function retrieve(query: string, options: Record<string, unknown> = {}, signature: Signature = LIST_SIG, programDir = FIXTURES) {
  const parsed = retrieveModule.options.parse({ corpus: "corpus.jsonl", ...options });
  const prepared = await retrieveModule.prepare({ options: parsed, programDir, signature });
  const out = await retrieveModule.run({ step: "search", signature, prepared, state: { instruction: "", demos: [] }, inputs: { query } });
  expect(out.calls).toEqual([]);
  return out.outputs;
}

async function prepareError(programDir: string, corpus = "corpus.jsonl"): Promise<ModuleOptionError> {
  const err = await retrieveModule
    .prepare({ options: retrieveModule.options.parse({ corpus }), programDir, signature: LIST_SIG })
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ModuleOptionError);
  return err as ModuleOptionError;
}

describe("retrieve", () => {
  it("ranks the relevant passage first (BM25 over title and text)", async () => {
    const { passages } = await retrieve("When was the Eiffel Tower built?");
    expect((passages as string[])[0]).toBe(EIFFEL);
    expect((await retrieve("Which river flows through Paris?", { k: 1 })).passages).toEqual([SEINE]);
    expect((await retrieve("where is the Mona Lisa", { k: 1 })).passages).toEqual([LOUVRE]);
  });

  it("returns at most k passages, 3 by default, fewer when fewer match", async () => {
    const broad = "Paris museum coffee tea mountain";
    expect(((await retrieve(broad)).passages as string[]).length).toBe(3);
    expect(((await retrieve(broad, { k: 5 })).passages as string[]).length).toBe(5);
    expect(((await retrieve(broad, { k: 1 })).passages as string[]).length).toBe(1);
    // Only two passages mention Paris: k = 10 does not invent more.
    expect(new Set((await retrieve("Paris", { k: 10 })).passages as string[])).toEqual(new Set([EIFFEL, SEINE]));
  });

  it("prefixes titles with include_title, and skips an empty title", async () => {
    expect((await retrieve("Eiffel Tower", { k: 1, include_title: true })).passages).toEqual([`Eiffel Tower: ${EIFFEL}`]);
    expect((await retrieve("aromatic beverage tea leaves", { k: 1, include_title: true })).passages).toEqual([
      "Tea: Tea is an aromatic beverage prepared by pouring hot water over cured leaves of the tea plant.",
    ]);
  });

  it("joins the passages with blank lines for a string output", async () => {
    const { context } = await retrieve("Eiffel Tower Paris river Seine", { k: 2 }, TEXT_SIG);
    expect(context).toBe(`${EIFFEL}\n\n${SEINE}`);
  });

  it("finds nothing for a query of stopwords only", async () => {
    expect((await retrieve("what is the")).passages).toEqual([]);
  });

  it("reports every bad line of a corpus in one clear error, at the `corpus` option", async () => {
    const dir = writeFiles({
      "corpus.jsonl": [
        '{"id": "a", "text": "fine"}',
        '{"id": "b", "title": "no text"}',
        "42",
        '{"id": "a", "text": "same id again"}',
        '{"id": "c", "text": "   "}',
      ].join("\n"),
    });
    const err = await prepareError(dir);
    expect(err.option).toBe("corpus");
    expect(err.message).toBe(
      `bad corpus ${path.relative(process.cwd(), path.join(dir, "corpus.jsonl"))}: ` +
        'line 2: a passage needs a non-empty "text"; ' +
        'line 3: expected a JSON object such as {"id": "p1", "title": "…", "text": "…"}; ' +
        'line 4: duplicate passage id "a"; ' +
        'line 5: a passage needs a non-empty "text"',
    );
  });

  it("reports lines that are not JSON with their line numbers, together with the other bad lines", async () => {
    const dir = writeFiles({ "corpus.jsonl": '\uFEFF{"text": "ok"}\n{"text": oops}\n{"title": "no text"}\n{"text": \n' });
    const err = await prepareError(dir);
    expect(err.option).toBe("corpus");
    expect(err.message).toMatch(
      new RegExp(
        `^bad corpus ${path.relative(process.cwd(), path.join(dir, "corpus.jsonl")).replace(/\./g, "\\.")}: ` +
          'line 2: not valid JSON: [^;]+; line 3: a passage needs a non-empty "text"; line 4: not valid JSON: [^;]+$',
      ),
    );
  });

  it("reports a missing corpus, a directory and an empty file", async () => {
    const dir = writeFiles({ "empty.jsonl": "\n\n", "sub/keep": "" });
    const shown = (name: string) => path.relative(process.cwd(), path.join(dir, name));
    expect((await prepareError(dir, "nope.jsonl")).message).toBe(`corpus file not found: ${shown("nope.jsonl")}`);
    expect((await prepareError(dir, "sub")).message).toBe(`corpus is a directory, expected a JSONL file: ${shown("sub")}`);
    expect((await prepareError(dir, "empty.jsonl")).message).toBe(`bad corpus ${shown("empty.jsonl")}: no passages (the file is empty)`);
  });

  it("rebuilds its index when the corpus file changes", async () => {
    const dir = writeFiles({ "corpus.jsonl": '{"text": "apples are red"}\n' });
    const file = path.join(dir, "corpus.jsonl");
    expect((await retrieve("bananas", {}, LIST_SIG, dir)).passages).toEqual([]);
    writeFileSync(file, '{"text": "apples are red"}\n{"text": "bananas are yellow"}\n');
    utimesSync(file, new Date(2001, 0, 1), new Date(2001, 0, 1)); // a different mtime, whatever the clock's resolution
    expect((await retrieve("bananas", {}, LIST_SIG, dir)).passages).toEqual(["bananas are yellow"]);
  });

  it("validates its options", () => {
    expect(retrieveModule.options.parse({ corpus: "c.jsonl" })).toEqual({ corpus: "c.jsonl", k: 3, include_title: false });
    expect(retrieveModule.options.safeParse({ corpus: "c.jsonl", k: 101 }).success).toBe(false);
    expect(retrieveModule.options.safeParse({ corpus: "" }).success).toBe(false);
    expect(retrieveModule.options.safeParse({ corpus: "c.jsonl", extra: 1 }).success).toBe(false);
  });

  it("is reported by the loader at the corpus option when its corpus is bad", async () => {
    const file = writeProgram(
      `name: t
inputs:
  question: string
outputs:
  answer: solve.answer
steps:
  search:
    module: retrieve
    signature: "question -> passages: list[string]"
    corpus: corpus.jsonl
  solve:
    signature: question, passages -> answer
metric:
  exact_match: answer
`,
      { "corpus.jsonl": '{"title": "only a title"}\n' },
    );
    const problems = await problemsOf(loadGraph(file));
    expect(brief(problems)).toEqual([
      `10:13 \`steps.search.corpus\`: bad corpus ${path.relative(process.cwd(), path.join(path.dirname(file), "corpus.jsonl"))}: line 1: a passage needs a non-empty "text"`,
    ]);
  });
});

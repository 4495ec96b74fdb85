import { stat } from "node:fs/promises";
import path from "node:path";
import type MiniSearch from "minisearch";
import { z } from "zod";
import { readJsonl } from "../program/jsonl.js";
import { hashOf } from "../util/canonical.js";
import { isStopword, valueToText, words } from "../util/text.js";
import { ModuleOptionError, type ModuleDef } from "./types.js";
import { displayPath } from "../util/display-path.js";

const optionsSchema = z.strictObject({
  /** JSONL file of passages, relative to the program file: `{ id?, title?, text }` per line. */
  corpus: z.string().min(1),
  /** How many passages to return. */
  k: z.number().int().positive().max(100).default(3),
  /** Prefix each passage with its title ("Title: text"). */
  include_title: z.boolean().default(false),
});
type RetrieveOptions = z.infer<typeof optionsSchema>;

interface Passage {
  id: string;
  title: string;
  text: string;
}

interface Index {
  search: MiniSearch<Passage>;
  byId: Map<string, Passage>;
  /** sha256 of the passages: what the step's results depend on. */
  digest: string;
}

/** Indexes are built once per corpus file (and rebuilt if the file changes). */
const indexes = new Map<string, { mtimeMs: number; index: Promise<Index> }>();

function processTerm(term: string): string | null {
  const w = term.toLowerCase();
  return isStopword(w) ? null : w;
}

async function buildIndex(file: string): Promise<Index> {
  const rows = await readJsonl(file, "corpus");
  const problems: string[] = [];
  const passages: Passage[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    const { line } = row;
    if ("error" in row) {
      problems.push(`line ${line}: ${row.error}`);
      continue;
    }
    const { value } = row;
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      problems.push(`line ${line}: expected a JSON object such as {"id": "p1", "title": "…", "text": "…"}`);
      continue;
    }
    const r = value as Record<string, unknown>;
    if (typeof r.text !== "string" || r.text.trim() === "") {
      problems.push(`line ${line}: a passage needs a non-empty "text"`);
      continue;
    }
    const id = r.id === undefined ? `line-${line}` : String(r.id);
    if (seen.has(id)) {
      problems.push(`line ${line}: duplicate passage id ${JSON.stringify(id)}`);
      continue;
    }
    seen.add(id);
    passages.push({ id, title: typeof r.title === "string" ? r.title : "", text: r.text });
  }
  if (problems.length === 0 && passages.length === 0) problems.push("no passages (the file is empty)");
  if (problems.length > 0) throw new Error(`bad corpus ${displayPath(file)}: ${problems.slice(0, 5).join("; ")}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ""}`);
  // Imported here, not at the top: only programs with a retrieve step pay for loading it.
  const { default: MiniSearchIndex } = await import("minisearch");
  const search = new MiniSearchIndex<Passage>({
    fields: ["title", "text"],
    storeFields: ["id"],
    tokenize: (text) => words(text),
    processTerm,
    searchOptions: { boost: { title: 1.5 }, combineWith: "OR", processTerm },
  });
  search.addAll(passages);
  return { search, byId: new Map(passages.map((p) => [p.id, p])), digest: hashOf(passages) };
}

async function indexFor(file: string): Promise<Index> {
  let info;
  try {
    info = await stat(file);
  } catch {
    throw new Error(`corpus file not found: ${displayPath(file)}`);
  }
  if (info.isDirectory()) throw new Error(`corpus is a directory, expected a JSONL file: ${displayPath(file)}`);
  const mtimeMs = info.mtimeMs;
  const cached = indexes.get(file);
  if (cached && cached.mtimeMs === mtimeMs) return cached.index;
  const index = buildIndex(file);
  indexes.set(file, { mtimeMs, index });
  index.catch(() => indexes.delete(file));
  return index;
}

/** BM25 search over a local JSONL corpus: the query input in, the `k` best passages out. */
export const retrieveModule: ModuleDef<RetrieveOptions, { index: Index; options: RetrieveOptions }> = {
  name: "retrieve",
  summary: "BM25 search over a local JSONL corpus (`corpus`, `k`)",
  usesLM: false,
  options: optionsSchema,
  checkSignature: (signature) => {
    const problems: string[] = [];
    if (signature.inputs.length !== 1) problems.push("retrieve takes exactly one input: the query");
    const out = signature.outputs;
    if (out.length !== 1) problems.push("retrieve produces exactly one output: the passages");
    else {
      const t = out[0]!.type;
      const ok = t.kind === "string" || (t.kind === "list" && t.item.kind === "string");
      if (!ok || !out[0]!.typed) problems.push(`retrieve's output must be typed \`${out[0]!.name}: list[string]\` (or string)`);
    }
    return problems;
  },
  outputs: (signature) => signature.outputs,
  fingerprint: ({ index, options }) => hashOf({ corpus: index.digest, k: options.k, include_title: options.include_title }),
  prepare: async ({ options, programDir }) => {
    try {
      const index = await indexFor(path.resolve(programDir, options.corpus));
      return { index, options };
    } catch (err) {
      throw new ModuleOptionError("corpus", (err as Error).message);
    }
  },
  run: async ({ signature, prepared, inputs }) => {
    const query = valueToText(inputs[signature.inputs[0]!.name]);
    const { index, options } = prepared;
    const hits = index.search.search(query).slice(0, options.k);
    const passages = hits.map((h) => {
      const p = index.byId.get(String(h.id))!;
      return options.include_title && p.title ? `${p.title}: ${p.text}` : p.text;
    });
    const out = signature.outputs[0]!;
    return { outputs: { [out.name]: out.type.kind === "string" ? passages.join("\n\n") : passages }, calls: [] };
  },
};

import { Chalk } from "chalk";
import { describe, expect, it } from "vitest";
import type { CandidateView } from "../../src/view/run-view.js";
import { modelsTable } from "../../src/cli/commands/cache.js";
import { flippedTable } from "../../src/cli/render/comparison.js";
import { runsTable } from "../../src/cli/commands/runs.js";
import { candidatesTable, eventsTable } from "../../src/cli/commands/show.js";
import { worstTable } from "../../src/cli/render/worst.js";
import { layoutTable, type Column, type TableSpec, type TableStyle } from "../../src/cli/table.js";
import stringWidth from "string-width";
import { displayWidth, oneLineCell, truncateToWidth } from "../../src/cli/text-width.js";
import { wrapParts } from "../../src/cli/wrap.js";
import type { EventRecord, RunOf, RunRecord } from "../../src/store/runs-store.js";
import { EVAL_CONFIG, OPTIMIZE_CONFIG } from "../support/run-configs.js";

const WIDTHS = [60, 80, 120] as const;
/** Colour on, so the tests also show colour codes are not counted as width. */
const color = new Chalk({ level: 1 });
const styled: TableStyle = { kind: "boxed", colorBorder: true, head: (s) => color.bold(s) };

function widest(lines: readonly string[]): number {
  return Math.max(...lines.map(displayWidth));
}

/** The header cells of a boxed table (its second line), colour removed. */
function headers(lines: readonly string[]): string[] {
  return lines[1]!
    .replace(/\x1b\[[0-9;]*m/g, "")
    .split("│")
    .slice(1, -1)
    .map((h) => h.trim());
}

describe("display width", () => {
  it("counts wide and emoji characters as two columns, marks and colour codes as none", () => {
    expect(displayWidth("abc")).toBe(3);
    expect(displayWidth("日本語")).toBe(6);
    expect(displayWidth("👍🏽")).toBe(2);
    expect(displayWidth("👨‍👩‍👧")).toBe(2);
    expect(displayWidth("e\u0301")).toBe(1);
    expect(displayWidth(color.red("abc"))).toBe(3);
  });

  it("gives string-width's answer whether or not the text takes the plain-ASCII path", () => {
    const texts = ["", "plain words", color.bold("bold ") + "日本", "tab\there", "bell\u0007", "café", "\u00a0nbsp", color.red("é") + "x", "\x1b[2Jclear"];
    expect(texts.map(displayWidth)).toEqual(texts.map((t) => stringWidth(t)));
  });

  it("truncates by columns, never splitting an emoji or a letter from its accent, and closes colour", () => {
    expect(truncateToWidth("hello world", 6)).toBe("hello…");
    expect(truncateToWidth("hello", 5)).toBe("hello");
    expect(truncateToWidth("日本語テキスト", 7)).toBe("日本語…");
    expect(truncateToWidth("ab👨‍👩‍👧cd", 4)).toBe("ab…");
    expect(truncateToWidth("ab👨‍👩‍👧cd", 5)).toBe("ab👨‍👩‍👧…");
    expect(truncateToWidth("cafe\u0301 au lait", 5)).toBe("cafe\u0301…");
    const cut = truncateToWidth(color.red("a long red text"), 6);
    expect(displayWidth(cut)).toBe(6);
    expect(cut.endsWith("\x1b[0m")).toBe(true);
    expect(truncateToWidth("abc", 0)).toBe("");
  });

  it("keeps a cell on one line and drops control characters from data, but not dspx's colour", () => {
    expect(oneLineCell("a\nb\tc\r\nd")).toBe("a b c d");
    expect(oneLineCell("x\x1b]0;title\x07y\x1b[2J")).toBe("x]0;titley[2J");
    expect(oneLineCell(color.red("red"))).toBe(color.red("red"));
  });
});

describe("layoutTable", () => {
  const columns: Column[] = [
    { header: "id", priority: 1 },
    { header: "text", priority: 2, truncate: true, min: 6 },
    { header: "extra", priority: 3 },
  ];
  const spec: TableSpec = {
    columns,
    rows: [
      ["a1", "a rather long piece of text that will not fit everywhere", "x".repeat(10)],
      ["b2", "短い日本語のテキストと絵文字 🎉🎉", "y"],
    ],
  };

  it("keeps natural widths when they fit, and every row is one line", () => {
    const lines = layoutTable(spec, 200, styled);
    expect(lines).toHaveLength(6);
    expect(lines.join("\n")).toContain("a rather long piece of text that will not fit everywhere");
    expect(headers(lines)).toEqual(["id", "text", "extra"]);
  });

  it("fits every width from 12 to 160: cuts the truncatable column first, then drops the least useful", () => {
    for (let width = 12; width <= 160; width++) {
      const lines = layoutTable(spec, width, styled);
      expect(widest(lines), `width ${width}`).toBeLessThanOrEqual(width);
      expect(lines, `width ${width}`).toHaveLength(6);
    }
    // Cut before anything is dropped …
    const cut = layoutTable(spec, 40, styled);
    expect(headers(cut)).toEqual(["id", "text", "extra"]);
    expect(cut.join("\n")).toContain("…");
    // … and the column with the highest priority number goes first.
    expect(headers(layoutTable(spec, 24, styled))).toEqual(["id", "text"]);
    expect(headers(layoutTable(spec, 12, styled))).toEqual(["id"]);
  });

  it("cuts even an untruncatable last column rather than overflow", () => {
    const wide: TableSpec = { columns: [{ header: "only", priority: 1 }], rows: [["z".repeat(50)]] };
    const lines = layoutTable(wide, 30);
    expect(widest(lines)).toBe(30);
    expect(lines[3]).toContain("…");
  });

  it("right-aligns where asked", () => {
    const lines = layoutTable({ columns: [{ header: "score", priority: 1, align: "right" }], rows: [["1"]] }, 80);
    expect(lines[3]).toBe("│     1 │");
  });

  it("in a pipe: tab-separated, header first, cells whole, nothing padded", () => {
    const lines = layoutTable({ ...spec, rows: [...spec.rows, ["c3", "with\ta tab\nand a newline", ""]] }, undefined);
    expect(lines).toEqual([
      "id\ttext\textra",
      `a1\ta rather long piece of text that will not fit everywhere\t${"x".repeat(10)}`,
      "b2\t短い日本語のテキストと絵文字 🎉🎉\ty",
      "c3\twith a tab and a newline\t",
    ]);
  });

  it("plain lists: indented, two spaces apart, no header when no column has one, no trailing spaces", () => {
    const list: TableSpec = {
      columns: [
        { header: "", priority: 2, align: "right" },
        { header: "", priority: 1, truncate: true },
      ],
      rows: [
        ["7", "short"],
        ["12", "a longer line of text"],
      ],
    };
    expect(layoutTable(list, 80, { kind: "plain" })).toEqual(["   7  short", "  12  a longer line of text"]);
    const narrow = layoutTable(list, 16, { kind: "plain" });
    expect(widest(narrow)).toBeLessThanOrEqual(16);
    expect(narrow[1]).toBe("  12  a longer…");
  });
});

// The real tables, with the longest content they meet: names, long example ids, inputs and
// feedback with wide characters, three datasets.
const NOW = Date.UTC(2025, 4, 6, 9, 30);

function run({ kind = "optimize", config, ...over }: Partial<Omit<RunOf<"optimize">, "kind" | "config">> & { kind?: "eval" | "optimize"; config?: Record<string, unknown> }): RunRecord {
  const fields = {
    id: "k3v9x2ab",
    programName: "support-triage",
    programFile: "programs/support-triage.yaml",
    programHash: "h",
    programSource: "",
    status: "done" as const,
    startedAt: NOW,
    updatedAt: NOW + 83_000,
    finishedAt: NOW + 83_000,
    bestScore: 0.5,
    totals: { calls: 1994, costUsd: 0.0123 },
    ...over,
  };
  return kind === "eval" ? { ...fields, kind, config: { ...EVAL_CONFIG, ...config } } : { ...fields, kind, config: { ...OPTIMIZE_CONFIG, ...config } };
}

const OPTIMIZE = { optimizer: "bootstrap", data: { ...OPTIMIZE_CONFIG.data, dev: { file: "datasets/dev.jsonl", sha256: "d" } } };
const RUNS = [
  run({ name: "gepa with a long descriptive name for the weekly regression", status: "interrupted", config: OPTIMIZE }),
  run({ id: "p0q1r2s3", kind: "eval", programName: "incident-triage-with-a-long-program-name", status: "failed", totals: { calls: 123_456, costUsd: 12.5 }, config: { dataset: "datasets/incidents/holdout-2025-q2.jsonl" } }),
  run({ id: "z9y8x7w6", status: "running", bestScore: undefined, config: { optimizer: "random_search", data: { ...OPTIMIZE_CONFIG.data, dev: { splitFromTrain: true } } } }),
];

function candidate(seq: number, datasets: string[]): CandidateView {
  const hash = `${seq}abcdef0123456789`.slice(0, 16);
  return {
    hash,
    seq,
    state: {},
    parents: seq === 0 ? [] : ["0abcdef01234567", "1abcdef01234567"],
    origin: seq === 0 ? "program" : "merge",
    createdAt: NOW,
    scores: Object.fromEntries(datasets.map((d, i) => [d, { n: 70, mean: 0.4 + i / 10, ci95: [0.312, 0.488] as [number, number], errors: 0 }])),
  };
}

const WORST = [
  { id: "st-0003-a-very-long-example-identifier", score: 0, input: "There's a device called \"android-7f3a\" in my account's logged-in sessions and the activity log says it's been viewing my camera", feedback: "team: expected security, got account\nurgency: expected high, got normal" },
  { id: "st-0011", score: 0.5, input: { message: "請求書が二重に届きました。返金をお願いします 🙏", locale: "ja" }, feedback: "team: correct" },
  { id: "st-0020", score: 0, input: "x", error: "the LM's answer could not be read: expected `[[ ## team ## ]]`, got free text after 3 attempts" },
];

const EVENTS: EventRecord[] = [
  { seq: 0, at: NOW, type: "proposal", data: { summary: "iteration 1: new instruction for route from 26ce24727f, learned from 16 minibatch examples and their feedback" } },
  { seq: 117, at: NOW, type: "accepted", data: { candidate: "5ac1f49b16", minibatch: 13, parent: 5, dev: 0.43571 } },
];

const TABLES: { name: string; spec: TableSpec; style?: TableStyle["kind"]; kept: string[] }[] = [
  { name: "eval / show lowest-scoring examples", spec: worstTable(WORST, color), kept: ["example", "score"] },
  { name: "runs", spec: runsTable(RUNS, color), kept: ["run", "status", "best"] },
  { name: "show candidates (three datasets)", spec: candidatesTable([candidate(0, ["dev", "test", "train"]), candidate(1, ["dev", "test", "train"]), candidate(2, ["train"])], "1abcdef012345678"), kept: ["candidate", "dev", "test", "train"] },
  { name: "show candidates (one dataset)", spec: candidatesTable([candidate(0, ["dev"])], "0abcdef012345678"), kept: ["candidate", "dev", "dev 95% CI"] },
  { name: "cache stats models", spec: modelsTable([{ provider: "openai-compatible", model: "meta-llama/Llama-3.3-70B-Instruct-Turbo-with-a-long-suffix", entries: 123_456, hits: 9_876_543 }]), kept: ["model", "entries"] },
];

describe.each(WIDTHS)("every real table at %i columns", (width) => {
  it.each(TABLES)("$name fits, one line per row, keeping its most useful columns", ({ spec, kept }) => {
    const lines = layoutTable(spec, width, styled);
    expect(widest(lines)).toBeLessThanOrEqual(width);
    expect(lines).toHaveLength(spec.rows.length + 4);
    expect(headers(lines)).toEqual(expect.arrayContaining(kept));
  });

  it.each([
    { name: "show events", spec: eventsTable(EVENTS) },
    { name: "compare flipped examples", spec: flippedTable([{ exampleId: "an-example-id-long-enough-to-need-cutting-at-sixty-columns-or-less", a: 0, b: 1 }]) },
  ])("$name (a plain list) fits", ({ spec }) => {
    const lines = layoutTable(spec, width, { kind: "plain" });
    expect(widest(lines)).toBeLessThanOrEqual(width);
    expect(lines).toHaveLength(spec.rows.length);
  });

  it("show's config and totals lines wrap to fit", () => {
    const parts = ["optimizer gepa", "settings minibatch=16 merges=5 merge_subsample=8 iterations=0", "seed 0", "data train=datasets/support-triage/train.jsonl (b882a237) dev=datasets/support-triage/dev.jsonl (ccbe2114)", "lm cache=true defaultModel=sim"];
    const text = wrapParts(`${color.bold("config")}   `, parts, width);
    expect(widest(text.split("\n"))).toBeLessThanOrEqual(width);
    // Nothing is lost: wrapping only moves words to the next line.
    expect(text.replace(/\x1b\[[0-9;]*m/g, "").split(/\s+/).filter((w) => w !== "" && w !== "·").join(" ")).toBe(`config ${parts.join(" ").replace(/ · /g, " ")}`);
  });
});

describe("which columns give way", () => {
  it("runs: at 120 everything but the calls (the split and optimizer too); at 80 calls and the time taken go first; at 60 run, status and best remain", () => {
    const plainRuns = runsTable(RUNS.map((r) => ({ ...r, name: undefined })), color);
    expect(headers(layoutTable(plainRuns, 120, styled))).toEqual(["run", "kind", "program", "split", "optimizer", "status", "best", "cost", "started", "took"]);
    const at80 = headers(layoutTable(plainRuns, 80, styled));
    expect(at80).not.toContain("calls");
    expect(at80).toEqual(expect.arrayContaining(["run", "program", "status", "best", "started"]));
    expect(headers(layoutTable(plainRuns, 60, styled))).toEqual(expect.arrayContaining(["run", "status", "best"]));
  });

  it("lowest-scoring examples: at 60 the input and feedback are cut, not dropped", () => {
    const lines = layoutTable(worstTable(WORST, color), 60, styled);
    expect(headers(lines)).toEqual(["example", "score", "input", "feedback"]);
    expect(lines[3]).toContain("…");
  });

  it("a run id is never cut", () => {
    for (const width of WIDTHS) expect(layoutTable(runsTable(RUNS, color), width, styled).join("\n")).toContain("p0q1r2s3");
  });
});

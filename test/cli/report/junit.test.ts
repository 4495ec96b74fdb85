import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { junitXml, JunitWriter, type JunitInput } from "../../../src/cli/report/junit.js";
import { example, mixed, result, summaryOf } from "./fixtures.js";
import { child, children, parseXml, text, type XmlElement } from "./xml-check.js";

const WHEN = new Date("2025-03-04T05:06:07.890Z");

function build(extra: Partial<JunitInput> = {}): { xml: string; root: XmlElement } {
  const { results, examples, summary } = mixed();
  const xml = junitXml({ program: "triage", dataset: "dev", runId: "run-42", model: "sim", summary, results, examples, passScore: 1, timestamp: WHEN, ...extra });
  return { xml, root: parseXml(xml) };
}

function suiteOf(root: XmlElement): XmlElement {
  expect(root.name).toBe("testsuites");
  const suites = children(root, "testsuite");
  expect(suites).toHaveLength(1);
  return suites[0]!;
}

describe("junitXml", () => {
  it("writes one suite with counts, time, timestamp and properties", () => {
    const { xml, root } = build();
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
    const suite = suiteOf(root);
    expect(suite.attrs).toEqual({
      name: "triage (dev)",
      tests: "4",
      failures: "1",
      errors: "2",
      skipped: "0",
      time: "65.432",
      timestamp: "2025-03-04T05:06:07",
    });
    expect(root.attrs).toMatchObject({ tests: "4", failures: "1", errors: "2", time: "65.432" });
    const props = Object.fromEntries(children(child(suite, "properties")!, "property").map((p) => [p.attrs.name, p.attrs.value]));
    expect(props).toMatchObject({
      mean_score: "0.375",
      ci95: "[0.275, 0.475]",
      pass_score: "1",
      run_id: "run-42",
      model: "sim",
      cost_usd: "0.0048",
      examples_total: "4",
      examples_done: "4",
      errors: "2",
      memoized: "0",
    });
    expect(props).not.toHaveProperty("stopped");
  });

  it("writes a test case per result in result order, with classname, name and time in seconds", () => {
    const { root } = build();
    const cases = children(suiteOf(root), "testcase");
    expect(cases.map((c) => c.attrs.name)).toEqual(["ex-pass", "ex-low", "ex-step", "ex-metric"]);
    for (const c of cases) expect(c.attrs.classname).toBe("triage.dev");
    expect(cases[0]!.attrs.time).toBe("1.234");
  });

  it("marks errors, failures and passes", () => {
    const { root } = build();
    const [pass, low, step, metric] = children(suiteOf(root), "testcase");

    expect(child(pass!, "failure")).toBeUndefined();
    expect(child(pass!, "error")).toBeUndefined();
    expect(JSON.parse(text(child(pass!, "system-out")!))).toEqual({ team: "billing" });

    const failure = child(low!, "failure")!;
    expect(failure.attrs).toEqual({ message: "score 0.500 < 1.000", type: "score" });
    expect(text(failure)).toBe('expected team=security\ngot billing\ninput: my password leaked\noutput: {"team":"billing"}');
    expect(child(low!, "error")).toBeUndefined();

    const stepError = child(step!, "error")!;
    expect(stepError.attrs).toEqual({ message: "could not read the output: missing field team", type: "step" });
    expect(text(stepError)).toBe("could not read the output: missing field team\nstep: classify\nraw completion:\nTeam: ??");
    expect(child(step!, "failure")).toBeUndefined();
    expect(child(step!, "system-out")).toBeUndefined();

    expect(child(metric!, "error")!.attrs.type).toBe("metric");
    expect(text(child(metric!, "error")!)).toBe("metric threw: TypeError: x is undefined");
  });

  it("escapes < in the failure message as &lt;", () => {
    const { xml } = build();
    expect(xml).toContain('<failure message="score 0.500 &lt; 1.000" type="score">');
  });

  it("follows passScore", () => {
    const { root } = build({ passScore: 0.5 });
    const suite = suiteOf(root);
    expect(suite.attrs).toMatchObject({ tests: "4", failures: "0", errors: "2" });
    expect(child(children(suite, "testcase")[1]!, "failure")).toBeUndefined();

    const strict = suiteOf(build({ passScore: 0 }).root);
    expect(strict.attrs.failures).toBe("0");
    // Errors stay errors whatever the pass score.
    expect(strict.attrs.errors).toBe("2");
  });

  it("prints scores that round alike with more digits, and fails a NaN score", () => {
    const results = [result("a", 0, { score: 0.9995 }), result("b", 1, { score: Number.NaN })];
    const xml = junitXml({ program: "p", dataset: "d", summary: summaryOf(results), results, examples: new Map(), passScore: 1, timestamp: WHEN });
    const cases = children(suiteOf(parseXml(xml)), "testcase");
    expect(child(cases[0]!, "failure")!.attrs.message).toBe("score 0.9995 < 1.0000");
    expect(child(cases[1]!, "failure")!.attrs.message).toBe("score – < 1.000");
  });

  it("records a stopped run, an unknown cost and an absent run id", () => {
    const { results, examples } = mixed();
    const summary = summaryOf(results, { total: 10, stopped: "budget", costUsd: null });
    const xml = junitXml({ program: "p", dataset: "d", summary, results, examples, passScore: 1, timestamp: WHEN });
    const props = Object.fromEntries(children(child(suiteOf(parseXml(xml)), "properties")!, "property").map((p) => [p.attrs.name, p.attrs.value]));
    expect(props).toMatchObject({ stopped: "budget", cost_usd: "unknown", examples_total: "10", examples_done: "4" });
    expect(props).not.toHaveProperty("run_id");
    expect(props).not.toHaveProperty("model");
  });

  it("writes an empty suite as valid XML", () => {
    const xml = junitXml({ program: "p", dataset: "d", summary: summaryOf([]), results: [], examples: new Map(), passScore: 1, timestamp: WHEN });
    const suite = suiteOf(parseXml(xml));
    expect(suite.attrs).toMatchObject({ tests: "0", failures: "0", errors: "0" });
    expect(children(suite, "testcase")).toHaveLength(0);
  });

  it("stays valid XML and round-trips text on nasty inputs", () => {
    const nasty = `a "quoted" & <tagged> 'apos' ]]> <![CDATA[x]]> 🎉 ctrl:\u0001\u0008\u000b\u001b nul:\u0000 lone:\ud800 fffe:\ufffe end`;
    const clean = `a "quoted" & <tagged> 'apos' ]]> <![CDATA[x]]> 🎉 ctrl: nul: lone: fffe: end`;
    const id = `id-"&<>'-]]>-🎉-\u0007`;
    const results = [
      result(id, 0, { outputs: { answer: nasty } }),
      result("low", 1, { score: 0.25, feedback: nasty, outputs: { answer: "x]]>y" } }),
      result("err", 2, { score: 0, error: { kind: "step", step: "s<1>", message: `bad\n${nasty}`, raw: `raw ]]> \r\n${nasty}` } }),
    ];
    const examples = new Map([["low", example("low", { q: nasty })]]);
    const xml = junitXml({
      program: `prog "x" & <y>\tz`,
      dataset: "ds'1]]>",
      runId: nasty,
      summary: summaryOf(results),
      results,
      examples,
      passScore: 1,
      timestamp: WHEN,
    });
    expect(xml).not.toContain("]]>");
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/);
    expect(xml).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);

    const root = parseXml(xml);
    const suite = suiteOf(root);
    expect(suite.attrs.name).toBe(`prog "x" & <y>\tz (ds'1]]>)`);
    const props = Object.fromEntries(children(child(suite, "properties")!, "property").map((p) => [p.attrs.name, p.attrs.value]));
    expect(props.run_id).toBe(clean);

    const [first, low, err] = children(suite, "testcase");
    expect(first!.attrs.name).toBe(`id-"&<>'-]]>-🎉-`);
    expect(first!.attrs.classname).toBe(`prog "x" & <y>\tz.ds'1]]>`);
    // JSON escapes control characters and lone surrogates, so only U+FFFE (illegal in XML) is lost.
    expect(JSON.parse(text(child(first!, "system-out")!))).toEqual({ answer: nasty.replace("\ufffe", "") });
    expect(text(child(low!, "failure")!).split("\n")[0]).toBe(clean);
    expect(text(child(low!, "failure")!)).toContain(`input: ${clean}`);

    const error = child(err!, "error")!;
    expect(error.attrs.message).toBe(`bad ${clean}`);
    expect(text(error)).toBe(`bad\n${clean}\nstep: s<1>\nraw completion:\nraw ]]> \r\n${clean}`);
  });

  it("keeps carriage returns in text and newlines/tabs in attributes through a parser", () => {
    const results = [result("r", 0, { score: 0, error: { kind: "metric", message: "m", raw: "a\r\nb\rc" } })];
    const xml = junitXml({ program: "p\nq", dataset: "d", summary: summaryOf(results), results, examples: new Map(), passScore: 1, timestamp: WHEN });
    expect(xml).toContain("a&#13;\nb&#13;c");
    const suite = suiteOf(parseXml(xml));
    expect(suite.attrs.name).toBe("p\nq (d)");
    expect(text(child(children(suite, "testcase")[0]!, "error")!)).toBe("m\nraw completion:\na\r\nb\rc");
  });

  it("truncates a very long error message in the attribute but keeps it whole in the body", () => {
    const long = "x".repeat(2000);
    const results = [result("r", 0, { score: 0, error: { kind: "step", message: long } })];
    const xml = junitXml({ program: "p", dataset: "d", summary: summaryOf(results), results, examples: new Map(), passScore: 1, timestamp: WHEN });
    const error = child(children(suiteOf(parseXml(xml)), "testcase")[0]!, "error")!;
    expect(error.attrs.message!.length).toBe(500);
    expect(error.attrs.message!.endsWith("…")).toBe(true);
    expect(text(error)).toBe(long);
  });
});

describe("the XML checker used above", () => {
  it.each([
    ["duplicate attribute", '<a b="1" b="2"/>'],
    ["]]> in text", "<a>]]></a>"],
    ["unknown entity", "<a>&nbsp;</a>"],
    ["bare ampersand", "<a>AT&T</a>"],
    ["control character", "<a>\u0001</a>"],
    ["reference to a control character", "<a>&#1;</a>"],
    ["lone surrogate", "<a>\ud800</a>"],
    ["mismatched tags", "<a><b></a></b>"],
    ["unquoted attribute", "<a b=1/>"],
    ["< in an attribute", '<a b="<"/>'],
    ["two roots", "<a/><b/>"],
    ["unclosed", "<a>"],
  ])("rejects %s", (_what, xml) => {
    expect(() => parseXml(xml)).toThrow();
  });

  it("accepts well-formed XML and decodes it", () => {
    const el = parseXml(`<?xml version="1.0" encoding="UTF-8"?>\n<a x="&quot;1&#10;&#x9;">t &amp; &lt;u&gt;<!-- c --><![CDATA[<raw>]]><b/></a>\n`);
    expect(el.attrs.x).toBe('"1\n\t');
    expect(text(el)).toBe("t & <u><raw>");
    expect(children(el, "b")).toHaveLength(1);
  });
});

describe("JunitWriter", () => {
  it("writes, from results streamed in, the same document junitXml makes of them", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "dspx-junit-writer-"));
    const file = path.join(dir, "eval.xml");
    const { results, examples, summary } = mixed();
    const writer = await JunitWriter.open(file, { program: "triage", dataset: "dev", passScore: 1 });
    // Finishing order, not example order: the report follows the order written.
    const order = [results[2]!, results[0]!, results[3]!, results[1]!];
    for (const r of order) await writer.write(r, examples.get(r.exampleId));
    await writer.finish({ runId: "run-42", model: "sim", summary, timestamp: WHEN });
    const expected = junitXml({ program: "triage", dataset: "dev", runId: "run-42", model: "sim", summary, results: order, examples, passScore: 1, timestamp: WHEN });
    expect(await readFile(file, "utf8")).toBe(expected);
    // finish is once; discard after it keeps the report.
    await writer.discard();
    expect(existsSync(file)).toBe(true);
  });

  it("leaves no report and no scratch file when discarded", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "dspx-junit-discard-"));
    const before = (await readdir(os.tmpdir())).filter((f) => f.startsWith("dspx-junit-")).length;
    const file = path.join(dir, "eval.xml");
    const writer = await JunitWriter.open(file, { program: "p", dataset: "d", passScore: 1 });
    await writer.write(result("a", 0), undefined);
    await writer.discard();
    expect(existsSync(file)).toBe(false);
    expect((await readdir(os.tmpdir())).filter((f) => f.startsWith("dspx-junit-")).length).toBe(before);
  });

  it("refuses a path it cannot write at once, naming the flag", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "dspx-junit-dir-"));
    await expect(JunitWriter.open(dir, { program: "p", dataset: "d", passScore: 1 })).rejects.toThrow(/--junit: cannot write the JUnit report/);
  });
});

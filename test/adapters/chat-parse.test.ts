import { describe, expect, it } from "vitest";
import { chatAdapter } from "../../src/adapters/chat.js";
import { cotSignature, mixedSignature, triageSignature } from "./fixtures.js";

const parse = chatAdapter.parse;

describe("chat adapter parsing", () => {
  it("reads well-formed fields", () => {
    const text = "[[ ## team ## ]]\nbilling\n\n[[ ## urgency ## ]]\nhigh\n\n[[ ## completed ## ]]";
    expect(parse(triageSignature(), text)).toEqual({ ok: true, values: { team: "billing", urgency: "high" } });
  });

  it("finds markers mid-line", () => {
    const text = "Sure. [[ ## team ## ]] billing [[ ## urgency ## ]] low [[ ## completed ## ]]";
    expect(parse(triageSignature(), text)).toEqual({ ok: true, values: { team: "billing", urgency: "low" } });
  });

  it("matches names in any letter case and with loose spacing inside the brackets", () => {
    const text = "[[## TEAM ##]]\nAccount\n[[  ##   Urgency  ## ]]\nNormal.";
    expect(parse(triageSignature(), text)).toEqual({ ok: true, values: { team: "account", urgency: "normal" } });
  });

  it("ignores prose before the first marker and after completed", () => {
    const text =
      "Let me think about this.\n\n[[ ## team ## ]]\ntechnical\n\n[[ ## urgency ## ]]\nhigh\n\n" +
      "[[ ## completed ## ]]\nHope this helps! [[ ## team ## ]] billing";
    expect(parse(triageSignature(), text)).toEqual({ ok: true, values: { team: "technical", urgency: "high" } });
  });

  it("accepts a missing completed marker", () => {
    expect(parse(triageSignature(), "[[ ## team ## ]]\nbilling\n[[ ## urgency ## ]]\nhigh\n")).toEqual({
      ok: true,
      values: { team: "billing", urgency: "high" },
    });
  });

  it("keeps the first of duplicated fields and ignores unknown markers", () => {
    const text =
      "[[ ## team ## ]]\nbilling\n[[ ## confidence ## ]]\n0.9\n[[ ## team ## ]]\naccount\n[[ ## urgency ## ]]\nlow";
    expect(parse(triageSignature(), text)).toEqual({ ok: true, values: { team: "billing", urgency: "low" } });
  });

  it("names every missing field", () => {
    expect(parse(triageSignature(), "The team is billing.")).toEqual({
      ok: false,
      error: "missing fields `team`, `urgency`",
    });
    expect(parse(triageSignature(), "[[ ## team ## ]]\nbilling")).toEqual({ ok: false, error: "missing field `urgency`" });
  });

  it("reports a wrong enum value with what was expected and what came", () => {
    expect(parse(triageSignature(), "[[ ## team ## ]]\nsales\n[[ ## urgency ## ]]\nhigh")).toEqual({
      ok: false,
      error: 'field `team`: expected one of: billing, technical, account, got "sales"',
    });
  });

  it("reports every bad field and missing field together", () => {
    const r = parse(mixedSignature(), "[[ ## tags ## ]]\n[]\n[[ ## score ## ]]\nmany\n[[ ## count ## ]]\n2.5\n[[ ## ok ## ]]\nmaybe");
    expect(r).toEqual({
      ok: false,
      error:
        'missing field `data`; field `score`: expected a number, got "many"; field `count`: expected an integer, ' +
        'got "2.5"; field `ok`: expected true or false, got "maybe"',
    });
  });

  it("coerces numbers, booleans, lists and json", () => {
    const text = [
      "[[ ## tags ## ]]",
      '["geo", "europe"]',
      "[[ ## score ## ]]",
      "42",
      "[[ ## count ## ]]",
      "3",
      "[[ ## ok ## ]]",
      "True",
      "[[ ## data ## ]]",
      '{"a": [1, 2]}',
    ].join("\n");
    expect(parse(mixedSignature(), text)).toEqual({
      ok: true,
      values: { tags: ["geo", "europe"], score: 42, count: 3, ok: true, data: { a: [1, 2] } },
    });
  });

  it("reads a list written in the numbered form inputs are shown in", () => {
    const text = "[[ ## tags ## ]]\n[1] «geo»\n[2] «new, europe»\n[[ ## score ## ]]\n1\n[[ ## count ## ]]\n1\n[[ ## ok ## ]]\nno\n[[ ## data ## ]]\nnull";
    const r = parse(mixedSignature(), text);
    expect(r).toEqual({ ok: true, values: { tags: ["geo", "new, europe"], score: 1, count: 1, ok: false, data: null } });
  });

  it("keeps JSON inside a string field as a string, multi-line text intact", () => {
    const text = '[[ ## reasoning ## ]]\n{"step": 1}\nthen more\n\n[[ ## answer ## ]]\n5';
    expect(parse(cotSignature(), text)).toEqual({
      ok: true,
      values: { reasoning: '{"step": 1}\nthen more', answer: 5 },
    });
  });
});

import { describe, expect, it } from "vitest";
import { answer, answerOf } from "./helpers.js";

const TEAM = "message -> team: enum(technical, billing, account)";
const charged = { message: "I was charged twice on my last invoice" };

describe("sim closed outputs", () => {
  it("answers the first option when there is no evidence at all", () => {
    expect(answerOf("team", { signature: TEAM, inputs: charged })).toBe("technical");
  });

  it("becomes right when one relevant demo is added", () => {
    const demos = [{ message: "My invoice shows a double charge", team: "billing" }];
    expect(answerOf("team", { signature: TEAM, inputs: charged })).toBe("technical");
    expect(answerOf("team", { signature: TEAM, inputs: charged, demos })).toBe("billing");
  });

  it("follows the most similar demos, not the first ones", () => {
    const demos = [
      { message: "The app crashes on startup", team: "technical" },
      { message: "Reset my password please", team: "account" },
      { message: "Why was my card charged twice this month?", team: "billing" },
    ];
    expect(answerOf("team", { signature: TEAM, inputs: charged, demos })).toBe("billing");
    expect(answerOf("team", { signature: TEAM, inputs: { message: "It crashes when I open the app" }, demos })).toBe("technical");
  });

  it("becomes right when one cue line is added to the instruction", () => {
    const instruction = "Route the message to the team that should handle it.";
    expect(answerOf("team", { signature: TEAM, inputs: charged, instruction })).toBe("technical");
    expect(
      answerOf("team", { signature: TEAM, inputs: charged, instruction: `${instruction}\n- billing: invoice, refund, charged twice` }),
    ).toBe("billing");
  });

  it("reads prose cue lines and stems the input (refunds → refund)", () => {
    const instruction = "Anything about a refund goes to billing.";
    expect(answerOf("team", { signature: TEAM, inputs: { message: "Where are my refunds?" }, instruction })).toBe("billing");
    expect(answerOf("team", { signature: TEAM, inputs: { message: "Where are my parcels?" }, instruction })).toBe("technical");
  });

  it("matches multi-word cue items only as phrases", () => {
    const instruction = "- billing: charged twice";
    expect(answerOf("team", { signature: TEAM, inputs: { message: "I got charged twice" }, instruction })).toBe("billing");
    expect(answerOf("team", { signature: TEAM, inputs: { message: "Twice now the app charged my battery" }, instruction })).toBe("technical");
  });

  it("ignores instruction lines that name several options", () => {
    const instruction = "Choose billing or account for anything about an invoice.";
    expect(answerOf("team", { signature: TEAM, inputs: charged, instruction })).toBe("technical");
  });

  it("lets one good demo outvote a mention of another option's name", () => {
    const inputs = { message: "My account was charged twice for one invoice" };
    expect(answerOf("team", { signature: TEAM, inputs })).toBe("account");
    const demos = [{ message: "Charged twice for the same invoice", team: "billing" }];
    expect(answerOf("team", { signature: TEAM, inputs, demos })).toBe("billing");
  });

  it("votes for an option whose name appears in the input", () => {
    expect(answerOf("team", { signature: TEAM, inputs: { message: "Something is wrong with my account" } })).toBe("account");
    expect(answerOf("team", { signature: TEAM, inputs: { message: "A billing question" } })).toBe("billing");
  });

  it("breaks ties in option order", () => {
    const inputs = { message: "billing and account both look wrong" };
    expect(answerOf("team", { signature: TEAM, inputs })).toBe("billing");
    expect(answerOf("team", { signature: "message -> team: enum(account, billing)", inputs })).toBe("account");
  });

  it("answers booleans, with yes/no cue lines naming true/false", () => {
    const sig = "review -> positive: boolean";
    const inputs = { review: "Absolutely loved it, great value" };
    expect(answerOf("positive", { signature: sig, inputs })).toBe(false);
    expect(answerOf("positive", { signature: sig, inputs, instruction: "- yes: loved, great, excellent" })).toBe(true);
    expect(answerOf("positive", { signature: sig, inputs, demos: [{ review: "Loved it, great quality", positive: true }] })).toBe(true);
    expect(answerOf("positive", { signature: sig, inputs, demos: [{ review: "Loved it, great quality", positive: "yes" }] })).toBe(true);
    const bad = { review: "Terrible, it broke" };
    expect(answerOf("positive", { signature: sig, inputs: bad, instruction: "- yes: loved\n- no: terrible, broke" })).toBe(false);
  });

  it("answers list[enum] with every option that clears the threshold, in option order", () => {
    const sig = "message -> topics: list[enum(shipping, billing, technical)]";
    const instruction = "- billing: refund\n- shipping: parcel, late";
    expect(answerOf("topics", { signature: sig, inputs: { message: "My parcel is late and I want a refund" }, instruction })).toEqual([
      "shipping",
      "billing",
    ]);
    expect(answerOf("topics", { signature: sig, inputs: { message: "Hello there" }, instruction })).toEqual([]);
    const demos = [{ message: "refund for the late parcel", topics: ["billing", "shipping"] }];
    expect(answerOf("topics", { signature: sig, inputs: { message: "late parcel refund" }, demos })).toEqual(["shipping", "billing"]);
  });

  it("names the evidence it used in reasoning", () => {
    const out = answer({
      signature: "message -> reasoning, team: enum(technical, billing, account)",
      inputs: charged,
      instruction: "- billing: invoices, charged twice",
    });
    expect(Object.keys(out)).toEqual(["reasoning", "team"]);
    expect(out.team).toBe("billing");
    expect(out.reasoning).toMatch(/invoices/);
    expect(out.reasoning).toMatch(/charged twice/);
    const fromDemo = answer({
      signature: "message -> reasoning, team: enum(technical, billing, account)",
      inputs: charged,
      demos: [{ message: "Invoice charged twice", team: "billing" }],
    });
    expect(fromDemo.reasoning).toMatch(/closest example.*billing/);
  });

  it("never reads the messages", async () => {
    const { request } = await import("./helpers.js");
    const { simAnswer } = await import("../../../src/lm/sim/answer.js");
    const a = request({ signature: TEAM, inputs: charged });
    const b = { ...a, messages: [{ role: "user" as const, content: "billing billing billing" }] };
    expect(simAnswer(b)).toEqual(simAnswer(a));
  });
});

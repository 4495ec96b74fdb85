import { describe, expect, it } from "vitest";
import { formatCompletion } from "../../../src/lm/sim/format.js";
import { parseSignature } from "../../../src/signature/parse.js";
import { SimClient } from "../../../src/lm/sim/client.js";
import { request } from "./helpers.js";

const sig = parseSignature("q -> reasoning, team: enum(a, b), n: number, ok: boolean, tags: list[string], data: json");
const values = { reasoning: "Because.", team: "b", n: 2.5, ok: true, tags: ["x", "y z"], data: { k: [1] } };

describe("sim output format", () => {
  it("writes chat field markers in output order, then completed", () => {
    expect(formatCompletion(sig, values, "chat")).toBe(
      "[[ ## reasoning ## ]]\nBecause.\n\n" +
        "[[ ## team ## ]]\nb\n\n" +
        "[[ ## n ## ]]\n2.5\n\n" +
        "[[ ## ok ## ]]\ntrue\n\n" +
        '[[ ## tags ## ]]\n["x","y z"]\n\n' +
        '[[ ## data ## ]]\n{"k":[1]}\n\n' +
        "[[ ## completed ## ]]",
    );
  });

  it("writes one JSON object in output order for the json adapter", () => {
    expect(formatCompletion(sig, values, "json")).toBe(
      '{"reasoning":"Because.","team":"b","n":2.5,"ok":true,"tags":["x","y z"],"data":{"k":[1]}}',
    );
  });

  it("answers in the format of the adapter that rendered the request", async () => {
    const client = new SimClient();
    const chat = await client.complete(request({ signature: "message -> team: enum(x, y)", inputs: { message: "about y" } }));
    expect(chat.text).toBe("[[ ## team ## ]]\ny\n\n[[ ## completed ## ]]");
    const json = await client.complete(request({ signature: "message -> team: enum(x, y)", inputs: { message: "about y" }, adapter: "json" }));
    expect(json.text).toBe('{"team":"y"}');
  });
});

import { describe, expect, it } from "vitest";
import { chatAdapter } from "../../src/adapters/chat.js";
import type { ChatMessage } from "../../src/lm/types.js";
import { cotSignature, mixedSignature, triageDemos, triageSignature } from "./fixtures.js";

const render = (input: Parameters<typeof chatAdapter.render>[0]) =>
  chatAdapter.render(input, { structuredOutput: false });

function lines(...parts: string[]): string {
  return parts.join("\n");
}

describe("chat adapter rendering", () => {
  it("renders a classification with enum outputs and two demos", () => {
    const { messages, responseFormat } = render({
      signature: triageSignature(),
      instruction: "Route the message to the team that should handle it and judge its urgency.",
      demos: triageDemos,
      inputs: { message: "Where is my refund?" },
    });
    expect(responseFormat).toBeUndefined();
    expect(messages).toEqual<ChatMessage[]>([
      {
        role: "system",
        content: lines(
          "You will be given these input fields:",
          "1. `message` (string): The customer's message",
          "",
          "You must produce these output fields:",
          "1. `team` (enum(billing, technical, account))",
          "2. `urgency` (enum(low, normal, high))",
          "",
          "Lay out every message in this structure, each field's value on the lines after its marker:",
          "",
          "[[ ## message ## ]]",
          "{message}",
          "",
          "[[ ## team ## ]]",
          "{team} (must be exactly one of: billing; technical; account)",
          "",
          "[[ ## urgency ## ]]",
          "{urgency} (must be exactly one of: low; normal; high)",
          "",
          "[[ ## completed ## ]]",
          "",
          "Objective:",
          "Route the message to the team that should handle it and judge its urgency.",
        ),
      },
      { role: "user", content: "[[ ## message ## ]]\nI was charged twice this month" },
      {
        role: "assistant",
        content: "[[ ## team ## ]]\nbilling\n\n[[ ## urgency ## ]]\nhigh\n\n[[ ## completed ## ]]",
      },
      { role: "user", content: "[[ ## message ## ]]\nThe app crashes when I log in" },
      {
        role: "assistant",
        content: "[[ ## team ## ]]\ntechnical\n\n[[ ## urgency ## ]]\nnormal\n\n[[ ## completed ## ]]",
      },
      {
        role: "user",
        content: lines(
          "[[ ## message ## ]]",
          "Where is my refund?",
          "",
          "Respond with the corresponding output fields, starting with the field `[[ ## team ## ]]`, then " +
            "`[[ ## urgency ## ]]`, and then ending with the marker for `[[ ## completed ## ]]`.",
        ),
      },
    ]);
  });

  it("renders chain of thought: reasoning first, left out of plain labeled demos", () => {
    const { messages } = render({
      signature: cotSignature(),
      instruction: "Answer the arithmetic question.",
      demos: [
        { question: "What is 2 + 3?", answer: 5 },
        { question: "What is 4 * 4?", reasoning: "Four fours are sixteen.", answer: 16 },
      ],
      inputs: { question: "What is 7 - 2?" },
    });
    expect(messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user", "assistant", "user"]);
    expect(messages[0]!.content).toContain(
      lines(
        "You must produce these output fields:",
        "1. `reasoning` (string): Think step by step before answering",
        "2. `answer` (integer)",
      ),
    );
    expect(messages[0]!.content).toContain(
      lines("[[ ## reasoning ## ]]", "{reasoning}", "", "[[ ## answer ## ]]", "{answer} (an integer)"),
    );
    expect(messages[2]!.content).toBe("[[ ## answer ## ]]\n5\n\n[[ ## completed ## ]]");
    expect(messages[4]!.content).toBe(
      "[[ ## reasoning ## ]]\nFour fours are sixteen.\n\n[[ ## answer ## ]]\n16\n\n[[ ## completed ## ]]",
    );
    expect(messages[5]!.content).toBe(
      lines(
        "[[ ## question ## ]]",
        "What is 7 - 2?",
        "",
        "Respond with the corresponding output fields, starting with the field `[[ ## reasoning ## ]]`, then " +
          "`[[ ## answer ## ]]`, and then ending with the marker for `[[ ## completed ## ]]`.",
      ),
    );
  });

  it("renders list, number, boolean and json fields with their notes, and an empty instruction", () => {
    const { messages } = render({
      signature: mixedSignature(),
      instruction: "",
      demos: [
        {
          context: ["Paris is in France."],
          tags: ["geo", "europe"],
          score: 0.5,
          count: 2,
          ok: true,
          data: { z: 1, a: [1, 2] },
        },
      ],
      inputs: { question: "Where is Paris?", context: ["Paris is in France.", "Lyon is «big»."] },
    });
    expect(messages[0]!.content).toBe(
      lines(
        "You will be given these input fields:",
        "1. `question` (string)",
        "2. `context` (list[string])",
        "",
        "You must produce these output fields:",
        "1. `tags` (list[string])",
        "2. `score` (number)",
        "3. `count` (integer)",
        "4. `ok` (boolean)",
        "5. `data` (json)",
        "",
        "Lay out every message in this structure, each field's value on the lines after its marker:",
        "",
        "[[ ## question ## ]]",
        "{question}",
        "",
        "[[ ## context ## ]]",
        "{context}",
        "",
        "[[ ## tags ## ]]",
        "{tags} (as JSON: an array of strings)",
        "",
        "[[ ## score ## ]]",
        "{score} (a number)",
        "",
        "[[ ## count ## ]]",
        "{count} (an integer)",
        "",
        "[[ ## ok ## ]]",
        "{ok} (true or false)",
        "",
        "[[ ## data ## ]]",
        "{data} (as JSON)",
        "",
        "[[ ## completed ## ]]",
        "",
        "Objective:",
        "Given the fields `question`, `context`, produce the fields `tags`, `score`, `count`, `ok`, `data`.",
      ),
    );
    // The demo lacks `question`: rendered empty.
    expect(messages[1]!.content).toBe(
      lines("[[ ## question ## ]]", "", "[[ ## context ## ]]", "[1] «Paris is in France.»"),
    );
    // Output lists and json are JSON text, objects with sorted keys.
    expect(messages[2]!.content).toBe(
      lines(
        "[[ ## tags ## ]]",
        '["geo","europe"]',
        "",
        "[[ ## score ## ]]",
        "0.5",
        "",
        "[[ ## count ## ]]",
        "2",
        "",
        "[[ ## ok ## ]]",
        "true",
        "",
        "[[ ## data ## ]]",
        '{"a":[1,2],"z":1}',
        "",
        "[[ ## completed ## ]]",
      ),
    );
    expect(messages[3]!.content).toContain(
      lines(
        "[[ ## question ## ]]",
        "Where is Paris?",
        "",
        "[[ ## context ## ]]",
        "[1] «Paris is in France.»",
        "[2] «Lyon is «big».»",
      ),
    );
  });

  it("words the final turn for a single output field", () => {
    const { messages } = render({
      signature: { inputs: [{ name: "q", type: { kind: "string" }, typed: false }], outputs: [{ name: "a", type: { kind: "string" }, typed: false }] },
      instruction: "",
      demos: [],
      inputs: { q: "hi" },
    });
    expect(messages).toHaveLength(2);
    expect(messages[0]!.content.endsWith("Objective:\nGiven the fields `q`, produce the fields `a`.")).toBe(true);
    expect(messages[1]!.content).toBe(
      "[[ ## q ## ]]\nhi\n\nRespond with the corresponding output field, starting with the field `[[ ## a ## ]]`, " +
        "and then ending with the marker for `[[ ## completed ## ]]`.",
    );
  });

  it("is deterministic whatever order object keys were built in", () => {
    const sig = mixedSignature();
    const a = render({ signature: sig, instruction: "x", demos: [], inputs: { question: { b: 1, a: 2 } } });
    const b = render({ signature: sig, instruction: "x", demos: [], inputs: { question: { a: 2, b: 1 } } });
    expect(a).toEqual(b);
    expect(a.messages[1]!.content).toContain('{"a":2,"b":1}');
  });
});

import { describe, expect, it } from "vitest";
import { answer, answerOf } from "./helpers.js";

const QA = "question, passages: list[string] -> answer";
const passages = [
  "The Louvre is the most visited museum in the world. It is in Paris.",
  "The Eiffel Tower was completed in 1889 for the World's Fair. Gustave Eiffel's company designed the tower.",
  "The Eiffel Tower is 330 metres tall. It was the tallest structure until 1930.",
];

describe("sim free text", () => {
  it("extracts the passage sentence that answers the question", () => {
    expect(answerOf("answer", { signature: QA, inputs: { question: "When was the Eiffel Tower completed?", passages } })).toBe(
      "The Eiffel Tower was completed in 1889 for the World's Fair.",
    );
    expect(answerOf("answer", { signature: QA, inputs: { question: "Which museum is the most visited?", passages } })).toBe(
      "The Louvre is the most visited museum in the world.",
    );
  });

  it("uses the instruction as the query when there is one input field", () => {
    const sig = "text -> answer";
    const text = "Our office opens at nine. Parking is free on weekends. The cafeteria serves lunch until two.";
    expect(answerOf("answer", { signature: sig, inputs: { text } })).toBe("Our office opens at nine.");
    expect(answerOf("answer", { signature: sig, inputs: { text }, instruction: "Say where lunch is served." })).toBe(
      "The cafeteria serves lunch until two.",
    );
  });

  it("cuts the answer to a length instruction, keeping the words the question lacks", () => {
    const inputs = { question: "When was the Eiffel Tower completed?", passages };
    expect(answerOf("answer", { signature: QA, inputs, instruction: "Answer in at most 1 word." })).toBe("1889");
    const who = { question: "Whose company designed the tower?", passages };
    expect(answerOf("answer", { signature: QA, inputs: who, instruction: "Answer in at most 2 words, quoting the passage." })).toBe(
      "Gustave Eiffel",
    );
    // Ties in fresh words go to the tighter window: not "Gustave Eiffel's company".
    expect(answerOf("answer", { signature: QA, inputs: who, instruction: "Reply in 3 words or fewer." })).toBe("Gustave Eiffel");
    // Without a limit, the whole sentence.
    expect(answerOf("answer", { signature: QA, inputs: who })).toBe("Gustave Eiffel's company designed the tower.");
  });

  it("imitates the length of demo answers when the instruction sets none", () => {
    const demos = [
      { question: "Who wrote Hamlet?", passages: ["Hamlet is a tragedy written by William Shakespeare around 1600."], answer: "William Shakespeare" },
      { question: "What is the capital of Italy?", passages: ["Rome is the capital city of Italy."], answer: "Rome" },
    ];
    const inputs = { question: "Whose company designed the tower?", passages };
    expect(answerOf("answer", { signature: QA, inputs })).toBe("Gustave Eiffel's company designed the tower.");
    // Demo answers of 2 and 1 words: the upper median, 2.
    expect(answerOf("answer", { signature: QA, inputs, demos })).toBe("Gustave Eiffel");
    // The instruction wins over the demos.
    expect(answerOf("answer", { signature: QA, inputs, demos, instruction: "Use at most 1 word." })).toBe("Eiffel");
  });

  it("copies the answer of a near-identical demo", () => {
    const demos = [{ question: "When was the Eiffel Tower completed?", passages, answer: "in 1889" }];
    expect(answerOf("answer", { signature: QA, inputs: { question: "When was the Eiffel Tower completed?", passages }, demos })).toBe(
      "in 1889",
    );
  });

  it("answers numbers with the last number of the best sentence", () => {
    const inputs = { question: "How many metres tall is the Eiffel Tower?", passages };
    expect(answerOf("height", { signature: "question, passages: list[string] -> height: number", inputs })).toBe(330);
    const sig = "question, context -> total: integer";
    expect(answerOf("total", { signature: sig, inputs: { question: "What did the order cost?", context: "The weather was fine. The order cost 1,249.60 dollars." } })).toBe(1250);
    expect(answerOf("total", { signature: sig, inputs: { question: "What did it cost?", context: "Nobody knows." } })).toBe(0);
  });

  it("splits list[string] answers on commas and 'and'", () => {
    const sig = "question, context -> colors: list[string]";
    const context = "The sky was grey all day. The flag has red, white and blue stripes.";
    expect(answerOf("colors", { signature: sig, inputs: { question: "What stripes does the flag have?", context } })).toEqual([
      "The flag has red",
      "white",
      "blue stripes",
    ]);
    expect(
      answerOf("colors", { signature: sig, inputs: { question: "What stripes does the flag have?", context }, instruction: "Answer in at most 4 words." }),
    ).toEqual(["red", "white", "blue"]);
  });

  it("answers json with a near-identical demo's value, else {}", () => {
    const sig = "message -> data: json";
    expect(answerOf("data", { signature: sig, inputs: { message: "order 42 is late" } })).toEqual({});
    const demos = [{ message: "order 42 is late", data: { order: 42 } }];
    expect(answerOf("data", { signature: sig, inputs: { message: "Order 42 is late" }, demos })).toEqual({ order: 42 });
  });

  it("mentions the sentence it used in reasoning", () => {
    const out = answer({ signature: "question, passages: list[string] -> reasoning, answer", inputs: { question: "When was the Eiffel Tower completed?", passages } });
    expect(out.reasoning).toContain("completed in 1889");
  });
});

describe("sim free text over structured passages", () => {
  it("reads the text of object passages, not their JSON", () => {
    const docs = [
      { title: "Louvre", text: "The Louvre is in Paris." },
      { title: "Tower", text: "The Eiffel Tower was completed in 1889." },
    ];
    expect(answerOf("answer", { signature: "question, passages: list[json] -> answer", inputs: { question: "When was the Eiffel Tower completed?", passages: docs } })).toBe(
      "The Eiffel Tower was completed in 1889.",
    );
  });
});

describe("answer windows", () => {
  it("prefers answer-like tokens and numbers when the question asks for a quantity or a time", () => {
    const passages = ["Snoozed tasks come back at 8:00 AM local time on the snooze date."];
    const inputs = { question: "What time of day do snoozed items reappear?", passages };
    expect(answerOf("answer", { signature: QA, inputs, instruction: "Answer in at most 2 words." })).toBe("8:00 AM");
    const range = ["Admins can change this in Admin console > Security > Session timeout to any value between 1 hour and 90 days."];
    const asked = { question: "What range can admins set the session timeout to?", passages: range };
    expect(answerOf("answer", { signature: QA, inputs: asked, instruction: "Answer in at most 5 words." })).toBe("1 hour and 90 days");
  });

  it("prefers codes and names over plain words", () => {
    const passages = ["When sync stalls the desktop app shows error BP-204 and retries quietly every minute."];
    const inputs = { question: "Which error does the desktop app show when sync stalls?", passages };
    expect(answerOf("answer", { signature: QA, inputs, instruction: "Answer in at most 1 word." })).toBe("BP-204");
  });
});

import { describe, expect, it } from "vitest";
import { wordDiff } from "../../ui/src/word-diff.js";

const side = (parts: ReturnType<typeof wordDiff>, keep: "add" | "del") =>
  parts
    .filter((p) => p.kind === "same" || p.kind === keep)
    .map((p) => p.text)
    .join("");

describe("wordDiff", () => {
  it("marks whole words added and removed, and keeps both texts", () => {
    const before = "Route the message to the team.";
    const after = "Route the customer message to the right team quickly.";
    const parts = wordDiff(before, after);
    expect(side(parts, "del")).toBe(before);
    expect(side(parts, "add")).toBe(after);
    expect(parts.filter((p) => p.kind === "add").map((p) => p.text.trim())).toEqual(["customer", "right team quickly."]);
    expect(parts.filter((p) => p.kind === "del").map((p) => p.text.trim())).toEqual(["team."]);
  });

  it("puts a replaced word's removal before its addition", () => {
    expect(wordDiff("judge urgency (3).", "judge urgency (8).")).toEqual([
      { kind: "same", text: "judge urgency " },
      { kind: "del", text: "(3)." },
      { kind: "add", text: "(8)." },
    ]);
  });

  it("handles equal, empty and whitespace-only changes", () => {
    expect(wordDiff("a b", "a b")).toEqual([{ kind: "same", text: "a b" }]);
    expect(wordDiff("", "new text")).toEqual([{ kind: "add", text: "new text" }]);
    expect(wordDiff("old", "")).toEqual([{ kind: "del", text: "old" }]);
    const parts = wordDiff("a  b", "a b");
    expect(side(parts, "del")).toBe("a  b");
    expect(side(parts, "add")).toBe("a b");
  });

  it("falls back to replacing the middle whole when the texts are too long to align", () => {
    const before = ["start", ...Array.from({ length: 3000 }, (_, i) => `x${i}`), "end"].join(" ");
    const after = ["start", ...Array.from({ length: 3000 }, (_, i) => `y${i}`), "end"].join(" ");
    const parts = wordDiff(before, after);
    expect(parts.map((p) => p.kind)).toEqual(["same", "del", "add", "same"]);
    expect(side(parts, "del")).toBe(before);
    expect(side(parts, "add")).toBe(after);
  });
});

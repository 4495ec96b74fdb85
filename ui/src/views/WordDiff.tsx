import { useMemo } from "preact/hooks";
import { wordDiff } from "../word-diff.js";

/** `after` with the words added since `before` marked, and those removed struck through. */
export function WordDiff({ before, after }: { before: string; after: string }) {
  const parts = useMemo(() => wordDiff(before, after), [before, after]);
  const changed = parts.some((p) => p.kind !== "same");
  return (
    <div class="diff" data-testid="diff" data-changed={changed ? "yes" : "no"}>
      {parts.map((p, i) =>
        p.kind === "same" ? (
          <span key={i}>{p.text}</span>
        ) : p.kind === "add" ? (
          <ins key={i}>{p.text}</ins>
        ) : (
          <del key={i}>{p.text}</del>
        ),
      )}
    </div>
  );
}

import { describe, expect, it } from "vitest";
import { layeredLayout } from "../../ui/src/layout.js";

describe("layeredLayout", () => {
  it("puts each candidate one generation right of its deepest parent", () => {
    const layout = layeredLayout([
      { id: "base", parents: [] },
      { id: "r1", parents: ["base"] },
      { id: "r2", parents: ["base"] },
      { id: "r3", parents: ["r1"] },
      { id: "merge", parents: ["r3", "r2"] },
    ]);
    const layer = (id: string) => layout.byId.get(id)!.layer;
    expect([layer("base"), layer("r1"), layer("r2"), layer("r3"), layer("merge")]).toEqual([0, 1, 1, 2, 3]);
    expect(layout.edges).toHaveLength(5);
    // Distinct positions for every node, and all inside the drawing.
    const spots = new Set(layout.nodes.map((n) => `${n.x},${n.y}`));
    expect(spots.size).toBe(5);
    for (const n of layout.nodes) {
      expect(n.x).toBeLessThanOrEqual(layout.width);
      expect(n.y).toBeLessThanOrEqual(layout.height);
    }
  });

  it("orders a layer by its parents' rows, ignores unknown parents and survives a cycle", () => {
    const layout = layeredLayout([
      { id: "a", parents: [] },
      { id: "b", parents: [] },
      { id: "child-of-b", parents: ["b", "not-in-run"] },
      { id: "child-of-a", parents: ["a"] },
      { id: "x", parents: ["y"] },
      { id: "y", parents: ["x"] },
    ]);
    expect(layout.byId.get("child-of-a")!.row).toBeLessThan(layout.byId.get("child-of-b")!.row);
    expect(layout.edges.some((e) => e.from === "not-in-run")).toBe(false);
    expect(layout.nodes).toHaveLength(6);
  });
});

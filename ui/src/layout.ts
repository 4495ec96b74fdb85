export interface GraphInput {
  id: string;
  parents: string[];
}
export interface PlacedNode {
  id: string;
  /** Generation: 0 for a node without known parents, else one more than its deepest parent. */
  layer: number;
  /** Position within its layer, from the top. */
  row: number;
  x: number;
  y: number;
}
export interface Layout {
  nodes: PlacedNode[];
  byId: Map<string, PlacedNode>;
  edges: { from: string; to: string }[];
  width: number;
  height: number;
}

export interface LayoutOptions {
  layerGap: number;
  rowGap: number;
  margin: number;
}

/**
 * A layered layout, left to right by generation: nodes sorted within a layer by the mean row of
 * their parents (one barycentre pass in input order), so children sit near their parents. Parents
 * that are not in the input are ignored; a cycle (which lineage never has) is broken where found.
 */
export function layeredLayout(input: GraphInput[], options: LayoutOptions = { layerGap: 90, rowGap: 40, margin: 24 }): Layout {
  const ids = new Set(input.map((n) => n.id));
  const byInput = new Map(input.map((n) => [n.id, n]));
  const layerOf = new Map<string, number>();
  const visiting = new Set<string>();
  const layer = (id: string): number => {
    const known = layerOf.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0;
    visiting.add(id);
    const parents = (byInput.get(id)?.parents ?? []).filter((p) => ids.has(p) && p !== id);
    const l = parents.length === 0 ? 0 : 1 + Math.max(...parents.map(layer));
    visiting.delete(id);
    layerOf.set(id, l);
    return l;
  };
  const layers: string[][] = [];
  for (const n of input) (layers[layer(n.id)] ??= []).push(n.id);
  const rowOf = new Map<string, number>();
  for (const members of layers) {
    if (!members) continue;
    const keyed = members.map((id, k) => {
      const rows = (byInput.get(id)?.parents ?? []).map((p) => rowOf.get(p)).filter((r): r is number => r !== undefined);
      return { id, key: rows.length === 0 ? k : rows.reduce((s, r) => s + r, 0) / rows.length, k };
    });
    keyed.sort((x, y) => x.key - y.key || x.k - y.k);
    keyed.forEach((e, row) => rowOf.set(e.id, row));
  }
  const { layerGap, rowGap, margin } = options;
  const nodes: PlacedNode[] = input.map((n) => {
    const l = layerOf.get(n.id) ?? 0;
    const row = rowOf.get(n.id) ?? 0;
    return { id: n.id, layer: l, row, x: margin + l * layerGap, y: margin + row * rowGap };
  });
  const edges = input.flatMap((n) => n.parents.filter((p) => ids.has(p) && p !== n.id).map((p) => ({ from: p, to: n.id })));
  const maxRows = Math.max(1, ...layers.map((m) => m?.length ?? 0));
  return {
    nodes,
    byId: new Map(nodes.map((n) => [n.id, n])),
    edges,
    width: 2 * margin + Math.max(0, layers.length - 1) * layerGap,
    height: 2 * margin + (maxRows - 1) * rowGap,
  };
}

import { isAlias, isCollection, isPair, type Document, type Node } from "yaml";

/**
 * How far aliases may expand, in the yaml package's own measure (uses of an anchor × the aliases
 * inside it, nested): enough for any program that shares a few demos, far below a "billion laughs".
 */
export const MAX_ALIAS_COUNT = 1000;

/** A problem with an alias, at its offset in the file's text. */
export interface AliasProblem {
  offset: number;
  message: string;
}

/**
 * Aliases that name no anchor set before them, and the first alias past which the document would
 * expand too far — both found before the document is turned into values (which would throw without
 * saying where). Walks the document in the order the yaml package resolves it and counts as it does,
 * so the alias reported is the one at which `toJS({ maxAliasCount })` gives up.
 */
export function aliasProblems(doc: Document.Parsed, max = MAX_ALIAS_COUNT): AliasProblem[] {
  const anchors = new Map<Node, { count: number; aliasCount: number }>();
  const problems: AliasProblem[] = [];
  let exploded = false;
  // Aliases inside `node` weighted by how often their anchors were used so far (the yaml package's getAliasCount).
  const aliasCount = (node: unknown): number => {
    if (isAlias(node)) {
      const source = node.resolve(doc);
      const used = source && anchors.get(source);
      return used ? used.count * used.aliasCount : 0;
    }
    if (isPair(node)) return Math.max(aliasCount(node.key), aliasCount(node.value));
    if (isCollection(node)) return node.items.reduce((m: number, item) => Math.max(m, aliasCount(item)), 0);
    return 1;
  };
  const walk = (node: unknown): void => {
    if (exploded) return;
    if (isAlias(node)) {
      const offset = node.range?.[0] ?? 0;
      const source = node.resolve(doc);
      if (!source) {
        problems.push({ offset, message: `the alias *${node.source} names no anchor: set \`&${node.source}\` on a value before it is used` });
        return;
      }
      const used = anchors.get(source) ?? { count: 0, aliasCount: 0 };
      anchors.set(source, used);
      used.count++;
      if (used.aliasCount === 0) used.aliasCount = aliasCount(source);
      if (used.count * used.aliasCount > max) {
        exploded = true;
        problems.push({
          offset,
          message: `aliases nest too deeply here: expanding them would copy aliased values more than ${max} times (a "billion laughs" document); write the values out or nest fewer aliases`,
        });
      }
      return;
    }
    if (isPair(node)) {
      walk(node.key);
      walk(node.value);
    } else if (isCollection(node)) for (const item of node.items) walk(item);
  };
  walk(doc.contents);
  return problems;
}

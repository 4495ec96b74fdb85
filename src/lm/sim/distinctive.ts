import { contentWords } from "../../util/text.js";
import type { Noise } from "./noise.js";
import { stem } from "./terms.js";

/**
 * The words that best tell one label's inputs from the others': frequent among the positives,
 * rare among the negatives. Score = share of positives containing the word − share of negatives
 * containing it; only words with a positive score qualify. Ties prefer words found in more
 * positives, then the word seen first. Sampling perturbs the scores, so repeated proposals pick
 * different words among near-equals. Returned in the surface form most used by the positives.
 */
export function distinctiveWords(
  positives: readonly string[],
  negatives: readonly string[],
  exclude: ReadonlySet<string>,
  max: number,
  noise: Noise,
): string[] {
  if (max <= 0 || positives.length === 0) return [];
  interface Stat {
    stem: string;
    pos: number;
    neg: number;
    order: number;
    surfaces: Map<string, number>;
  }
  const stats = new Map<string, Stat>();
  for (const text of positives) {
    const seen = new Set<string>();
    for (const word of contentWords(text)) {
      const s = stem(word);
      if (exclude.has(s) || /^[\d.,:/-]+$/.test(word) || word.length < 2) continue;
      let stat = stats.get(s);
      if (!stat) {
        stat = { stem: s, pos: 0, neg: 0, order: stats.size, surfaces: new Map() };
        stats.set(s, stat);
      }
      stat.surfaces.set(word, (stat.surfaces.get(word) ?? 0) + 1);
      if (!seen.has(s)) stat.pos++;
      seen.add(s);
    }
  }
  for (const text of negatives) {
    for (const s of new Set(contentWords(text).map(stem))) {
      const stat = stats.get(s);
      if (stat) stat.neg++;
    }
  }
  const ranked = [...stats.values()]
    .map((stat) => {
      const score = stat.pos / positives.length - (negatives.length > 0 ? stat.neg / negatives.length : 0);
      return { stat, score, key: score > 0 ? noise.scale(score) : score };
    })
    .filter((r) => r.score > 0)
    .sort((a, b) => b.key - a.key || b.stat.pos - a.stat.pos || a.stat.order - b.stat.order);
  return ranked.slice(0, max).map((r) => commonest(r.stat.surfaces));
}

function commonest(surfaces: Map<string, number>): string {
  let best = "";
  let count = 0;
  for (const [word, n] of surfaces) {
    if (n > count) {
      best = word;
      count = n;
    }
  }
  return best;
}

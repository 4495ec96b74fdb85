/** tf-idf over the handful of documents in one request, and cosine similarity between them. */

export type TermVector = Map<string, number>;

/**
 * Smoothed idf, ln((N + 1) / (df + 1)) + 1: a word shared by every document still counts a
 * little, so two documents that share only common words are not judged unrelated.
 */
export function idfTable(docs: readonly (readonly string[])[]): (term: string) => number {
  const df = new Map<string, number>();
  for (const doc of docs) for (const t of new Set(doc)) df.set(t, (df.get(t) ?? 0) + 1);
  const n = docs.length;
  return (term) => Math.log((n + 1) / ((df.get(term) ?? 0) + 1)) + 1;
}

export function tfidf(doc: readonly string[], idf: (term: string) => number): TermVector {
  const v: TermVector = new Map();
  for (const t of doc) v.set(t, (v.get(t) ?? 0) + 1);
  for (const [t, tf] of v) v.set(t, tf * idf(t));
  return v;
}

export function cosine(a: TermVector, b: TermVector): number {
  let dot = 0;
  for (const [t, w] of a) dot += w * (b.get(t) ?? 0);
  if (dot === 0) return 0;
  return dot / (norm(a) * norm(b));
}

function norm(v: TermVector): number {
  let s = 0;
  for (const w of v.values()) s += w * w;
  return Math.sqrt(s);
}

/** Cosine of the query against each document, with idf taken over the documents plus the query. */
export function similarities(query: readonly string[], docs: readonly (readonly string[])[]): number[] {
  const idf = idfTable([...docs, query]);
  const q = tfidf(query, idf);
  return docs.map((d) => cosine(q, tfidf(d, idf)));
}

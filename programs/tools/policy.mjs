// The shop's policies as a lookup: which section a question is about, and its rule for a product
// category. Shared by the MCP server (policy-server.mjs) and the dataset's consistency test.
import { readFileSync } from "node:fs";

const data = JSON.parse(readFileSync(new URL("./policies.json", import.meta.url), "utf8"));

export const CATEGORIES = data.categories;

/** The first five letters of each word of three letters or more: "returning" and "returns" meet at "retur". */
function keys(text) {
  return new Set((text.toLowerCase().match(/[a-z]+/g) ?? []).filter((w) => w.length >= 3).map((w) => w.slice(0, 5)));
}

const sections = data.sections.map((s) => ({ ...s, keys: keys(`${s.policy} ${s.keywords}`) }));

/** The policy section that best matches `topic` (most shared words; the first on ties), with the category's own rule. */
export function findPolicy(topic, category) {
  const asked = keys(topic);
  let best;
  let bestHits = 0;
  for (const s of sections) {
    let hits = 0;
    for (const k of asked) if (s.keys.has(k)) hits++;
    if (hits > bestHits) {
      best = s;
      bestHits = hits;
    }
  }
  if (!best) {
    return { policy: "none", rule: `No policy matches that topic; the policies cover ${sections.map((s) => s.policy).join(", ")}.` };
  }
  const out = {};
  if (category && best.by_category?.[category]) out.category_rule = best.by_category[category];
  out.rule = best.rule;
  out.details = best.details;
  out.policy = best.policy;
  return out;
}

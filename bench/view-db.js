// Builds the viewer's benchmark database: 50 runs, one of them a GEPA run with 200 candidates each
// scored on 1,000 dev examples (200,000 evaluations with realistic traces), written with the store's
// own writers. `node bench/view-db.js <file>` builds it (after `npm run build`); bench/view.js and the
// UI's first-render measurement use `buildViewBenchDb`.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Store } from "../dist/store/store.js";
import { Rng } from "../dist/util/rng.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SOURCE = readFileSync(path.join(ROOT, "programs/support-triage.yaml"), "utf8");
const TEAMS = ["billing", "technical", "account", "shipping", "returns", "security", "other"];
const URGENCIES = ["low", "normal", "high"];
const WORDS = "my package never arrived and the tracking page says delivered but nothing is at the door i was charged twice for the same order please refund the second charge the camera keeps going offline every night".split(" ");
const LM = { override: "sim", cache: true, env: {} };
const DATA = { train: { file: "/bench/train.jsonl", sha256: "0".repeat(64) }, dev: { file: "/bench/dev.jsonl", sha256: "1".repeat(64) } };

/** The id of the big run, and of the example the bench opens. */
export const BIG_RUN = "bigrun0000000000";

function message(rng, n) {
  const words = [];
  for (let i = 0; i < n; i++) words.push(WORDS[rng.int(WORDS.length)]);
  return words.join(" ");
}

/** An evaluation as dspx records one for chain_of_thought on support-triage: inputs, reasoning, the call and its completion. */
function evaluation(rng, text, score) {
  const team = TEAMS[rng.int(TEAMS.length)];
  const urgency = URGENCIES[rng.int(URGENCIES.length)];
  const reasoning = `Evidence — team: cue words ${message(rng, 3)} point to ${team}, so ${team}; urgency: no evidence, so ${urgency}.`;
  const completion = `[[ ## reasoning ## ]]\n${reasoning}\n\n[[ ## team ## ]]\n${team}\n\n[[ ## urgency ## ]]\n${urgency}\n\n[[ ## completed ## ]]`;
  const usage = { promptTokens: 300 + rng.int(200), completionTokens: 40 + rng.int(30), cachedTokens: 0 };
  const call = { model: "sim", adapter: "chat", purpose: "predict", usage, costUsd: 0, cached: false, latencyMs: rng.next() * 20, text: completion };
  return {
    score,
    feedback: score === 1 ? "team: correct\nurgency: correct" : `team: expected ${TEAMS[0]}, got ${team}`,
    outputs: { team, urgency },
    trace: [{ step: "route", module: "chain_of_thought", inputs: { message: text }, outputs: { reasoning, team, urgency }, calls: [call], latencyMs: rng.next() * 30 }],
    usage,
    costUsd: 0,
    nominalCostUsd: 0,
    calls: 1,
    cachedCalls: 0,
    latencyMs: rng.next() * 30,
  };
}

/** One run: `candidates` candidates (a lineage: each from an earlier one), each scored on `examples` examples of dev. */
async function writeRun(store, rng, { id, kind, candidates, examples, startedAt }) {
  const config =
    kind === "eval"
      ? { dataset: "dev", model: "sim", lm: LM, concurrency: 8 }
      : { optimizer: "gepa", stages: [{ optimizer: "gepa", settings: {} }], seed: 0, concurrency: 8, limits: { calls: 1_000_000 }, devset: "dev", data: DATA, lm: LM };
  store.runs.create({ id, kind, programName: "support-triage", programFile: "/bench/support-triage.yaml", programHash: "h", programSource: SOURCE, config, startedAt });
  const texts = Array.from({ length: examples }, () => message(rng, 12 + rng.int(30)));
  const quality = Array.from({ length: examples }, () => rng.next());
  const hashes = [];
  let best = { hash: "", score: -1 };
  for (let c = 0; c < candidates; c++) {
    const hash = `${id}-c${String(c).padStart(4, "0")}`.padEnd(64, "0");
    const parent = c === 0 ? [] : [hashes[rng.int(hashes.length)]];
    const instruction = `Route the message to the team that should handle it and judge its urgency.\n- ${TEAMS[c % TEAMS.length]}: ${message(rng, 6)}`;
    store.runs.addCandidate(id, { hash, state: { steps: { route: { instruction, demos: [] } } }, parents: parent, origin: c === 0 ? "program" : "reflection" });
    hashes.push(hash);
    const skill = Math.min(0.9, 0.3 + c / (candidates * 2) + rng.next() * 0.1);
    let sum = 0;
    for (let i = 0; i < examples; i++) {
      const score = quality[i] < skill ? 1 : rng.next() < 0.3 ? 0.5 : 0;
      sum += score;
      const exampleId = `ex-${String(i).padStart(5, "0")}`;
      const evalId = store.evaluations.add(`${hash}:${exampleId}`, hash, exampleId, evaluation(rng, texts[i], score));
      store.evaluations.link({ runId: id, candidate: hash, dataset: "dev", exampleId, idx: i, evalId, memoized: false });
      const wait = store.evaluations.room();
      if (wait) await wait;
    }
    if (kind === "optimize" && c > 0) {
      store.runs.addEvent(id, "proposal", { child: hash, parent: parent[0], step: "route", summary: `iteration ${c}: new instruction for route`, instruction });
      store.runs.addEvent(id, "accepted", { child: hash, summary: `iteration ${c}: ${hash.slice(0, 10)} dev ${(sum / examples).toFixed(3)}`, dev: sum / examples });
    }
    if (sum / examples > best.score) best = { hash, score: sum / examples };
  }
  store.runs.update(id, { status: "done", finished: true, bestCandidate: best.hash, bestScore: best.score, totals: { examples: candidates * examples, calls: candidates * examples, costUsd: 0, rollouts: candidates * examples } });
}

/**
 * Writes the benchmark database to `file` (which must not exist): run `bigrun…` (GEPA, 200 candidates
 * × 1,000 dev examples), 19 more optimize runs (10 candidates × 100) and 30 eval runs (200 examples).
 */
export async function buildViewBenchDb(file, { candidates = 200, examples = 1000 } = {}) {
  const store = Store.open(file);
  const rng = new Rng(7);
  const t0 = Date.UTC(2026, 0, 1);
  try {
    for (let r = 0; r < 30; r++) await writeRun(store, rng, { id: `evalrun${String(r).padStart(4, "0")}`, kind: "eval", candidates: 1, examples: 200, startedAt: t0 + r * 60_000 });
    for (let r = 0; r < 19; r++) await writeRun(store, rng, { id: `optrun${String(r).padStart(4, "0")}`, kind: "optimize", candidates: 10, examples: 100, startedAt: t0 + (30 + r) * 60_000 });
    await writeRun(store, rng, { id: BIG_RUN, kind: "optimize", candidates, examples, startedAt: t0 + 50 * 60_000 });
    await store.flush();
  } finally {
    await store.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    console.error("usage: node bench/view-db.js <file.db>");
    process.exitCode = 2;
  } else {
    await buildViewBenchDb(path.resolve(file));
    console.log(`wrote ${file}`);
  }
}

import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type {
  CandidateSummary,
  CandidatesResponse,
  ExampleResponse,
  ExampleRow,
  ExamplesResponse,
  RunResponse,
  RunSummary,
  RunsResponse,
} from "../../../src/view/api-types.js";
import { ROOT } from "../../support/cli.js";

/** A tiny static fixture of the viewer's API (api-types.ts shapes), for testing the UI on its own. */
export interface FixtureApi {
  url: string;
  /** Adds a candidate to the optimize run and changes its version, as a live run would. */
  grow(): void;
  /** Every request: its path and query, and the x-dspx-token header it carried. */
  requests: { path: string; token: string | undefined }[];
  close(): Promise<void>;
}

export const HOSTILE = `<script>window.__pwned=1</script><img src=x onerror=window.__pwned=1>`;

export function fixtureData() {
  const now = Date.UTC(2026, 0, 1);
  const candidates: CandidateSummary[] = [];
  const addCandidate = (i: number) => {
    const parents = i === 0 ? [] : i % 5 === 4 && i > 4 ? [candidates[i - 2]!.hash, candidates[i - 3]!.hash] : [candidates[Math.floor((i - 1) / 2)]!.hash];
    const score = Math.min(1, 0.4 + 0.05 * i - (i % 3 === 0 ? 0.08 : 0));
    candidates.push({
      hash: `c${String(i).padStart(3, "0")}deadbeef`,
      seq: i,
      origin: i === 0 ? "baseline" : parents.length > 1 ? "merge" : "reflection",
      parents,
      createdAt: now + i * 1000,
      scores: { dev: { dataset: "dev", mean: score, n: 20, errors: 0, ci95: [score - 0.1, score + 0.1] } },
      onFrontier: i % 4 === 1,
      stage: null,
      note: i === 0 ? null : `Reflection ${i}: be more specific about urgency.`,
      steps: [
        {
          step: "route",
          module: "chain_of_thought",
          instruction: `Route the message to the team that should handle it${i > 0 ? ` and weigh deadlines (${i})` : ""}. Judge its urgency.`,
          demos: i > 2 ? [{ fields: { message: "My card was charged twice", team: "billing", urgency: "high" }, origin: "bootstrap" }] : [],
        },
      ],
    });
  };
  for (let i = 0; i < 9; i++) addCandidate(i);
  const summary = (): RunSummary => ({
    id: "opt-1",
    name: null,
    kind: "optimize",
    status: "running",
    live: true,
    program: "support-triage",
    programFile: "programs/support-triage.yaml",
    split: "dev",
    optimizer: "gepa",
    model: "sim",
    bestScore: Math.max(...candidates.map((c) => c.scores.dev!.mean)),
    bestCandidate: [...candidates].sort((a, b) => b.scores.dev!.mean - a.scores.dev!.mean)[0]!.hash,
    calls: candidates.length * 20,
    cachedCalls: 3,
    costUsd: 0,
    startedAt: now,
    finishedAt: null,
    durationMs: 60_000,
    candidates: candidates.length,
  });
  const evalRun: RunSummary = { ...summary(), id: "eval-1", kind: "eval", status: "done", live: false, optimizer: null, candidates: 1, split: "test" };
  const run = (): RunResponse => {
    let best = -Infinity;
    return {
      apiVersion: 1,
      run: summary(),
      config: { optimizer: "gepa", budget: { calls: 500 } },
      plan: { candidates: "up to 20" },
      budget: { limit: { calls: 500, usd: null, rollouts: null }, used: { calls: candidates.length * 20, usd: 0, rollouts: candidates.length * 20 } },
      stages: [],
      baselineCandidate: candidates[0]!.hash,
      scores: candidates.map((c) => ({ candidate: c.hash, seq: c.seq, at: c.createdAt, score: c.scores.dev!.mean, best: (best = Math.max(best, c.scores.dev!.mean)) })),
      final: { baseline: [candidates[0]!.scores.dev!], best: [{ dataset: "test", mean: 0.8, n: 30, errors: 0, ci95: [0.7, 0.9] }] },
      events: candidates.map((c, i) => ({ seq: i, at: c.createdAt, type: "candidate", data: { hash: c.hash, note: HOSTILE } })),
      progress: { done: candidates.length * 20, total: 400 },
      version: `v${candidates.length}`,
      compare: null,
    };
  };
  const rows: ExampleRow[] = Array.from({ length: 30 }, (_, i) => ({
    exampleId: `ex-${i}`,
    index: i,
    preview: i === 3 ? HOSTILE : `message number ${i}`,
    a: { score: i % 3 === 0 ? 1 : 0, error: null },
    b: { score: i % 2 === 0 ? 1 : 0, error: i === 7 ? "parse failed" : null },
  }));
  const example = (id: string): ExampleResponse => ({
    apiVersion: 1,
    run: "opt-1",
    dataset: "dev",
    exampleId: id,
    inputs: { message: HOSTILE },
    gold: { team: "billing", urgency: "high" },
    goldStored: true,
    a: null,
    b: {
      candidate: candidates[candidates.length - 1]!.hash,
      prediction: { team: HOSTILE, urgency: "high" },
      score: 0.5,
      feedback: "team wrong",
      error: null,
      steps: [
        {
          step: "route",
          module: "chain_of_thought",
          inputs: { message: HOSTILE },
          outputs: { team: HOSTILE },
          error: null,
          latencyMs: 3,
          trajectory: null,
          calls: [
            {
              model: "sim",
              purpose: "step",
              messagesHash: "m1",
              messages: [
                { role: "system", content: "You route messages." },
                { role: "user", content: `message: ${HOSTILE}` },
              ],
              completion: `[[ ## team ## ]]\n${HOSTILE}`,
              parseError: null,
              cached: false,
              promptTokens: 40,
              completionTokens: 10,
              costUsd: 0,
              latencyMs: 3,
            },
          ],
        },
      ],
    },
  });
  return { candidates, addCandidate, summary, evalRun, run, rows, example };
}

export async function startFixtureApi(): Promise<FixtureApi> {
  const d = fixtureData();
  const requests: FixtureApi["requests"] = [];
  const dist = path.join(ROOT, "dist/ui");
  const json = (res: http.ServerResponse, body: unknown, status = 200) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const token = req.headers["x-dspx-token"];
    requests.push({ path: url.pathname + url.search, token: typeof token === "string" ? token : undefined });
    const p = url.pathname;
    if (p === "/" || p === "/index.html" || p === "/app.js" || p === "/app.css") {
      const file = p === "/" ? "index.html" : p.slice(1);
      const type = file.endsWith(".js") ? "text/javascript" : file.endsWith(".css") ? "text/css" : "text/html";
      res.writeHead(200, { "content-type": type });
      res.end(readFileSync(path.join(dist, file)));
      return;
    }
    if (p === "/api/runs") return json(res, { apiVersion: 1, runs: [d.summary(), d.evalRun] } satisfies RunsResponse);
    if (p === "/api/runs/opt-1") return json(res, d.run());
    if (p === "/api/runs/opt-1/candidates") return json(res, { apiVersion: 1, run: "opt-1", candidates: d.candidates } satisfies CandidatesResponse);
    if (p === "/api/runs/opt-1/examples") {
      const filter = (url.searchParams.get("filter") ?? "all") as ExamplesResponse["filter"];
      const rows = filter === "flips" ? d.rows.filter((r) => (r.a.score === 1) !== (r.b.score === 1)) : d.rows;
      const page = Number(url.searchParams.get("page") ?? 1);
      const body: ExamplesResponse = {
        apiVersion: 1,
        run: "opt-1",
        dataset: "dev",
        a: d.candidates[0]!.hash,
        b: d.candidates[d.candidates.length - 1]!.hash,
        filter,
        q: url.searchParams.get("q") ?? "",
        page,
        pageSize: 10,
        total: rows.length,
        rows: rows.slice((page - 1) * 10, page * 10),
        stats: { n: 30, meanA: 0.33, meanB: 0.5, meanDiff: 0.17, ci95: [-0.05, 0.38], wins: 10, losses: 5, ties: 15, signTestP: 0.3 },
      };
      return json(res, body);
    }
    const ex = /^\/api\/runs\/opt-1\/examples\/([^/]+)$/.exec(p);
    if (ex) return json(res, d.example(decodeURIComponent(ex[1]!)));
    json(res, { apiVersion: 1, error: { status: 404, message: `no route ${p}` } }, 404);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    grow: () => d.addCandidate(d.candidates.length),
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

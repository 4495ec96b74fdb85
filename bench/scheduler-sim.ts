// The scheduler against the simulated provider on a fake clock: figures that would take too long
// in real time (ten minutes of 2–5 s answers) or that need the same run without the 429. Run by
// bench/providers.js as `node --import tsx bench/scheduler-sim.ts limits|recovery`; prints one JSON
// array of rows.
import { FakeClock } from "../test/support/fake-clock.js";
import { Scheduler } from "../src/lm/scheduler/scheduler.js";
import { evaluation, ownRetryAfterOnly, steadyLoad } from "../test/support/scheduler-load.js";
import { SimulatedProvider, type HeaderStamp, type Refusals, type Span } from "../test/support/simulated-provider.js";

const LIMIT_RPM = 600;
const MINUTES = 10;

async function limit(stamp: HeaderStamp, latencyMs: Span, rpm: number | undefined, concurrency: number) {
  const clock = new FakeClock(0);
  const provider = new SimulatedProvider({ clock, seed: 11, rpm: LIMIT_RPM, headers: stamp, latencyMs, uplinkMs: { min: 0, max: 20 } });
  const scheduler = new Scheduler({ name: "sim", concurrency, clock, seed: 11, ...(rpm !== undefined ? { rpm } : {}) });
  const end = MINUTES * 60_000;
  const { stats, failed } = await steadyLoad(clock, scheduler, (signal) => provider.call(signal), { callers: concurrency, durationMs: end });
  return { ofLimit: provider.fractionOfLimit(0, end), rateLimited: stats.rateLimited, requests: stats.requests, failed };
}

async function finish(
  calls: number,
  refusals: Refusals | undefined,
  extra: { rpm?: number; headers?: HeaderStamp; latencyMs?: Span; rejectMs?: Span } = {},
  concurrency = 16,
) {
  const clock = new FakeClock(0);
  const provider = new SimulatedProvider({ clock, seed: 1, latencyMs: { min: 20, max: 80 }, ...extra, ...(refusals ? { refusals } : {}) });
  const scheduler = new Scheduler({ name: "sim", concurrency, clock, seed: 1 });
  const r = await evaluation(clock, scheduler, (signal) => provider.call(signal), { calls });
  return { seconds: r.finishedAt / 1000, rateLimited: r.stats.rateLimited, failed: r.failed };
}

/** The same calls by a client that only waits each refused request's own retry-after (no pause, no pacing). */
async function reference(
  calls: number,
  refusals: Refusals,
  extra: { rpm?: number; headers?: HeaderStamp; latencyMs?: Span } = {},
  concurrency = 16,
) {
  const clock = new FakeClock(0);
  const provider = new SimulatedProvider({ clock, seed: 1, latencyMs: { min: 20, max: 80 }, ...extra, refusals });
  const finishedAt = await ownRetryAfterOnly(clock, (signal) => provider.call(signal), { calls, concurrency });
  return { seconds: finishedAt / 1000, rateLimited: provider.rejected, failed: 0 };
}

const ownOnly = "  the same, a client that only waits each refused request's own retry-after";

const fast = { min: 20, max: 80 };
const slow = { min: 2000, max: 5000 };
const slowish = { min: 200, max: 800 };
const oneFirst = { first: { count: 1, retryAfterMs: 1000 } };
const storm = { storm: { periodMs: 5000, durationMs: 2000, retryAfterMs: 1000 } };
const share = { share: { share: 0.3, retryAfterMs: 1000 } };
const tenPercent = { share: { share: 0.1, retryAfterMs: 1000 } };

const parts = {
  limits: async () => [
    { label: "stamped at admission, 20-80 ms, nothing given", ...(await limit("admission", fast, undefined, 32)) },
    { label: "stamped at admission, 20-80 ms, --rpm 600", ...(await limit("admission", fast, 600, 32)) },
    { label: "stamped at admission, 2-5 s, nothing given", ...(await limit("admission", slow, undefined, 100)) },
    { label: "stamped at admission, 2-5 s, --rpm 600", ...(await limit("admission", slow, 600, 100)) },
    { label: "stamped at answer, 2-5 s, nothing given", ...(await limit("answer", slow, undefined, 100)) },
  ],
  recovery: async () => [
    { label: "200 calls, no 429", ...(await finish(200, undefined)) },
    { label: "200 calls, a 429 (retry-after 1 s) on the first", ...(await finish(200, oneFirst)) },
    { label: "70 calls in a 2-s-in-5 storm (16 in flight)", ...(await finish(70, storm)) },
    { label: "70 calls, no storm, 200-800 ms answers (429s too), 4 in flight", ...(await finish(70, undefined, { latencyMs: slowish, rejectMs: slowish }, 4)) },
    { label: "70 calls in a 2-s-in-5 storm, 200-800 ms answers (429s too), 4 in flight", ...(await finish(70, storm, { latencyMs: slowish, rejectMs: slowish }, 4)) },
    { label: "200 calls, 30% refused at random", ...(await finish(200, share)) },
    { label: ownOnly, ...(await reference(200, share)) },
    { label: "2,000 calls, 30% refused", ...(await finish(2000, share)) },
    { label: ownOnly, ...(await reference(2000, share)) },
    { label: "200 calls, 30% refused, 2-5 s answers, 64 in flight", ...(await finish(200, share, { latencyMs: slow }, 64)) },
    { label: ownOnly, ...(await reference(200, share, { latencyMs: slow }, 64)) },
    { label: "200 calls, 30% refused, 8 in flight", ...(await finish(200, share, {}, 8)) },
    { label: ownOnly, ...(await reference(200, share, {}, 8)) },
    { label: "200 calls, 10% refused", ...(await finish(200, tenPercent)) },
    { label: ownOnly, ...(await reference(200, tenPercent)) },
    { label: "200 calls, 30% refused, 6,000/min limit reported", ...(await finish(200, share, { rpm: 6000, headers: "admission" })) },
    { label: ownOnly, ...(await reference(200, share, { rpm: 6000, headers: "admission" })) },
  ],
};
const part = process.argv[2];
if (part !== "limits" && part !== "recovery") throw new Error("usage: scheduler-sim.ts limits|recovery");
process.stdout.write(`${JSON.stringify(await parts[part]())}\n`);

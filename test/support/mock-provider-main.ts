/**
 * The mock provider as a standalone process, for benchmarks:
 *
 *   node --import tsx test/support/mock-provider-main.ts --rpm 600 --burst 1 --headers --latency 20
 *
 * Prints one JSON line `{"url","openaiBaseUrl","anthropicBaseUrl"}` on stdout once listening,
 * serves until SIGTERM (or SIGINT), then prints `{"counts":{"total","ok","rateLimited","errors"},"cpuMs","admittedMs"}`
 * (cpuMs: the server process's CPU time, to check it was not the bottleneck; admittedMs: the time from
 * the second request it admitted to the last — the first may be a client's probe, waiting for its
 * answer before it sends more — or null with fewer than two) and exits 0. Requests are not recorded
 * (memory stays flat over long runs).
 *
 * Flags: --port N (default: random), --rpm N, --burst SECONDS, --tpm N, --headers,
 * --stamp answer|admission (when the headers are computed; default answer), --latency MS | MIN-MAX,
 * --require-key KEY, and 429s whatever the rate: --refuse-first N, --storm PERIOD_MS:DURATION_MS,
 * --refusal-retry-after MS (default 1000), --reject-tools ollama|llamacpp|vllm (refuse requests carrying
 * `tools` as that server does), --tool-calls JSON (a request offering tools and holding no tool result
 * is answered with these calls, `[{"name": …, "arguments": {…}}]`; see toolCallResponder) with
 * --tool-answer TEXT (the answer once a tool result is there; default "Done: <the result>").
 */
import { defaultResponder, startMockProvider, toolCallResponder, type MockProviderOptions, type MockResponder, type MockToolCall } from "./mock-provider.js";

/** What the flags ask the responder to be (the default answers unless --tool-calls). */
let respond: MockResponder = defaultResponder;
let toolCalls: MockToolCall[] | undefined;
let toolAnswer: string | undefined;

function parseToolCalls(text: string): MockToolCall[] {
  const value: unknown = JSON.parse(text);
  const ok = Array.isArray(value) && value.every((c) => c !== null && typeof c === "object" && typeof c.name === "string" && (typeof c.arguments === "string" || (typeof c.arguments === "object" && c.arguments !== null)));
  if (!ok) throw new Error('--tool-calls needs a JSON array of {"name": string, "arguments": object or string}');
  return value as MockToolCall[];
}

function parseArgs(argv: string[]): MockProviderOptions {
  const options: MockProviderOptions = { record: false };
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`${flag} needs a value`);
    return v;
  };
  const num = (i: number, flag: string): number => {
    const n = Number(value(i, flag));
    if (!Number.isFinite(n) || n < 0) throw new Error(`${flag} needs a non-negative number`);
    return n;
  };
  let rpm: number | undefined;
  let burst: number | undefined;
  let tpm: number | undefined;
  let headers = false;
  let stamp: "answer" | "admission" | undefined;
  const refusals: NonNullable<MockProviderOptions["refusals"]> = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    switch (flag) {
      case "--port":
        options.port = num(i++, flag);
        break;
      case "--rpm":
        rpm = num(i++, flag);
        break;
      case "--burst":
        burst = num(i++, flag);
        break;
      case "--tpm":
        tpm = num(i++, flag);
        break;
      case "--headers":
        headers = true;
        break;
      case "--latency": {
        const text = value(i++, flag);
        const range = /^(\d+)-(\d+)$/.exec(text);
        options.latencyMs = range ? { min: Number(range[1]), max: Number(range[2]) } : num(i - 1, flag);
        break;
      }
      case "--stamp": {
        const v = value(i++, flag);
        if (v !== "answer" && v !== "admission") throw new Error(`${flag} needs answer or admission`);
        stamp = v;
        break;
      }
      case "--refuse-first":
        refusals.first = num(i++, flag);
        break;
      case "--storm": {
        const m = /^(\d+):(\d+)$/.exec(value(i++, flag));
        if (!m || Number(m[1]) <= 0) throw new Error(`${flag} needs PERIOD_MS:DURATION_MS`);
        refusals.storm = { periodMs: Number(m[1]), durationMs: Number(m[2]) };
        break;
      }
      case "--refusal-retry-after":
        refusals.retryAfterMs = num(i++, flag);
        break;
      case "--reject-tools": {
        const v = value(i++, flag);
        if (v !== "ollama" && v !== "llamacpp" && v !== "vllm") throw new Error(`${flag} needs ollama, llamacpp or vllm`);
        options.rejectTools = v;
        break;
      }
      case "--tool-calls":
        toolCalls = parseToolCalls(value(i++, flag));
        break;
      case "--tool-answer":
        toolAnswer = value(i++, flag);
        break;
      case "--require-key":
        options.requireKey = value(i++, flag);
        break;
      default:
        throw new Error(`unknown flag ${flag}`);
    }
  }
  if (rpm !== undefined) {
    options.rateLimit = { rpm, headers };
    if (burst !== undefined) options.rateLimit.burstSeconds = burst;
    if (tpm !== undefined) options.rateLimit.tpm = tpm;
    if (stamp !== undefined) options.rateLimit.stamp = stamp;
  } else if (burst !== undefined || tpm !== undefined || headers || stamp !== undefined) {
    throw new Error("--burst, --tpm, --headers and --stamp need --rpm");
  }
  if (Object.keys(refusals).length > 0) options.refusals = refusals;
  if (toolAnswer !== undefined && toolCalls === undefined) throw new Error("--tool-answer needs --tool-calls");
  if (toolCalls) respond = toolCallResponder({ calls: toolCalls, ...(toolAnswer !== undefined ? { answer: toolAnswer } : {}) });
  return options;
}

async function main(): Promise<void> {
  let options: MockProviderOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`mock-provider: ${(err as Error).message}\n`);
    process.exit(2);
  }
  // The responder runs once a request is admitted (past the rate limit and the refusals).
  let admitted = 0;
  let secondAdmitted: number | undefined;
  let lastAdmitted: number | undefined;
  options.respond = (req) => {
    lastAdmitted = performance.now();
    if (++admitted === 2) secondAdmitted = lastAdmitted;
    return respond(req);
  };
  const mock = await startMockProvider(options);
  process.stdout.write(`${JSON.stringify({ url: mock.url, openaiBaseUrl: mock.openaiBaseUrl, anthropicBaseUrl: mock.anthropicBaseUrl })}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void mock.close().then(() => {
      const cpu = process.cpuUsage();
      const cpuMs = Math.round((cpu.user + cpu.system) / 1000);
      const admittedMs = secondAdmitted === undefined || lastAdmitted === undefined ? null : Math.round(lastAdmitted - secondAdmitted);
      process.stdout.write(`${JSON.stringify({ counts: mock.counts, cpuMs, admittedMs })}\n`, () => process.exit(0));
    });
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

void main();

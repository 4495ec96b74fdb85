import { loadGraph } from "../graph/load.js";
import { publicEndpoint } from "../lm/resolve.js";
import { BASE_URL_VARIABLES } from "../lm/settings.js";
import type { RunRecord } from "../store/runs-store.js";
import { UserError } from "../util/errors.js";
import type { RunConfig } from "./run-config.js";

/** What `dspx resume` may supply again: the run's base URL, whose credentials were not stored. */
export interface ResumeOptions {
  /** The full base URL (`dspx resume --base-url`); it must be the endpoint the run used. */
  baseUrl?: string;
  /** Where OPENAI_BASE_URL / ANTHROPIC_BASE_URL / OLLAMA_BASE_URL are read (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

/**
 * The base URL a resumed run calls. A URL stored as given is used as is; one whose credentials were
 * removed before storing must come again from where the user can give it — `--base-url` on resume,
 * OPENAI_BASE_URL / ANTHROPIC_BASE_URL / OLLAMA_BASE_URL, or a `base_url` in the program — and be
 * the same endpoint (the same URL without credentials), so the run goes on against what it started with.
 */
export async function resumeBaseUrl(run: RunRecord, config: RunConfig, options: ResumeOptions): Promise<string | undefined> {
  const stored = config.lm.baseUrl;
  const given = options.baseUrl;
  if (given !== undefined && stored !== undefined && publicEndpoint(given) !== publicEndpoint(stored)) {
    throw new UserError({
      flag: "--base-url",
      message: `run ${run.id} calls ${publicEndpoint(stored)}, not ${publicEndpoint(given)}: a resumed run keeps its endpoint (start a new run to use another)`,
    });
  }
  if (given !== undefined) return given;
  if (!stored || !config.lm.baseUrlRedacted) return stored;
  const env = options.env ?? process.env;
  const candidates = BASE_URL_VARIABLES.map((name) => env[name]);
  try {
    const graph = await loadGraph(run.programFile, run.programSource);
    candidates.push(graph.spec.lm?.baseUrl, ...graph.spec.steps.map((s) => s.lm?.baseUrl));
  } catch {
    // An unreadable program fails below, when the run loads it, with its own message.
  }
  const found = candidates.find((url): url is string => url !== undefined && url !== "" && publicEndpoint(url) === stored);
  if (found !== undefined) return found;
  throw new UserError({
    message:
      `run ${run.id} was started with the base URL ${stored} and credentials in it (user:password@ or a query such as ?api-key=), which are never stored; ` +
      `give the full URL again: \`dspx resume ${run.id} --base-url <url>\`, or set it in OPENAI_BASE_URL / ANTHROPIC_BASE_URL or the program's lm.base_url`,
  });
}

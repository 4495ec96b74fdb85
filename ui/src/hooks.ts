import { createContext } from "preact";
import { useContext, useEffect, useRef, useState } from "preact/hooks";
import type { CandidatesResponse, RunResponse } from "../../src/view/api-types.js";
import type { ApiSource } from "./source.js";
import type { Params } from "./query.js";
import { parseRoute, type Route } from "./route.js";

export const SourceContext = createContext<ApiSource | null>(null);

export function useSource(): ApiSource {
  const source = useContext(SourceContext);
  if (!source) throw new Error("no data source");
  return source;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
}

/** GETs `path` whenever it or its parameters change; a stale answer never overwrites a newer one. */
export function useData<T>(path: string | null, params?: Params): Loaded<T> {
  const source = useSource();
  const key = path === null ? null : path + JSON.stringify(params ?? {});
  const [state, setState] = useState<Loaded<T>>({ data: null, error: null, loading: path !== null });
  useEffect(() => {
    if (path === null) return;
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    source.get<T>(path, params).then(
      (data) => current && setState({ data, error: null, loading: false }),
      (e: unknown) => current && setState({ data: null, error: e instanceof Error ? e.message : String(e), loading: false }),
    );
    return () => {
      current = false;
    };
  }, [key, source]);
  return state;
}

export const POLL_MS = 1500;

export interface LiveRun {
  run: RunResponse | null;
  candidates: CandidatesResponse | null;
  error: string | null;
  /** How many times a changed version was fetched since the page opened. */
  updates: number;
}

/**
 * A run and its candidates; while the run's process is alive, the run is polled every 1.5 s and both
 * are fetched again when its `version` changes, so the page follows the run without a reload.
 */
export function useLiveRun(runId: string): LiveRun {
  const source = useSource();
  const [state, setState] = useState<LiveRun>({ run: null, candidates: null, error: null, updates: 0 });
  const version = useRef<string | null>(null);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    version.current = null;
    setState({ run: null, candidates: null, error: null, updates: 0 });
    const path = `/api/runs/${encodeURIComponent(runId)}`;
    const tick = async () => {
      try {
        // The first time, both at once; after that the run alone until its version changes.
        const first = version.current === null ? source.get<CandidatesResponse>(`${path}/candidates`) : null;
        first?.catch(() => undefined);
        const run = await source.get<RunResponse>(path);
        if (stopped) return;
        if (run.version !== version.current) {
          const candidates = await (first ?? source.get<CandidatesResponse>(`${path}/candidates`));
          if (stopped) return;
          const initial = version.current === null;
          version.current = run.version;
          setState((s) => ({ run, candidates, error: null, updates: initial ? s.updates : s.updates + 1 }));
        }
        if (run.run.live && !source.static) timer = setTimeout(tick, POLL_MS);
      } catch (e) {
        if (stopped) return;
        setState((s) => ({ ...s, error: e instanceof Error ? e.message : String(e) }));
        // A live run keeps being polled through a passing error (the server restarting, say).
        if (version.current !== null && !source.static) timer = setTimeout(tick, POLL_MS);
      }
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [runId, source]);
  return state;
}

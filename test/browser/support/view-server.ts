import { startCli, watch, type RunningCli } from "../../support/cli.js";
import { waitUntil } from "../../support/wait.js";

export interface ViewServer {
  /** The address `dspx view` printed (with ?token= when it needs one). */
  url: string;
  /** The origin, for requests the test makes itself. */
  origin: string;
  cli: RunningCli;
  /** GETs an API path as JSON, with the token the URL carries. */
  api<T>(path: string): Promise<T>;
  stop(): Promise<void>;
}

/** Starts the built `dspx view` on a free port over `db` and reads the URL it prints. */
export async function startView(db: string, extra: string[] = []): Promise<ViewServer> {
  const cli = startCli(["view", "--db", db, "--port", "0", ...extra], { env: { DSPX_DB: db } });
  const found = () => /https?:\/\/\S+/.exec(cli.stdout())?.[0];
  await waitUntil(() => found() !== undefined, "dspx view to print its URL", watch(cli));
  const url = found()!;
  const parsed = new URL(url);
  const token = parsed.searchParams.get("token");
  return {
    url,
    origin: parsed.origin,
    cli,
    async api<T>(path: string): Promise<T> {
      const res = await fetch(parsed.origin + path, { headers: token ? { "x-dspx-token": token } : {} });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
    async stop() {
      if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill("SIGINT");
      await cli.closed;
    },
  };
}

/** `url` (which may carry ?token=) with a hash route. */
export function at(url: string, route: string): string {
  const u = new URL(url);
  u.hash = route.replace(/^#/, "");
  return u.toString();
}

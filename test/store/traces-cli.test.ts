import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";

const TRIAGE = "programs/support-triage.yaml";
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "dspx-traces-cli-"));
});

const dspx = (args: string[], db: string) => runCli(args, { env: { DSPX_DB: db } });

function all<T>(db: string, sql: string): T[] {
  const d = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return d.prepare(sql).all() as T[];
  } finally {
    d.close();
  }
}
const n = (db: string, sql: string) => all<{ n: number }>(db, sql)[0]!.n;

describe("traces through the CLI", () => {
  it("dspx eval stores sim calls' messages; --no-traces none, recorded in the run; gc --keep-traces drops old traces and their blobs", async () => {
    const db = path.join(dir, "eval.db");
    const traced = await dspx(["eval", TRIAGE, "--limit", "5", "--json"], db);
    expect(traced.code).toBe(0);
    expect(n(db, "SELECT COUNT(*) AS n FROM evaluations WHERE traced = 1 AND trace LIKE '%\"messagesHash\":%' AND example_hash IS NOT NULL")).toBe(5);
    const messageBlobs = n(db, "SELECT COUNT(*) AS n FROM blobs") - 5;
    // One system message for all, one user turn and one list per example.
    expect(messageBlobs).toBe(1 + 5 + 5);

    const bare = await dspx(["eval", TRIAGE, "--split", "test", "--limit", "5", "--no-traces", "--json"], db);
    expect(bare.code).toBe(0);
    const config = all<{ config: string }>(db, "SELECT config FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 1")[0]!.config;
    expect(JSON.parse(config)).toMatchObject({ dataset: "test", traces: false });
    expect(n(db, "SELECT COUNT(*) AS n FROM evaluations WHERE traced = 0 AND trace NOT LIKE '%\"text\":%' AND trace NOT LIKE '%messagesHash%'")).toBe(5);
    expect(n(db, "SELECT COUNT(*) AS n FROM blobs")).toBe(5 + messageBlobs + 5);

    const gc = await dspx(["gc", "--keep-traces", "1"], db);
    expect(gc.code).toBe(0);
    // The newest run (the --no-traces one) keeps "its traces"; the older one loses them and their blobs.
    expect(gc.stdout).toMatch(/removed the traces of 1 old run \(5 evaluations, [\d.]+ kB\) · 11 stored texts nothing refers to \(messages and examples, [\d.]+ kB\)/);
    expect(n(db, "SELECT COUNT(*) AS n FROM blobs")).toBe(10);
    expect(n(db, "SELECT COUNT(*) AS n FROM evaluations WHERE traced = 1")).toBe(0);
  });

  it("bad flags are one line and exit 2; optimizing an agent program without traces is refused before anything runs", async () => {
    const db = path.join(dir, "refused.db");
    const bad = await dspx(["gc", "--traces-older-than", "30"], db);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toMatch(/--traces-older-than.*give a unit/);
    const agent = await dspx(["optimize", "programs/order-agent.yaml", "--no-traces"], db);
    expect(agent.code).toBe(2);
    expect(agent.stderr.trim().split("\n")).toHaveLength(1);
    expect(agent.stderr).toMatch(/--no-traces: the program's agent step `support` would keep no trajectories/);
    expect(n(db, "SELECT COUNT(*) AS n FROM runs")).toBe(0);
  });

  it("dspx optimize --no-traces records it, stores no messages, and a rerun reuses every result from the memo", async () => {
    const db = path.join(dir, "optimize.db");
    const args = ["optimize", TRIAGE, "--optimizer", "labeled", "--no-traces", "--json"];
    const first = await dspx(args, db);
    expect(first.code).toBe(0);
    expect(JSON.parse(all<{ config: string }>(db, "SELECT config FROM runs")[0]!.config)).toMatchObject({ traces: false });
    expect(n(db, "SELECT COUNT(*) AS n FROM evaluations WHERE traced = 1")).toBe(0);
    expect(n(db, "SELECT COUNT(*) AS n FROM blobs WHERE content LIKE '%\"role\":%'")).toBe(0);
    const evaluations = n(db, "SELECT COUNT(*) AS n FROM evaluations");
    const again = await dspx(args, db);
    expect(again.code).toBe(0);
    const best = (r: { stdout: string }) => {
      const b = JSON.parse(r.stdout).best;
      return { candidate: b.candidate, dev: b.dev.mean };
    };
    expect(best(again)).toEqual(best(first));
    // Everything came from the memo: no new evaluation.
    expect(n(db, "SELECT COUNT(*) AS n FROM evaluations")).toBe(evaluations);
  });
});

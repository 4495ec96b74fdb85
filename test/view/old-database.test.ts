import { copyFile, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LATEST_VERSION } from "../../src/store/migrations.js";
import { listRuns } from "../../src/view/api/runs.js";
import { openViewStore } from "../../src/view/view-store.js";

// The database recorded before the run configuration had a version (see test/cli/old-database.test.ts).
const FIXTURE = path.join(import.meta.dirname, "../store/fixtures/pre-version.db");

let dir: string;
let file: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "dspx-view-old-"));
  file = path.join(dir, "dspx.db");
  await copyFile(FIXTURE, file);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the viewer on a database of an older schema", () => {
  it("upgrades it as any command would, then reads it through a read-only connection", () => {
    const before = new Database(file, { readonly: true });
    const oldVersion = before.pragma("user_version", { simple: true }) as number;
    const runs = before.prepare("SELECT COUNT(*) FROM runs").pluck().get() as number;
    before.close();
    expect(oldVersion).toBeLessThan(LATEST_VERSION);

    const view = openViewStore(file);
    try {
      expect(view.db.readonly).toBe(true);
      expect(view.db.pragma("user_version", { simple: true })).toBe(LATEST_VERSION);
      expect(listRuns(view).runs).toHaveLength(runs);
    } finally {
      view.close();
    }
  });
});

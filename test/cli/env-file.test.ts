import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadEnvFile } from "../../src/cli/env-file.js";

const NAMES = ["DSPX_ENV_TEST_A", "DSPX_ENV_TEST_B", "DSPX_ENV_TEST_EMPTY"] as const;

describe("loadEnvFile (.env in the working directory)", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "dspx-envfile-"));
    for (const n of NAMES) delete process.env[n];
  });
  afterEach(async () => {
    for (const n of NAMES) delete process.env[n];
    await rm(dir, { recursive: true, force: true });
  });

  it("sets the variables the file names", async () => {
    await writeFile(path.join(dir, ".env"), `# keys\nDSPX_ENV_TEST_A=from-file\nexport DSPX_ENV_TEST_B="quoted value"\n`);
    loadEnvFile(path.join(dir, ".env"));
    expect(process.env.DSPX_ENV_TEST_A).toBe("from-file");
    expect(process.env.DSPX_ENV_TEST_B).toBe("quoted value");
  });

  it("leaves a variable that is already set alone, even an empty one", async () => {
    await writeFile(path.join(dir, ".env"), "DSPX_ENV_TEST_A=from-file\nDSPX_ENV_TEST_EMPTY=from-file\nDSPX_ENV_TEST_B=from-file\n");
    process.env.DSPX_ENV_TEST_A = "from-shell";
    process.env.DSPX_ENV_TEST_EMPTY = "";
    loadEnvFile(path.join(dir, ".env"));
    expect(process.env.DSPX_ENV_TEST_A).toBe("from-shell");
    expect(process.env.DSPX_ENV_TEST_EMPTY).toBe("");
    expect(process.env.DSPX_ENV_TEST_B).toBe("from-file");
  });

  it("is no error when there is no file, or the name is a folder", async () => {
    const before = { ...process.env };
    expect(() => loadEnvFile(path.join(dir, ".env"))).not.toThrow();
    await mkdir(path.join(dir, "folder"));
    expect(() => loadEnvFile(path.join(dir, "folder"))).not.toThrow();
    expect(process.env).toEqual(before);
  });

  it("reads .env from the working directory by default", async () => {
    await writeFile(path.join(dir, ".env"), "DSPX_ENV_TEST_A=cwd\n");
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      loadEnvFile();
    } finally {
      process.chdir(cwd);
    }
    expect(process.env.DSPX_ENV_TEST_A).toBe("cwd");
  });
});

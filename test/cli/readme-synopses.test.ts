import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT, runCli } from "../support/cli.js";

/**
 * The README's synopsis of each command lists exactly the flags commander gives that command (read
 * from `dspx <command> --help`), so the two cannot drift apart. A synopsis is a table row's
 * `` `dspx …` `` span or a `dspx …` line (and its indented continuation) in a code block; the LM
 * flags the model-calling commands share are written once, as `[LM flags]`, in the README's
 * "LM flags" line.
 */
const COMMANDS = ["init", "validate", "run", "eval", "optimize", "optimizers", "resume", "runs", "runs rm", "show", "compare", "export", "cache stats", "cache clear", "gc", "view", "report"];
/** Commands that only group others (no synopsis of their own). */
const GROUPS = ["cache", "help"];
/** Every command takes these; they are listed once, in the README, not in each synopsis. */
const EVERYWHERE = ["--help", "-h"];

const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");

/** Every synopsis in the README: the text of each `dspx …` span in a table row or line in a code block. */
function synopses(text: string): string[] {
  const found: string[] = [];
  let inCode = false;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith("```")) {
      inCode = !inCode;
      continue;
    }
    if (inCode && line.startsWith("dspx ")) {
      let s = line;
      while (i + 1 < lines.length && /^\s+\[/.test(lines[i + 1]!)) s += ` ${lines[++i]!.trim()}`;
      found.push(s);
    } else if (!inCode && line.startsWith("| `dspx ")) {
      const cell = line.split(/(?<!\\)\|/)[1]!;
      for (const m of cell.matchAll(/`(dspx [^`]+)`/g)) found.push(m[1]!.replace(/\\\|/g, "|"));
    }
  }
  return found;
}

/** The flags a synopsis names (`--x`, `-o`), with `[LM flags]` expanded. */
function flagsOf(synopsis: string, lmFlags: readonly string[]): string[] {
  const expanded = synopsis.replace(/\[LM flags\]/g, lmFlags.join(" "));
  return [...new Set([...expanded.matchAll(/(?<![\w-])(--[a-z][a-z0-9-]*|-[a-zA-Z])\b/g)].map((m) => m[1]!))];
}

function commandOf(synopsis: string): string {
  const words = synopsis.split(/\s+/).slice(1);
  const two = `${words[0]} ${words[1]}`;
  return COMMANDS.includes(two) ? two : words[0]!;
}

/** The options commander shows in `--help` (long forms), and the long form of each short one. */
function helpFlags(help: string): { flags: string[]; short: Map<string, string> } {
  const section = help.slice(help.indexOf("Options:"), help.includes("Commands:") ? help.indexOf("Commands:") : undefined);
  const flags: string[] = [];
  const short = new Map<string, string>();
  for (const m of section.matchAll(/^ {2}(-[a-zA-Z], )?(--[a-z][a-z0-9-]*)/gm)) {
    if (m[1]) short.set(m[1].slice(0, 2), m[2]!);
    flags.push(m[2]!);
  }
  return { flags, short };
}

let help: Map<string, { flags: string[]; short: Map<string, string> }>;
let topLevel: string[];
beforeAll(async () => {
  const results = await Promise.all(COMMANDS.map((c) => runCli([...c.split(" "), "--help"])));
  help = new Map(COMMANDS.map((c, i) => [c, helpFlags(results[i]!.stdout)]));
  const top = await runCli(["--help"]);
  topLevel = [...top.stdout.slice(top.stdout.indexOf("Commands:")).matchAll(/^ {2}([a-z]+)/gm)].map((m) => m[1]!);
});

describe("README synopses", () => {
  const lmLine = /^LM flags[\s\S]*?`(\[--lm [^`]+)`/m.exec(readme)?.[1] ?? "";
  const lmFlags = flagsOf(lmLine, []);

  it("cover every command dspx has", () => {
    expect(topLevel.filter((c) => !GROUPS.includes(c)).sort()).toEqual([...new Set(COMMANDS.map((c) => c.split(" ")[0]!))].filter((c) => !GROUPS.includes(c)).sort());
    expect(lmFlags).toEqual(expect.arrayContaining(["--lm", "--base-url", "--rpm", "--no-cache"]));
  });

  it.each(COMMANDS)("dspx %s lists exactly its flags", (command) => {
    const mine = synopses(readme).filter((s) => commandOf(s) === command);
    expect(mine, `no synopsis of dspx ${command} in the README`).not.toEqual([]);
    const { flags, short } = help.get(command)!;
    // `-o file` documents `--output`.
    const documented = [...new Set(mine.flatMap((s) => flagsOf(s, lmFlags)).map((f) => short.get(f) ?? f))].sort();
    const actual = flags.filter((f) => !EVERYWHERE.includes(f)).sort();
    expect(documented).toEqual(actual);
  });
});

describe("the synopsis reader", () => {
  it("reads table rows, code blocks with continuation lines, escaped pipes and [LM flags]", () => {
    const text = ["| `dspx a [--x] [--format yaml\\|json]` / `dspx b -o f` | what |", "```sh", "dspx c <p> [--y <n>]", "  [--z] [LM flags]", "npx dspx d --w", "```"].join("\n");
    expect(synopses(text)).toEqual(["dspx a [--x] [--format yaml|json]", "dspx b -o f", "dspx c <p> [--y <n>] [--z] [LM flags]"]);
    expect(flagsOf("dspx c <p> [--y <n>] [--z] [LM flags]", ["--lm", "--no-cache"])).toEqual(["--y", "--z", "--lm", "--no-cache"]);
  });
});

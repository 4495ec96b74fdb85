import { Command, CommanderError, Option } from "commander";
import { VERSION } from "../version.js";
import { runCommand } from "./context.js";
import { loadEnvFile } from "./env-file.js";
import { EXIT } from "./errors.js";
import { guardStream } from "./output.js";
import { addLMOptions, NO_TRACES_HELP, baseUrl, countOrAll, duration, listOf, nonNegativeInt, nonNegativeNumber, oneOf, outputFile, positiveInt, positiveNumber, score } from "./flags.js";
import { OPTIMIZERS } from "../optimize/types.js";

/**
 * The dspx command line: commander wiring only. Each command's module is imported when it runs, so
 * `dspx --help` stays fast; every command goes through runCommand, which owns exit codes.
 */
const program = new Command("dspx")
  .description("Optimize LLM programs written as YAML: typed signatures, demos and instructions, evaluated and searched against real or offline models.")
  .version(VERSION, "-V, --version")
  .option("--verbose", "print stack traces and per-step detail")
  .option("--no-color", "plain output (also NO_COLOR=1)")
  .showSuggestionAfterError(true)
  .exitOverride()
  .configureOutput({
    outputError: (text, write) => write(text.replace(/^error:/, "error:")),
  });

type Global = { verbose?: boolean; color?: boolean };
const globals = (): Global => program.opts<Global>();

program
  .command("init")
  .description("start a project: a commented program, its metric and a small dataset that run at once on sim")
  .argument("[dir]", "where to write it (default: the current directory)", ".")
  .option("--force", "overwrite the files if they exist")
  .option("--json", "print the files written as JSON")
  .action(async (dir: string, flags: { force?: boolean; json?: boolean }) => {
    const { initCommand } = await import("./commands/init.js");
    await runCommand({ ...globals(), ...flags }, (ctx) => initCommand(dir, flags, ctx));
  });

program
  .command("validate")
  .description("check a program file and its datasets; print the compiled graph")
  .argument("<program>", "program file (.yaml)")
  .option("--json", "print the graph as JSON")
  .action(async (file: string, flags: { json?: boolean }) => {
    const { validateCommand } = await import("./commands/validate.js");
    await runCommand({ ...globals(), ...flags }, (ctx) => validateCommand(file, flags, ctx));
  });

addLMOptions(
  program
    .command("run")
    .description("run a program on one input, or on every line of a JSONL file of inputs")
    .argument("<program>", "program file (.yaml), yours or exported")
    .option("--input <json>", "the inputs as a JSON object")
    .option("--input-file <file>", "a JSON file with the inputs (- for stdin); a .jsonl file runs the program on every line"),
)
  .option("--output <file.jsonl>", "with a .jsonl --input-file: write the results there, one line per input in input order (default: stdout)", outputFile)
  .option("--concurrency <n>", "with a .jsonl --input-file: lines in flight at once (default 8)", positiveInt)
  .option("--json", "print the outputs as JSON (for a .jsonl input file with --output: the summary)")
  .action(async (file: string, flags: Record<string, unknown>) => {
    const { runCommand: run } = await import("./commands/run.js");
    await runCommand({ ...globals(), ...flags }, (ctx) => run(file, { ...flags, verbose: globals().verbose }, ctx));
  });

addLMOptions(
  program
    .command("eval")
    .description("score a program on a dataset, concurrently")
    .argument("<program>", "program file (.yaml)")
    .option("--dataset <file>", "a JSONL dataset (default: the program's dev split)")
    .addOption(new Option("--split <split>", "a split from the program's data section").argParser(oneOf(["train", "dev", "test"] as const))),
)
  .option("--concurrency <n>", "examples in flight at once (default 8)", positiveInt)
  .option("--max-usd <x>", "stop dispatching new examples once this much has been spent", nonNegativeNumber)
  .option("--threshold <x>", "exit 1 when the mean score is below x (for CI)", score)
  .option("--no-record", "record nothing of this evaluation: no run, no per-example rows (earlier results are still reused; the LM cache still applies)")
  .option("--no-memo", "evaluate every example again instead of reusing recorded results (the LM cache still applies)")
  .option("--no-traces", NO_TRACES_HELP)
  .option("--name <name>", "a name for the recorded run")
  .option("--junit <file>", "write a JUnit XML report (one testcase per example, in the order they finished)", outputFile)
  .option("--pass-score <x>", "the score an example needs to pass in the JUnit report (default 1)", score)
  .option("--output <file.jsonl>", "stream per-example results to a JSONL file as they finish", outputFile)
  .option("--report <file.html>", "write the run's self-contained HTML report (as `dspx report`), for CI artifacts", outputFile)
  .option("--limit <n>", "evaluate only the first n examples", positiveInt)
  .option("--show <n>", "how many of the lowest-scoring examples to list (default 5)", positiveInt)
  .option("--json", "print one JSON object on stdout: summary, the lowest-scoring examples, per-example results for the first 1,000")
  .action(async (file: string, flags: Record<string, unknown>) => {
    const { evalCommand } = await import("./commands/eval.js");
    await runCommand({ ...globals(), ...flags }, (ctx) => evalCommand(file, flags, ctx));
  });

addLMOptions(
  program
    .command("optimize")
    .description("search for better instructions and demos within a budget; every step is saved, so the run can be resumed")
    .argument("<program>", "program file (.yaml)")
    .addOption(
      new Option("--optimizer <name>", "labeled, bootstrap, random_search, beam, gepa or mipro, or several run in sequence: bootstrap,gepa (default: the program's optimize.optimizer, else beam)").argParser(listOf(OPTIMIZERS)),
    )
    .option("--budget-split <shares>", "for a sequence, each optimizer's share of the budget: bootstrap=20%,gepa=80% (default: the program's optimize.budget_split, else by plan)")
    .option("--trainset <file>", "train examples (default: the program's data.train)")
    .option("--devset <file>", "dev examples (default: data.dev, else a seeded split of train)"),
)
  .option("--budget-calls <n>", "most LM calls of every kind (default 2000, only when no budget of any kind is given)", positiveInt)
  .option("--budget-usd <x>", "most money to spend", positiveNumber)
  .addOption(new Option("--budget-time <duration>", "most wall time, e.g. 30m").argParser(duration))
  .option("--budget-rollouts <n>", "most (candidate, example) evaluations", positiveInt)
  .option("--seed <n>", "seed of every random choice (default 0)", nonNegativeInt)
  .option("--concurrency <n>", "examples in flight at once (default 8)", positiveInt)
  .option("--teacher-lm <spec>", "model that runs the program to bootstrap demos (default: the student's)")
  .option("--reflection-lm <spec>", "model that proposes and reflects on instructions (default: the student's)")
  .option("--no-traces", NO_TRACES_HELP)
  .option("--name <name>", "a name for the run")
  .option("--json", "print the final report as JSON on stdout")
  .addHelpText(
    "after",
    "\nBudgets: every limit given applies, the first reached ends the run; the flags override the program's\n" +
      "optimize.budget key by key. The 2000 LM-call default applies only when no budget of any kind is given\n" +
      "(flags or optimize.budget): with only --budget-usd, --budget-time or --budget-rollouts there is no\n" +
      "LM-call limit. The plan line lists the limits in force.\n" +
      "\nEach optimizer's settings (optimize.<optimizer>: in the program file), with types and defaults:\n" +
      "dspx optimizers",
  )
  .action(async (file: string, flags: Record<string, unknown>) => {
    const { optimizeCommand } = await import("./commands/optimize.js");
    await runCommand({ ...globals(), ...flags }, (ctx) => optimizeCommand(file, flags, ctx));
  });

program
  .command("optimizers")
  .description("list the optimizers and their settings (optimize.<optimizer>:), with types and defaults, and the budget keys")
  .option("--json", "print JSON")
  .option("--markdown", "print the tables as Markdown (the README's)")
  .action(async (flags: { json?: boolean; markdown?: boolean }) => {
    const { optimizersCommand } = await import("./commands/optimizers.js");
    await runCommand({ ...globals(), ...flags }, (ctx) => optimizersCommand(flags, ctx));
  });

program
  .command("resume")
  .description("continue an optimize run that was stopped, crashed or failed, from its last checkpoint")
  .argument("<run>", "a run id (or its first characters)")
  .option("--base-url <url>", "the run's endpoint again, in full: credentials in a --base-url (user:password@, ?api-key=) are not stored", baseUrl)
  .option("--db <file>", "the dspx database (default runs/dspx.db, or DSPX_DB)")
  .option("--json", "print the final report as JSON on stdout")
  .action(async (ref: string, flags: Record<string, unknown>) => {
    const { resumeCommand } = await import("./commands/optimize.js");
    await runCommand({ ...globals(), ...flags }, (ctx) => resumeCommand(ref, flags, ctx));
  });

const runs = program
  .command("runs")
  .description("list recorded runs, newest first (`dspx runs rm` deletes them)")
  .option("--limit <n>", "how many (default 50)", positiveInt)
  .option("--db <file>", "the dspx database (default runs/dspx.db, or DSPX_DB)")
  .option("--json", "print JSON")
  .action(async (flags: Record<string, unknown>) => {
    const { runsCommand } = await import("./commands/runs.js");
    await runCommand({ ...globals(), ...flags }, (ctx) => runsCommand(flags, ctx));
  });
runs
  .command("rm")
  .description("delete runs and their results: candidates, events, checkpoint, result links, and the evaluations no other run uses (the LM cache is kept)")
  .argument("<run...>", "run ids (or their first characters)")
  .option("--force", "also a run still running in a live process (that process then fails at its next write)")
  .option("--dry-run", "say what would be removed, and remove nothing")
  .option("--db <file>", "the dspx database (default runs/dspx.db, or DSPX_DB)")
  .option("--json", "print JSON")
  .action(async (refs: string[], _flags: unknown, command: Command) => {
    // `dspx runs --json rm x` gives --json to `runs`: the flags of both, and the global ones, apply.
    const flags = command.optsWithGlobals<Record<string, unknown>>();
    const { runsRemoveCommand } = await import("./commands/runs-rm.js");
    await runCommand(flags, (ctx) => runsRemoveCommand(refs, flags, ctx));
  });

program
  .command("show")
  .description("a run's configuration, totals, candidates, score over time and weakest examples")
  .argument("<run>", "a run id (or its first characters)")
  .option("--show <n>", "how many of the lowest-scoring examples to list (default 5)", positiveInt)
  .option("--events <n>", "how many of the latest events to list, or `all` (default 20)", countOrAll)
  .option("--db <file>", "the dspx database (default runs/dspx.db, or DSPX_DB)")
  .option("--json", "print JSON")
  .action(async (ref: string, flags: Record<string, unknown>) => {
    const { showCommand } = await import("./commands/show.js");
    await runCommand({ ...globals(), ...flags }, (ctx) => showCommand(ref, flags, ctx));
  });

addLMOptions(
  program
    .command("compare")
    .description("score two candidates on the same examples and test the difference")
    .argument("<a>", "a run (its best candidate), run:candidate, or a program file")
    .argument("<b>", "the same kinds of reference")
    .option("--dataset <file>", "a JSONL dataset (default: the split the runs used, else dev)")
    .addOption(new Option("--split <split>", "a split from the programs' data sections").argParser(oneOf(["train", "dev", "test"] as const))),
)
  .option("--limit <n>", "only the first n examples", positiveInt)
  .option("--concurrency <n>", "examples in flight at once (default 8)", positiveInt)
  .option("--seed <n>", "seed of the bootstrap resampling (default 0)", nonNegativeInt)
  .option("--show <n>", "how many flipped examples to list each way (default 10)", positiveInt)
  .option("--name <name>", "a name for the recorded compare run")
  .option("--no-record", "record no compare run (the evaluations are still stored and reused)")
  .option("--json", "print JSON")
  .action(async (a: string, b: string, flags: Record<string, unknown>) => {
    const { compareCommand } = await import("./commands/compare.js");
    await runCommand({ ...globals(), ...flags }, (ctx) => compareCommand(a, b, flags, ctx));
  });

program
  .command("export")
  .description("write a run's best (or a chosen) candidate as a program file dspx and loadProgram run as is")
  .argument("<run>", "a run, or run:candidate")
  .option("-o, --output <file>", "write here (default: print to stdout); its folder must exist", outputFile)
  .option("--force", "let --output replace the program file the run came from")
  .addOption(new Option("--format <format>", "yaml or json (default: from the file name, else yaml)").argParser(oneOf(["yaml", "json"] as const)))
  .option("--db <file>", "the dspx database (default runs/dspx.db, or DSPX_DB)")
  .action(async (ref: string, flags: Record<string, unknown>) => {
    const { exportCommand } = await import("./commands/export.js");
    await runCommand({ ...globals(), ...flags }, (ctx) => exportCommand(ref, flags, ctx));
  });

program
  .command("view")
  .description("a live local web viewer over the runs database: runs, candidates, examples and traces, read-only (Ctrl-C stops it)")
  .option("--db <file>", "the dspx database (default runs/dspx.db, or DSPX_DB)")
  .option("--port <n>", "the port to listen on (default 7410; 0 for any free one)", nonNegativeInt)
  .option("--host <host>", "the address to listen on (default 127.0.0.1); any other than loopback requires a token")
  .option("--token <token>", "the token every request must carry (default: none on loopback, else generated and printed in the URL)")
  .option("--open", "open the viewer in the browser")
  .action(async (flags: Record<string, unknown>) => {
    const { viewCommand } = await import("./commands/view.js");
    await runCommand({ ...globals(), ...flags }, (ctx) => viewCommand(flags, ctx));
  });

program
  .command("report")
  .description("write a run's views (run, candidates, examples, traces) into one self-contained HTML file, for CI artifacts")
  .argument("<run>", "a run, or run:candidate (the candidate compared with the baseline; default the best)")
  .requiredOption("-o, --output <file.html>", "the HTML file to write; its folder must exist", outputFile)
  .option("--max-examples <n>", "most examples whose views are inlined (default 500); the rest are counted in the report", positiveInt)
  .option("--db <file>", "the dspx database (default runs/dspx.db, or DSPX_DB)")
  .option("--json", "print what was written as JSON")
  .action(async (ref: string, flags: Record<string, unknown>) => {
    const { reportCommand } = await import("./commands/report.js");
    await runCommand({ ...globals(), ...flags }, (ctx) => reportCommand(ref, flags, ctx));
  });

const cache = program.command("cache").description("inspect or clear the LM response cache");
cache
  .command("stats")
  .description("entries, hits and money saved, by model")
  .option("--db <file>", "the dspx database (default runs/dspx.db, or DSPX_DB)")
  .option("--json", "print JSON")
  .action(async (flags: Record<string, unknown>) => {
    const { cacheStatsCommand } = await import("./commands/cache.js");
    await runCommand({ ...globals(), ...flags }, (ctx) => cacheStatsCommand(flags, ctx));
  });
cache
  .command("clear")
  .description("delete cached responses: all, or those matching every filter given")
  .option("--older-than <duration>", "only entries older than this, e.g. 30d, 12h")
  .option("--run <id>", "only entries the run's calls used (so resuming it asks the LM again)")
  .option("--failed", "only entries whose completion could not be read")
  .option("--db <file>", "the dspx database (default runs/dspx.db, or DSPX_DB)")
  .option("--json", "print JSON")
  .action(async (flags: Record<string, unknown>) => {
    const { cacheClearCommand } = await import("./commands/cache.js");
    await runCommand({ ...globals(), ...flags }, (ctx) => cacheClearCommand(flags, ctx));
  });

program
  .command("gc")
  .description("remove what no run refers to: evaluations, rows of deleted runs, stored messages no trace names, and with --cache or --older-than the LM cache entries no run used; --traces-older-than / --keep-traces drop old runs' traces; --vacuum compacts the file")
  .option("--older-than <duration>", "only what is older than this, e.g. 30d (cache entries: unused for this long); includes the cache entries no run used")
  .addOption(new Option("--traces-older-than <duration>", "drop the traces (messages, completions, trajectories) of finished runs started longer ago than this, e.g. 30d; scores and outputs stay").argParser(duration))
  .option("--keep-traces <n>", "drop the traces of finished runs except the newest n (with --traces-older-than: a run loses them only when both say so)", nonNegativeInt)
  .option("--cache", "also the LM cache entries no recorded run used, whatever their age unless --older-than (entries a run used stay: see `dspx cache clear`)")
  .option("--vacuum", "then compact the file (VACUUM) and say how much it shrank; not while a run is in progress")
  .option("--dry-run", "say what would be removed, and remove nothing")
  .option("--db <file>", "the dspx database (default runs/dspx.db, or DSPX_DB)")
  .option("--json", "print JSON")
  .action(async (flags: Record<string, unknown>) => {
    const { gcCommand } = await import("./commands/gc.js");
    await runCommand({ ...globals(), ...flags }, (ctx) => gcCommand(flags, ctx));
  });

async function main(argv: string[]): Promise<void> {
  // A .env file in the working directory supplies keys and settings; real environment variables win.
  loadEnvFile();
  // `dspx … | head -1`: a reader that goes away ends the output quietly, not with an EPIPE stack trace.
  guardStream(process.stdout);
  guardStream(process.stderr);
  if (argv.length <= 2) {
    program.outputHelp();
    return;
  }
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; anything commander rejects (unknown flag or command, bad value) is usage.
      process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    throw err;
  }
}

await main(process.argv);

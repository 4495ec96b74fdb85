// Preloaded into a benchmarked dspx process (`node --import ./bench/rss-probe.js bin/dspx.js …`):
// when the process exits it writes its peak resident set size (ru_maxrss, the whole process with
// its writer thread) to the file named by BENCH_RSS_FILE. Nothing in dspx itself knows about it.
import { writeFileSync } from "node:fs";

const file = process.env.BENCH_RSS_FILE;
if (file) process.on("exit", () => writeFileSync(file, String(process.resourceUsage().maxRSS)));

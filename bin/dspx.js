#!/usr/bin/env node
// Thin shim: refuse old Node before loading anything that needs a newer one, then start the CLI.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(`dspx needs Node.js 20.19 or newer; this is ${process.version}.\n`);
  process.exitCode = 2;
} else {
  await import("../dist/bundle/cli.js");
}

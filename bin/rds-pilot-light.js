#!/usr/bin/env node
// Entry point of `npx rds-pilot-light <command>`: loads the TypeScript CLI through tsx's CommonJS hook, so the CLI
// runs from source exactly as `npm run dr` does.
require("tsx/cjs");
const { runCli, processIo } = require("../cli/main.ts");

runCli(process.argv.slice(2), processIo()).then((code) => {
  process.exitCode = code;
});

#!/usr/bin/env node
/**
 * The `recostream` command (package.json "bin"): runs local/cli.ts through tsx, so there is no build
 * step. Works as `npx recostream …` from the repository root and as `node bin/recostream.js …`.
 */
require('tsx/cjs');
const { main } = require('../local/cli');

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  },
);

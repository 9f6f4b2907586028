/**
 * CLI: the `recostream` operator command (package.json "bin", bin/recostream.js). On AWS these are the chores
 * an operator does with the console, the aws CLI and Athena: replay quarantined events and failed batches,
 * backfill the feature tables, query the lake, run or roll back a batch job, price the stack. Each works on
 * the deployed stack (names from the stack outputs, default credentials) or, with `--local`, on the running
 * local runtime found through runtime.json. The dispatcher is ./main, one file per command, all written
 * with ./kit.
 */

export { type CliIo, FAILED, OK, USAGE, UsageError } from './kit';
export { type CliDeps, main, usage } from './main';

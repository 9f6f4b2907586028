/**
 * The `recostream` command (bin/recostream.js runs this file through tsx). Subcommands:
 *
 *   recostream backfill --events <file.jsonl|file.json> [--local] [--dry-run] ...
 *   recostream query "<SQL>" | --named NAME [--format table|csv|json] [--athena ...]
 *   recostream quarantine replay [--local | --stream NAME --bucket NAME [--items-table NAME]] [--rules FILE.json] [--dry-run]
 *   recostream dlq replay [--local | --bucket NAME --stream NAME] [--dry-run]
 *   recostream impressions replay [--local | --queue-url URL --stream NAME] [--dry-run]
 *   recostream jobs run|list <cf|trending> [--local | --state-machine ARN | --job-runs-table NAME]
 *   recostream rollback <similarities|trending> --to <version> [--local | --job-runs-table NAME]
 *   recostream keys create|list|revoke [--local | --table NAME]
 *   recostream experiment report [--local] [--control NAME] [--format text|json]
 *   recostream catalogue reindex [--local | --items-table NAME] [--rules FILE.json] [--dry-run]
 *
 * Only the dispatcher: one file per command next to it (./backfill, ./query, ./quarantine, ./dlq, ./jobs,
 * ./impressions, ./rollback, ./import, ./keys, ./experiment, ./catalogue, ../cost/command), all written with the kit (./kit: I/O, exit codes, parseArgs).
 */
import { costCommand } from '../cost/command';
import { backfillCommand } from './backfill';
import { catalogueCommand } from './catalogue';
import { dlqCommand } from './dlq';
import { experimentCommand } from './experiment';
import { importCommand } from './import';
import { impressionsCommand } from './impressions';
import { jobsCommand } from './jobs';
import { keysCommand } from './keys';
import { type CliIo, type Command, consoleIo, FAILED, isUsageError, OK, USAGE } from './kit';
import { type QuarantineDeps, quarantineCommand } from './quarantine';
import { queryCommand } from './query';
import { rollbackCommand } from './rollback';

export type { CliIo } from './kit';

/** Collaborators a caller (a test, a migration script) may replace. */
export type CliDeps = QuarantineDeps;

const COMMANDS: Readonly<Record<string, Command<CliDeps>>> = {
  backfill: {
    summary: 'Rebuild the feature tables (Profiles, ItemStats) from a file of events',
    run: backfillCommand,
  },
  query: {
    summary: 'Run SQL on the data lake: DuckDB over the local lake, or Athena',
    run: queryCommand,
  },
  import: {
    summary: 'Import a public dataset (the UCI Online Retail CSVs) as purchase events',
    run: (args, io) => importCommand(args, io),
  },
  quarantine: {
    summary:
      'Quarantined events and catalogue requests: `quarantine replay` re-sends those the current rules accept',
    run: quarantineCommand,
  },
  dlq: {
    summary: 'Batches the stream consumer gave up on: `dlq replay` re-publishes them, applied exactly once',
    run: (args, io) => dlqCommand(args, io),
  },
  impressions: {
    summary:
      'Impressions the recommendation API could not put on the stream: `impressions replay` sends them again',
    run: (args, io) => impressionsCommand(args, io),
  },
  jobs: {
    summary: 'Batch jobs: `jobs run cf|trending` runs one now, `jobs list cf` shows runs and their checks',
    run: (args, io) => jobsCommand(args, io),
  },
  keys: {
    summary: 'API keys: `keys create --role write|admin|catalog`, `keys list`, `keys revoke NAME`',
    run: (args, io) => keysCommand(args, io),
  },
  catalogue: {
    summary:
      'Item catalogue: `catalogue reindex` rebuilds the promoted-items and new-arrivals rows from the items',
    run: (args, io) => catalogueCommand(args, io),
  },
  experiment: {
    summary: 'A/B experiment report: CTR, conversion and revenue per user per variant, with 95% intervals',
    run: (args, io) => experimentCommand(args, io),
  },
  cost: {
    summary: 'Monthly AWS cost table at 1, 10 and 100 million events a day, from the configured app',
    run: (args, io) => costCommand(args, io),
  },
  rollback: {
    summary: 'Restore an earlier published version: `rollback similarities|trending --to <version>`',
    run: (args, io) => rollbackCommand(args, io),
  },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length)) + 3;
  return [
    'Usage: recostream <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}${command.summary}`),
    '',
    'Run `recostream <command> --help` for the options of a command.',
  ].join('\n');
}

export async function main(
  argv: readonly string[],
  io: CliIo = consoleIo,
  deps: CliDeps = {},
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    (name === undefined ? io.err : io.out)(usage());
    return name === undefined ? USAGE : OK;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    io.err(`recostream: unknown command '${name}'\n\n${usage()}`);
    return USAGE;
  }
  try {
    return await command.run(rest, io, deps);
  } catch (error) {
    if (isUsageError(error)) {
      io.err(`recostream ${name}: ${(error as Error).message}\nRun \`recostream ${name} --help\` for usage.`);
      return USAGE;
    }
    throw error;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : error);
      process.exitCode = FAILED;
    },
  );
}

/**
 * `recostream experiment report`: the A/B experiment of the recommendation API over the last 30 days, per
 * variant: CTR, conversion and revenue attributed to recommendations, per user, with 95% confidence
 * intervals and a verdict against the control ("no difference yet" until the interval excludes 0). Runs
 * sql/named/experiment_users.sql folded per variant (local/lake/experiment-report.ts) on DuckDB over the
 * local lake (`--local`) or on Athena.
 */
import { experimentReport, experimentSummarySql, reportLines } from '../lake/experiment-report';
import { loadNamedQuery, rowObjects } from '../lake/query';
import { type CliIo, FAILED, OK, parseCommandArgs, USAGE, UsageError } from './kit';
import { openLakeEngine } from './lake-engine';

export const EXPERIMENT_HELP = `Usage: recostream experiment report [--local [--data-dir DIR]] [options]

Compares the recommendation variants (the RECOMMEND_VARIANTS experiment) over the last 30 days: per variant,
the mean per user of CTR (clicks / items shown), conversion (a purchase of an item recommended to the user
in the 7 days before it) and attributed revenue, with 95% confidence intervals, and each variant against
the control: "no difference yet" until the interval of the difference excludes 0.

  --local                  DuckDB over the local lake (default: Athena)
  --data-dir DIR           the local runtime's data directory (default .data); the lake is DIR/lake
  --lake-dir DIR           read this lake folder instead
  --workgroup WG           Athena workgroup (default: RECOSTREAM_ATHENA_WORKGROUP)
  --database DB            Glue database (default: RECOSTREAM_GLUE_DATABASE)
  --control NAME           the variant the others are compared with (default: control, else the first)
  --format FORMAT          text (default) or json
  -h, --help               this text`;

export async function experimentCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    (sub === undefined ? io.err : io.out)(EXPERIMENT_HELP);
    return sub === undefined ? USAGE : OK;
  }
  if (sub !== 'report') throw new UsageError(`unknown subcommand '${sub}': the only one is 'report'`);
  const { values, positionals } = parseCommandArgs(rest, {
    local: { type: 'boolean', default: false },
    'data-dir': { type: 'string' },
    'lake-dir': { type: 'string' },
    workgroup: { type: 'string' },
    database: { type: 'string' },
    control: { type: 'string' },
    format: { type: 'string', default: 'text' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    io.out(EXPERIMENT_HELP);
    return OK;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (values.format !== 'text' && values.format !== 'json')
    throw new UsageError(`--format must be text or json, got '${values.format}'`);
  if (!values.local && (values['data-dir'] !== undefined || values['lake-dir'] !== undefined))
    throw new UsageError('--data-dir and --lake-dir need --local');

  const { engine, release } = await openLakeEngine(
    {
      athena: !values.local,
      workgroup: values.workgroup,
      database: values.database,
      dataDir: values['data-dir'],
      lakeDir: values['lake-dir'],
    },
    io,
    'experiment report',
  );
  try {
    const summary = await engine.runQuery(experimentSummarySql(loadNamedQuery('experiment_users').sql));
    const report = experimentReport(rowObjects(summary), values.control);
    io.out(values.format === 'json' ? JSON.stringify(report, null, 2) : reportLines(report).join('\n'));
    return OK;
  } catch (error) {
    io.err(`recostream experiment report: ${engine.description}: ${(error as Error).message}`);
    return FAILED;
  } finally {
    await engine.close();
    release();
  }
}

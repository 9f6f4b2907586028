/**
 * `recostream query`: one SQL statement (or a saved one from sql/named/) on the data lake, with DuckDB over
 * the local lake folder or on Athena, printed as a table, CSV or JSON.
 */
import {
  formatResult,
  listNamedQueries,
  loadNamedQuery,
  OUTPUT_FORMATS,
  type OutputFormat,
  UnknownNamedQueryError,
} from '../lake/query';
import { type CliIo, FAILED, OK, parseCommandArgs, USAGE, UsageError } from './kit';
import { openLakeEngine } from './lake-engine';

export function queryHelp(): string {
  const names = listNamedQueries();
  return `Usage: recostream query "<SQL>" [options]
       recostream query --named NAME [options]

Runs one SQL statement on the data lake and prints the result. Tables: \`events\` (the lake's event
columns plus the partitions event_type, dt and hour, as strings) and \`quarantine\` (rejected events
plus dt and reason). Locally DuckDB reads the lake folder; with --athena the same SQL runs on Athena,
so keep to the SQL both accept (see sql/named/*.sql).

Query
  "<SQL>"                  the statement (quote it for the shell)
  --named NAME             the saved query sql/named/NAME.sql (also an Athena named query):
                           ${names.length > 0 ? names.join(', ') : '(none)'}

Engine (default: the local lake, no AWS account needed)
  --data-dir DIR           the local runtime's data directory (default .data); the lake is DIR/lake
  --lake-dir DIR           read this lake folder (events/, quarantine/) instead
  --athena                 run on Athena, with the default AWS credentials chain and region
  --workgroup WG           Athena workgroup: the stack output AthenaWorkGroupName (default: the
                           environment variable RECOSTREAM_ATHENA_WORKGROUP)
  --database DB            Glue database of the lake tables: the stack output GlueDatabaseName
                           (default: RECOSTREAM_GLUE_DATABASE)

Output
  --format FORMAT          table (aligned, default), csv (RFC 4180 with a header record) or json (an
                           array of objects)
  -h, --help               this text`;
}

export async function queryCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    named: { type: 'string' },
    format: { type: 'string', default: 'table' },
    'data-dir': { type: 'string' },
    'lake-dir': { type: 'string' },
    athena: { type: 'boolean', default: false },
    workgroup: { type: 'string' },
    database: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    io.out(queryHelp());
    return OK;
  }
  const format = values.format as OutputFormat;
  if (!OUTPUT_FORMATS.includes(format))
    throw new UsageError(`--format must be one of ${OUTPUT_FORMATS.join(', ')}, got '${values.format}'`);
  if (positionals.length > 1)
    throw new UsageError(`one SQL statement, quoted; got ${positionals.length} arguments`);
  if (positionals.length === 1 && values.named !== undefined)
    throw new UsageError('give either "<SQL>" or --named NAME, not both');

  let sql = positionals[0];
  if (values.named !== undefined) {
    try {
      sql = loadNamedQuery(values.named).sql;
    } catch (error) {
      if (!(error instanceof UnknownNamedQueryError)) throw error;
      io.err(`recostream query: ${error.message}`);
      return USAGE;
    }
  }
  if (sql === undefined || sql.trim() === '') throw new UsageError('give "<SQL>" or --named NAME');

  const { engine, release } = await openLakeEngine(
    {
      athena: values.athena,
      workgroup: values.workgroup,
      database: values.database,
      dataDir: values['data-dir'],
      lakeDir: values['lake-dir'],
    },
    io,
    'query',
  );
  try {
    const result = await engine.runQuery(sql);
    io.out(formatResult(result, format));
    return OK;
  } catch (error) {
    io.err(`recostream query: ${engine.description}: ${(error as Error).message}`);
    return FAILED;
  } finally {
    await engine.close();
    release();
  }
}

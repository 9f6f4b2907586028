/**
 * `recostream catalogue reindex`: rebuilds the Items table's index rows from the items (../tools/catalogue-
 * reindex), in the running local runtime's table (`--local`) or the deployed one (stack output
 * ItemsTableName), with the operator's credentials like the other commands. For a deployment that first
 * configured or changed its promotion filter: the items already in the catalogue join (or leave) the
 * promoted-items row now rather than at their next write.
 */
import { resolve } from 'node:path';
import { NEW_ARRIVALS_KEY_PREFIX } from '../../lambdas/shared/catalogue';
import { reindexCatalogue } from '../tools/catalogue-reindex';
import { openItemsTable, promotionOfRulesFile } from './catalogue-target';
import { type CliIo, OK, parseCommandArgs, subcommandArguments, UsageError } from './kit';

export const CATALOGUE_HELP = `Usage: recostream catalogue reindex [--local [--data-dir DIR] | --items-table NAME] [--rules FILE.json] [--dry-run]

Rebuilds the index rows of the Items table from the items themselves, with a paginated scan: the
new-arrivals row of every category (items with a category and a createdAt, the newest 100) and, with
--rules, the promoted-items row (available items that match the promotion filter, the newest 200).
Each row gets exactly the elements the catalogue writer would have put there; a row is changed only
where it differs, with set ADD/DELETE (a write that lands meanwhile is kept). Running it twice changes
nothing. Run it after a deployment first configures or changes its promotion filter.

Target (one of)
  --local              the running local runtime (npm start)
  --data-dir DIR       its data directory (with --local) [.data]
  --items-table NAME   on AWS: the Items table (stack output ItemsTableName), through the default AWS
                       credentials chain and region

Options
  --rules FILE.json    the deployment's rules (npm start --rules, context recommendationRules): rebuild
                       the promoted-items row for their promotion filter (no indexable filter empties
                       it); without --rules that row is left as it is
  --dry-run            scan and report the changes; write nothing`;

const LISTED_ROWS = 20;

export async function catalogueCommand(args: readonly string[], io: CliIo): Promise<number> {
  const rest = subcommandArguments('reindex', args, CATALOGUE_HELP, io);
  if (typeof rest === 'number') return rest;
  const { values, positionals } = parseCommandArgs(rest, {
    local: { type: 'boolean', default: false },
    'data-dir': { type: 'string' },
    'items-table': { type: 'string' },
    rules: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    io.out(CATALOGUE_HELP);
    return OK;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (values.local === (values['items-table'] !== undefined))
    throw new UsageError('give --local, or --items-table NAME (stack output ItemsTableName)');
  if (!values.local && values['data-dir'] !== undefined) throw new UsageError('--data-dir needs --local');
  const promoted = values.rules !== undefined;
  const promotion = promoted ? promotionOfRulesFile(values.rules as string) : undefined;
  const items = openItemsTable({
    local: values.local,
    dataDir: resolve(values['data-dir'] ?? '.data'),
    ...(values['items-table'] !== undefined ? { table: values['items-table'] } : {}),
  });
  try {
    io.out(
      `Catalogue reindex of ${items.tableName}${values['dry-run'] ? ' (dry run: nothing is written)' : ''}`,
    );
    if (promoted && !promotion)
      io.out(
        '  the rules have no promotion filter the catalogue can index: the promoted-items row is emptied',
      );
    const result = await reindexCatalogue({
      tableName: items.tableName,
      client: items.client,
      promoted,
      ...(promotion ? { promotion } : {}),
      dryRun: values['dry-run'],
    });
    const line = (label: string, value: number) => io.out(`  ${label.padEnd(20)}${value}`);
    line('rows scanned', result.rowsScanned);
    line('items', result.items);
    line(result.applied ? 'rows changed' : 'rows to change', result.changes.length);
    for (const change of result.changes.slice(0, LISTED_ROWS))
      io.out(`    ${describeRow(change.key)}: +${change.add.size} -${change.remove.size}`);
    if (!promoted) io.out('  promoted-items row left as it is (pass --rules FILE.json to rebuild it)');
    return OK;
  } finally {
    items.client.destroy();
  }
}

/** A row key as the operator reads it (the keys start with a control character). */
function describeRow(key: string): string {
  return key.startsWith(NEW_ARRIVALS_KEY_PREFIX)
    ? `new arrivals of ${key.slice(NEW_ARRIVALS_KEY_PREFIX.length)}`
    : 'promoted items';
}

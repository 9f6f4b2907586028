/**
 * `recostream import uci <folder> [--out FILE] [--lake DIR | --local [--data-dir DIR]]`: converts the UCI
 * Online Retail CSVs (read where they lie) into purchase events, prints what was kept and skipped, and
 * writes the events as JSON lines (for `recostream backfill --events`) and/or into a lake folder in the
 * delivery stream's layout (for the batch jobs and `recostream query`).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EVENTS_FIREHOSE_PREFIX } from '../../lambdas/shared/lake-layout';
import { bucketStorage } from '../lake/bucket-storage';
import { localLakeDir } from '../lake/query';
import { writeEventsParquet } from '../lake/writer';
import { runningLakeOnS3 } from '../runtime/local-buckets';
import { uciCatalogueOfDir } from '../tools/uci-catalogue';
import { formatUciReport, importUciRetail } from '../tools/uci-retail';
import { importCatalogCommand } from './catalogue-import';
import { type CliIo, OK, parseCommandArgs, USAGE } from './kit';

export const IMPORT_HELP = `Usage: recostream import uci <folder of daily CSVs> [options]
       recostream import catalog <FILE.csv|FILE.jsonl> [options]   (recostream import catalog --help)

Converts the UCI Online Retail data (CC BY 4.0) into purchase events and reports every skipped row.
Each event keeps its invoice time as occurredAt and is received now (the import time): the lake files it
under today's receipt-time partitions. Replay the batch jobs on it with jobs run --as-of <instant>.

Options:
  --out FILE        write the events as JSON lines (then: recostream backfill --events FILE)
  --catalog-out FILE  write the item catalogue (product code, description as title, latest unit price in
                    GBP) as JSON lines (then: recostream import catalog FILE)
  --lake DIR        write them as Parquet into the lake folder DIR (events/event_type=…/dt=…/hour=…/)
  --local           write them into the local runtime's lake (<data-dir>/lake)
  --data-dir DIR    data directory of the local runtime (with --local) [.data]`;

export async function importCommand(
  args: readonly string[],
  io: CliIo,
  clock: () => Date = () => new Date(),
): Promise<number> {
  const usage = (message: string) => {
    io.err(`recostream import: ${message}\n\n${IMPORT_HELP}`);
    return USAGE;
  };
  // `import catalog` has options of its own (./catalogue-import.ts).
  if (args[0] === 'catalog') return importCatalogCommand(args.slice(1), io);
  const { values, positionals } = parseCommandArgs(args, {
    out: { type: 'string' },
    'catalog-out': { type: 'string' },
    lake: { type: 'string' },
    local: { type: 'boolean', default: false },
    'data-dir': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    io.out(IMPORT_HELP);
    return OK;
  }
  const [source, dir, ...extra] = positionals;
  if (source !== 'uci') return usage(`the sources are 'uci' and 'catalog', got '${source ?? ''}'`);
  if (!dir) return usage('give the folder of the UCI CSV files');
  if (extra.length > 0) return usage(`unexpected argument '${extra[0]}'`);
  if (values.lake && values.local) return usage('give --lake or --local, not both');
  if (values['data-dir'] && !values.local) return usage('--data-dir needs --local');
  if (!values.out && !values.lake && !values.local && !values['catalog-out'])
    return usage('say where the events go: --out, --lake or --local (or --catalog-out for the items)');

  const catalogOut = values['catalog-out'];
  if (catalogOut) {
    const items = uciCatalogueOfDir(resolve(dir));
    writeFileSync(catalogOut, items.map((i) => `${JSON.stringify(i)}\n`).join(''));
    io.out(
      `wrote ${items.length} catalogue items (title, price in GBP) to ${catalogOut}; load them with: recostream import catalog ${catalogOut}`,
    );
    if (!values.out && !values.lake && !values.local) return OK;
  }
  const { events, report } = importUciRetail(resolve(dir), { receivedAt: clock() });
  io.out(formatUciReport(report));
  if (values.out) {
    writeFileSync(values.out, events.map((e) => `${JSON.stringify(e)}\n`).join(''));
    io.out(`wrote ${events.length} events to ${values.out}`);
  }
  const dataDir = resolve(values['data-dir'] ?? '.data');
  // --local: the running runtime's lake bucket (on moto's S3 in the moto set), else its lake folder.
  const onS3 = values.local ? runningLakeOnS3(dataDir) : undefined;
  const lake = onS3?.storage ?? (values.local ? localLakeDir(dataDir) : values.lake && resolve(values.lake));
  if (lake) {
    const written = await writeEventsParquet(events, {
      bucket: lake,
      prefixTemplate: EVENTS_FIREHOSE_PREFIX,
    }).finally(() => onS3?.release());
    io.out(
      `wrote ${written.rows} events in ${written.files.length} Parquet files (${written.bytes} bytes) to ${bucketStorage(lake).description}`,
    );
  }
  return OK;
}

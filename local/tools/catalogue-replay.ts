/**
 * Catalogue replay: the refused `PUT /v1/items` requests the catalogue API quarantined (route `/v1/items`,
 * source `catalogue-api`, one record per request with the raw body and the reason), validated again and
 * stored when they now pass. A body is fixed by hand in its quarantine object (the `rawPayload` of the
 * record; the request's rules are the API contract, so a hand fix is what makes one pass), then replayed.
 *
 * Same model as the event replay (quarantine-replay.ts): it runs with the operator's credentials, straight
 * to the store behind the API (here the Items table and the lake's `items/`, through the API's own
 * store-items.ts, so the new-arrivals and promoted rows follow), never through the public route and its keys.
 * A request is all or nothing, as in the API: one invalid item leaves the whole request in the quarantine,
 * counted under its current reason with the messages the API would answer. A dry run validates and counts,
 * and neither writes nor records anything.
 *
 * Replayed once. The ledger of the quarantine object (quarantine-ledger.ts) lists the requests stored, so a
 * later run skips them; it is written after every item was stored and logged, so a crash in between means
 * an idempotent rewrite of the same values, never a loss. A replay never undoes a later change: each item
 * is written only if nobody updated it after the request was refused (a PUT that came later, or a resend of
 * the fixed request, wins); those items are counted as superseded.
 *
 * No AWS imports: the store (files under the local lake, or S3) and the item sink are passed in;
 * ../cli/quarantine.ts wires them.
 */
import { parseCatalogueBody } from '../../lambdas/catalogue/catalogue-request';
import type { StoreItemsResult } from '../../lambdas/catalogue/store-items';
import type { CatalogueItem } from '../../lambdas/shared/catalogue';
import { QUARANTINE_PREFIX } from '../../lambdas/shared/lake-layout';
import { normalizePrefix } from '../../lambdas/shared/quarantine-layout';
import { DEFAULT_LEDGER_PREFIX, ledgerKeyFor, parseLedger } from './quarantine-ledger';
import {
  countLines,
  isCatalogueRecord,
  parseQuarantineLine,
  type QuarantineScanOptions,
  quarantineKeys,
  validDate,
} from './quarantine-records';

/** Stores validated items: `storeCatalogueItems` on the Items table and the lake, as the API does. */
export type CatalogueSink = (
  items: readonly CatalogueItem[],
  at: Date,
  options: { readonly notUpdatedSince: Date },
) => Promise<StoreItemsResult>;

export interface CatalogueReplayOptions extends QuarantineScanOptions {
  /** Required unless dryRun. */
  readonly sink?: CatalogueSink;
}

export interface StillInvalidRequest {
  readonly key: string;
  /** 1-based line of the record in its quarantine object. */
  readonly line: number;
  /** The refusal now (not the original one). */
  readonly reason: string;
  readonly message: string;
}

export interface CatalogueReplayFailure {
  readonly key: string;
  readonly line: number;
  readonly itemIds: readonly string[];
  readonly message: string;
}

export interface CatalogueReplaySummary {
  readonly dryRun: boolean;
  /** Refused catalogue requests read. */
  readonly requests: number;
  /** Requests validated again (not counting those already replayed). */
  readonly checked: number;
  /** Requests that pass now: replayed, failed to store, or (dry run) would be replayed. */
  readonly nowValid: number;
  readonly replayed: number;
  /** Items written by the replayed requests. */
  readonly itemsWritten: number;
  /** Items a later change updated after the request was refused: left as they are. */
  readonly itemsSuperseded: number;
  /** Requests a previous run already replayed (in the ledger): skipped. */
  readonly alreadyReplayed: number;
  /** Requests whose items were not all stored: not in the ledger, a later run retries them. */
  readonly writeFailed: number;
  /** Requests still refused, by their current reason. */
  readonly stillInvalid: Readonly<Record<string, number>>;
  /** Requests that cannot be replayed (a truncated body), by original reason. */
  readonly notReplayable: Readonly<Record<string, number>>;
  readonly ledgersWritten: number;
  readonly examples: readonly StillInvalidRequest[];
  readonly failures: readonly CatalogueReplayFailure[];
}

const LISTED_EXAMPLES = 10;

/** Validates the quarantined catalogue requests again and stores those that pass; see the module comment. */
export async function replayCatalogueQuarantine(
  options: CatalogueReplayOptions,
): Promise<CatalogueReplaySummary> {
  const dryRun = options.dryRun ?? false;
  const { sink, store } = options;
  if (!dryRun && !sink) throw new Error('replayCatalogueQuarantine: a sink is required unless dryRun');
  const now = options.now ?? (() => new Date());
  const quarantinePrefix = normalizePrefix(options.quarantinePrefix ?? QUARANTINE_PREFIX);
  const ledgerPrefix = normalizePrefix(options.ledgerPrefix ?? DEFAULT_LEDGER_PREFIX);
  const counts = {
    requests: 0,
    checked: 0,
    nowValid: 0,
    replayed: 0,
    itemsWritten: 0,
    itemsSuperseded: 0,
    alreadyReplayed: 0,
    writeFailed: 0,
    ledgersWritten: 0,
  };
  const stillInvalid: Record<string, number> = {};
  const notReplayable: Record<string, number> = {};
  const examples: StillInvalidRequest[] = [];
  const failures: CatalogueReplayFailure[] = [];
  const bump = (map: Record<string, number>, key: string) => {
    map[key] = (map[key] ?? 0) + 1;
  };

  for (const key of await quarantineKeys(store, quarantinePrefix, options)) {
    const text = await store.get(key);
    if (text === undefined) continue;
    const ledgerKey = ledgerKeyFor(key, quarantinePrefix, ledgerPrefix);
    let ledger: ReturnType<typeof parseLedger> | undefined;
    let touched = false;
    const lines = text.split('\n');
    for (let line = 0; line < lines.length; line++) {
      const raw = lines[line]?.trim();
      const record = raw ? parseQuarantineLine(raw) : undefined;
      if (!record || !isCatalogueRecord(record)) continue;
      counts.requests++;
      ledger ??= parseLedger(await store.get(ledgerKey), key);
      const entryId = String(line);
      if (Object.hasOwn(ledger.replayed, entryId)) {
        counts.alreadyReplayed++;
        continue;
      }
      if (record.truncated) {
        bump(notReplayable, `${record.reason} (truncated)`);
        continue;
      }
      counts.checked++;
      const parsed = parseCatalogueBody(record.rawPayload);
      if (!parsed.ok) {
        bump(stillInvalid, parsed.code);
        if (examples.length < LISTED_EXAMPLES)
          examples.push({ key, line: line + 1, reason: parsed.code, message: parsed.message });
        continue;
      }
      counts.nowValid++;
      if (dryRun) continue;
      const refusedAt = validDate(record.receivedAt) ?? new Date(0);
      const result = await (sink as CatalogueSink)(parsed.items, now(), { notUpdatedSince: refusedAt });
      counts.itemsWritten += result.written.length;
      counts.itemsSuperseded += result.superseded?.length ?? 0;
      const problem =
        result.notLogged !== undefined
          ? { itemIds: result.written, message: `stored but not logged to the lake: ${result.notLogged}` }
          : result.failed.length > 0
            ? {
                itemIds: result.failed.map((f) => f.itemId),
                message: result.failed.map((f) => `${f.itemId}: ${f.message}`).join('; '),
              }
            : undefined;
      if (problem) {
        counts.writeFailed++;
        failures.push({ key, line: line + 1, ...problem });
        continue;
      }
      counts.replayed++;
      ledger.replayed[entryId] = {
        line,
        index: null,
        itemIds: result.written,
        replayedAt: now().toISOString(),
      };
      touched = true;
    }
    if (touched && ledger) {
      await store.put(ledgerKey, `${JSON.stringify(ledger, null, 2)}\n`);
      counts.ledgersWritten++;
    }
  }
  return { dryRun, ...counts, stillInvalid, notReplayable, examples, failures };
}

export function formatCatalogueReplaySummary(summary: CatalogueReplaySummary): string {
  const rows: Array<[string, number]> = [
    ['requests', summary.requests],
    ['requests checked', summary.checked],
    ['now valid', summary.nowValid],
    [summary.dryRun ? 'would replay' : 'replayed', summary.dryRun ? summary.nowValid : summary.replayed],
    ['already replayed', summary.alreadyReplayed],
  ];
  if (!summary.dryRun)
    rows.push(
      ['items written', summary.itemsWritten],
      ['items superseded', summary.itemsSuperseded],
      ['write failed', summary.writeFailed],
    );
  return [
    'Refused catalogue requests (PUT /v1/items):',
    ...rows.map(([label, value]) => `  ${label.padEnd(20)}${value}`),
    ...countLines('still invalid', summary.stillInvalid),
    ...countLines('not replayable', summary.notReplayable),
  ].join('\n');
}

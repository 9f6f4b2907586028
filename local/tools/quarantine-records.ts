/**
 * Reading the lake's quarantine for the replays: the quarantine objects to look at (by rejection date and
 * reason, the `dt=`/`reason=` partitions of lambdas/shared/quarantine-layout.ts) and each line as a record
 * (the writers' format: lambdas/ingest/quarantine.ts). The event replay (quarantine-replay.ts) and the
 * catalogue replay (catalogue-replay.ts) both read it; a record of `PUT /v1/items` is the catalogue's.
 */
import { CATALOGUE_ROUTE } from '../../lambdas/shared/catalogue';
import type { ReplayStore } from './replay-store';

/** What a replay reads and where it keeps its ledgers; both replays take these. */
export interface QuarantineScanOptions {
  readonly store: ReplayStore;
  readonly dryRun?: boolean;
  /** @default 'quarantine/' */
  readonly quarantinePrefix?: string;
  /** @default 'quarantine-replays/' */
  readonly ledgerPrefix?: string;
  /** Only this rejection date (YYYY-MM-DD). */
  readonly dt?: string;
  /** Only this rejection reason. */
  readonly reason?: string;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** The fields of a quarantine record a replay needs. */
export interface QuarantineLine {
  readonly reason: string;
  readonly route: string;
  readonly index: number | null;
  readonly receivedAt: string;
  readonly rawPayload: string;
  readonly truncated: boolean;
}

/** The quarantine objects under `prefix`, only those of rejection date `dt` and reason `reason` when given. */
export async function quarantineKeys(
  store: ReplayStore,
  prefix: string,
  filter: { dt?: string; reason?: string },
): Promise<string[]> {
  let listPrefix = prefix;
  if (filter.dt) {
    listPrefix += `dt=${filter.dt}/`;
    if (filter.reason) listPrefix += `reason=${filter.reason}/`;
  }
  const keys = await store.list(listPrefix);
  return keys
    .filter((key) => key.endsWith('.jsonl'))
    .filter((key) => !filter.reason || key.includes(`/reason=${filter.reason}/`))
    .sort();
}

/** One line of a quarantine object, or undefined when it is not a quarantine record. */
export function parseQuarantineLine(text: string): QuarantineLine | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Record<string, unknown>;
  if (typeof r.reason !== 'string' || typeof r.rawPayload !== 'string') return undefined;
  return {
    reason: r.reason,
    route: typeof r.route === 'string' ? r.route : '/v1/events',
    index: typeof r.index === 'number' ? r.index : null,
    receivedAt: typeof r.receivedAt === 'string' ? r.receivedAt : '',
    rawPayload: r.rawPayload,
    truncated: r.truncated === true,
  };
}

/** Whether a record is a refused `PUT /v1/items` request (the catalogue replay's, not the event replay's). */
export function isCatalogueRecord(record: QuarantineLine): boolean {
  return record.route === CATALOGUE_ROUTE.path;
}

export function validDate(text: string): Date | undefined {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** Counts by reason as report lines: the total under `label`, then each reason, most frequent first. */
export function countLines(label: string, counts: Readonly<Record<string, number>>): string[] {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const out = [`  ${label.padEnd(20)}${total}`];
  for (const [reason, count] of Object.entries(counts).sort((a, b) => b[1] - a[1] || cmp(a[0], b[0])))
    out.push(`    ${reason.padEnd(18)}${count}`);
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The attribution metrics job: for every closed hour of event time not yet published, what the
 * recommendations earned per placement and variant (attribution-sql.ts), handed to the metrics sink once.
 * Domain code, no AWS: the lake (LakeSelect), the record of published hours and the sink are ports.
 *
 * An hour [h, h + 1 h) is closed when now >= h + 1 h + the lateness allowance; its query reads the events
 * received by then. Each run looks back `backfillHours` closed hours, so the hours a failed or skipped run
 * left out are published by the next one.
 *
 * Exactly once per hour: the hour is claimed in the published-hours store with a conditional write first,
 * and only the run that claimed it hands its rows to the sink. A rerun, a retry or two concurrent runs never
 * publish an hour twice. If the process dies between the claim and the sink's flush, that hour is missing
 * from the metrics (never doubled); its record says `claimed` and the named query still has the numbers.
 */
import { type AttributionRow, attributionQuery, HOUR_MS, parseAttributionRows } from './attribution-sql';

/** A SELECT on the lake: rows without the header, values as strings (the LakeSql port's `select`). */
export interface LakeSelect {
  select(sql: string): Promise<Array<Array<string | undefined>>>;
}

export interface HourSummary {
  readonly rows: number;
  readonly impressions: number;
  readonly clicks: number;
  readonly attributedPurchases: number;
  readonly attributedRevenue: number;
}

/** Which hours were published (in AWS: items of the JobRuns table, job `attribution`). */
export interface PublishedHoursStore {
  /** Starts (epoch ms) of the hours in [fromMs, toMs) already claimed. */
  claimedHours(fromMs: number, toMs: number): Promise<Set<number>>;
  /** Claims the hour; false when it was claimed before (another run published it). */
  claim(hourStartMs: number, summary: HourSummary, claimedAt: Date): Promise<boolean>;
}

/** Where an hour's numbers go (Powertools EMF in AWS; the local runtime's metrics file locally). */
export interface AttributionMetricsSink {
  publishHour(hourStartMs: number, rows: readonly AttributionRow[]): Promise<void>;
}

export interface AttributionJobSettings {
  /** @default DEFAULT_LATENESS_MS (1 hour) */
  readonly latenessMs?: number;
  /** Closed hours each run looks back over. @default DEFAULT_BACKFILL_HOURS (48) */
  readonly backfillHours?: number;
}

export const DEFAULT_LATENESS_MS = HOUR_MS;
export const DEFAULT_BACKFILL_HOURS = 48;

export interface AttributionJobDeps {
  readonly lake: LakeSelect;
  readonly hours: PublishedHoursStore;
  readonly sink: AttributionMetricsSink;
}

export interface AttributionJobResult {
  /** Hours this run published, oldest first (epoch ms of their start). */
  readonly published: number[];
  /** Hours found already published (by an earlier or a concurrent run). */
  readonly skipped: number[];
  readonly rows: number;
}

/** Starts of the closed hours a run at `nowMs` considers, oldest first. */
export function closedHours(nowMs: number, latenessMs: number, backfillHours: number): number[] {
  const end = Math.floor((nowMs - latenessMs) / HOUR_MS) * HOUR_MS;
  return Array.from({ length: backfillHours }, (_, i) => end - (backfillHours - i) * HOUR_MS);
}

export function summarize(rows: readonly AttributionRow[]): HourSummary {
  const sum = (f: (r: AttributionRow) => number) => rows.reduce((total, r) => total + f(r), 0);
  return {
    rows: rows.length,
    impressions: sum((r) => r.impressions),
    clicks: sum((r) => r.clicks),
    attributedPurchases: sum((r) => r.attributedPurchases),
    attributedRevenue: Math.round(sum((r) => r.attributedRevenue) * 1e6) / 1e6,
  };
}

export async function runAttributionJob(
  deps: AttributionJobDeps,
  now: Date,
  settings: AttributionJobSettings = {},
): Promise<AttributionJobResult> {
  const latenessMs = settings.latenessMs ?? DEFAULT_LATENESS_MS;
  const backfillHours = settings.backfillHours ?? DEFAULT_BACKFILL_HOURS;
  if (!Number.isInteger(backfillHours) || backfillHours < 1 || backfillHours > 24 * 31)
    throw new Error(`backfillHours must be an integer in [1, 744], got ${backfillHours}`);
  const candidates = closedHours(now.getTime(), latenessMs, backfillHours);
  const first = candidates[0] as number;
  const claimed = await deps.hours.claimedHours(first, first + backfillHours * HOUR_MS);
  const pending = candidates.filter((h) => !claimed.has(h));
  const skipped = candidates.filter((h) => claimed.has(h));
  if (pending.length === 0) return { published: [], skipped, rows: 0 };

  const hourFromMs = pending[0] as number;
  const hourToMs = (pending.at(-1) as number) + HOUR_MS;
  const rows = parseAttributionRows(
    await deps.lake.select(attributionQuery({ hourFromMs, hourToMs, latenessMs })),
  );
  const byHour = new Map<number, AttributionRow[]>();
  for (const row of rows) {
    const list = byHour.get(row.hourStartMs) ?? [];
    list.push(row);
    byHour.set(row.hourStartMs, list);
  }

  const published: number[] = [];
  let publishedRows = 0;
  for (const hour of pending) {
    const hourRows = byHour.get(hour) ?? [];
    if (!(await deps.hours.claim(hour, summarize(hourRows), now))) {
      skipped.push(hour);
      continue;
    }
    await deps.sink.publishHour(hour, hourRows);
    published.push(hour);
    publishedRows += hourRows.length;
  }
  return { published, skipped: skipped.sort((a, b) => a - b), rows: publishedRows };
}

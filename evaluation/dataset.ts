/**
 * The event data an evaluation runs on, from either source, as canonical events sorted by event time:
 *
 *   --uci DIR        the UCI Online Retail daily CSVs through the importer (local/uci-retail.ts)
 *   --events FILE    canonical events as JSON lines (or one JSON array), as the ingest API stores them:
 *                    views, carts, purchases, any source. Every line is validated like a backfill; lines
 *                    that fail go to `<FILE>.rejected.jsonl` with their reason, never silently dropped.
 *
 * Duplicate eventIds (producer retries) count once, and freshness-canary events never count, as in the
 * stream consumer and the batch jobs.
 */

import { isCanaryEvent } from '../lambdas/shared/canary';
import type { CanonicalEvent } from '../lambdas/shared/events';
import { profileKeyOf } from '../lambdas/shared/profile-record';
import { planBackfill, type Rejection, rejectedPathFor, writeRejectionReport } from '../local/tools/backfill';
import { JsonFileEventSource } from '../local/tools/backfill-source';
import { importUciRetail, UCI_ATTRIBUTION, type UciImportReport } from '../local/tools/uci-retail';

export interface Dataset {
  /** For reports: the folder or file it came from. */
  readonly source: string;
  readonly attribution?: string;
  /** Sorted by occurredAt (then eventId); one per eventId; no canary traffic. */
  readonly events: readonly CanonicalEvent[];
  readonly report: DatasetReport;
}

export interface DatasetReport {
  readonly events: number;
  readonly users: number;
  readonly firstAt?: string;
  readonly lastAt?: string;
  readonly duplicates: number;
  readonly canaryEvents: number;
  /** Lines of an events file that failed validation (written to `rejectedFile`). */
  readonly rejected?: number;
  readonly rejectedFile?: string;
  readonly uci?: UciImportReport;
}

export function loadUci(dir: string): Dataset {
  const { events, report } = importUciRetail(dir);
  return build(dir, events, { uci: report }, UCI_ATTRIBUTION);
}

export async function loadEventsFile(path: string): Promise<Dataset> {
  const plan = await planBackfill(new JsonFileEventSource(path));
  const rejections: readonly Rejection[] = plan.rejections;
  let rejectedFile: string | undefined;
  if (rejections.length > 0) {
    rejectedFile = rejectedPathFor(path);
    writeRejectionReport(rejectedFile, rejections);
  }
  return build(
    path,
    plan.records.map((r) => r.event),
    { rejected: rejections.length, ...(rejectedFile ? { rejectedFile } : {}) },
  );
}

/** Sorts, drops duplicate eventIds and canary traffic, and summarises. Exported for tests. */
export function build(
  source: string,
  input: readonly CanonicalEvent[],
  extra: Partial<DatasetReport>,
  attribution?: string,
): Dataset {
  const seen = new Set<string>();
  let duplicates = 0;
  let canaryEvents = 0;
  const events: CanonicalEvent[] = [];
  for (const event of input) {
    if (seen.has(event.eventId)) {
      duplicates++;
      continue;
    }
    seen.add(event.eventId);
    if (isCanaryEvent(event)) {
      canaryEvents++;
      continue;
    }
    events.push(event);
  }
  events.sort(
    (a, b) => timeOf(a) - timeOf(b) || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0),
  );
  const users = new Set(events.map((e) => profileKeyOf(e)));
  return {
    source,
    ...(attribution ? { attribution } : {}),
    events,
    report: {
      events: events.length,
      users: users.size,
      ...(events.length > 0
        ? { firstAt: events[0]?.occurredAt, lastAt: events[events.length - 1]?.occurredAt }
        : {}),
      duplicates,
      canaryEvents,
      ...extra,
    },
  };
}

/** Event time in epoch ms (ISO strings of different precision do not sort as text). */
export function timeOf(event: Pick<CanonicalEvent, 'occurredAt'>): number {
  return Date.parse(event.occurredAt);
}

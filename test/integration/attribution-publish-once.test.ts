/**
 * The attribution metrics job publishes each closed hour exactly once: the published hours are claimed in
 * the JobRuns table (DynamoPublishedHours, on dynalite or moto) with a conditional write before the sink
 * sees them, so a rerun at the same time, a later run, and two runs at once never hand an hour to the
 * sink twice; a run after a gap publishes the hours the gap left out; open hours (inside the lateness
 * allowance) wait. The lake is a fake that answers the query's rows for the hours it is asked about and
 * records the hours of every query.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  type AttributionMetricsSink,
  closedHours,
  type LakeSelect,
  runAttributionJob,
} from '../../lambdas/attribution/attribution-job';
import { type AttributionRow, HOUR_MS } from '../../lambdas/attribution/attribution-sql';
import { DynamoPublishedHours, hourRunId } from '../../lambdas/attribution/dynamo-published-hours';
import { type RunningEmulator, startDynamoDb } from '../../local/emulators';
import { localDocumentClient } from '../support/feature-tables';
import { createJobTables } from '../support/job-tables';

let emulator: RunningEmulator;
let client: DynamoDBDocumentClient;
let n = 0;

beforeAll(async () => {
  emulator = await startDynamoDb();
  client = localDocumentClient(emulator.endpoint);
});
afterAll(async () => {
  await emulator?.stop();
});

/** Two rows per hour in the range the SQL asks for (its hourFrom/hourTo literals), one for each variant. */
class FakeLake implements LakeSelect {
  readonly ranges: Array<[string, string]> = [];
  async select(sql: string): Promise<Array<Array<string | undefined>>> {
    const from = /occurred_at >= TIMESTAMP '([^']+)'/.exec(sql)?.[1] as string;
    const to = /occurred_at < TIMESTAMP '([^']+)'/.exec(sql)?.[1] as string;
    this.ranges.push([from, to]);
    const rows: Array<Array<string | undefined>> = [];
    for (let h = Date.parse(`${from}Z`); h < Date.parse(`${to}Z`); h += HOUR_MS)
      for (const variant of ['control', 'treatment'])
        rows.push([String(h), 'for-you', variant, '10', '2', '1', '3', '12.5']);
    return rows;
  }
}

class RecordingSink implements AttributionMetricsSink {
  readonly hours: number[] = [];
  readonly rows: AttributionRow[] = [];
  async publishHour(hour: number, rows: readonly AttributionRow[]) {
    this.hours.push(hour);
    this.rows.push(...rows);
  }
}

async function setup() {
  const names = await createJobTables(client, `A${++n}`);
  return {
    hours: new DynamoPublishedHours(names.jobRuns, client),
    lake: new FakeLake(),
    sink: new RecordingSink(),
  };
}

const NOW = new Date('2026-12-03T15:20:00.000Z');
const h = (iso: string) => Date.parse(iso);

it('publishes the closed hours of the look-back once, and a rerun publishes nothing', async () => {
  const { hours, lake, sink } = await setup();
  const first = await runAttributionJob({ lake, hours, sink }, NOW, {
    latenessMs: HOUR_MS,
    backfillHours: 3,
  });
  // 15:20 - 1 h lateness = 14:20: the hours 11, 12 and 13 are closed; 14 is not.
  expect(first.published).toEqual([
    h('2026-12-03T11:00:00Z'),
    h('2026-12-03T12:00:00Z'),
    h('2026-12-03T13:00:00Z'),
  ]);
  expect(sink.hours).toEqual(first.published);
  expect(sink.rows).toHaveLength(6);
  expect(sink.rows[0]).toEqual({
    hourStartMs: h('2026-12-03T11:00:00Z'),
    placement: 'for-you',
    variant: 'control',
    impressions: 10,
    clicks: 2,
    attributedPurchases: 1,
    attributedUnits: 3,
    attributedRevenue: 12.5,
  });

  const again = await runAttributionJob({ lake, hours, sink }, NOW, {
    latenessMs: HOUR_MS,
    backfillHours: 3,
  });
  expect(again.published).toEqual([]);
  expect(again.skipped).toEqual(first.published);
  expect(sink.hours).toHaveLength(3);
  // Nothing pending: the rerun does not even query the lake.
  expect(lake.ranges).toHaveLength(1);
});

it('an hour later publishes only the newly closed hour, and after a gap the hours the gap left out', async () => {
  const { hours, lake, sink } = await setup();
  const settings = { latenessMs: HOUR_MS, backfillHours: 6 };
  await runAttributionJob({ lake, hours, sink }, NOW, settings);
  const next = await runAttributionJob({ lake, hours, sink }, new Date(NOW.getTime() + HOUR_MS), settings);
  expect(next.published).toEqual([h('2026-12-03T14:00:00Z')]);
  expect(lake.ranges.at(-1)).toEqual(['2026-12-03 14:00:00.000', '2026-12-03 15:00:00.000']);
  const afterGap = await runAttributionJob(
    { lake, hours, sink },
    new Date(NOW.getTime() + 4 * HOUR_MS),
    settings,
  );
  expect(afterGap.published).toEqual([
    h('2026-12-03T15:00:00Z'),
    h('2026-12-03T16:00:00Z'),
    h('2026-12-03T17:00:00Z'),
  ]);
  expect(new Set(sink.hours).size).toBe(sink.hours.length);
});

it('of two runs at once, each hour goes to exactly one', async () => {
  const { hours, lake } = await setup();
  const a = new RecordingSink();
  const b = new RecordingSink();
  const settings = { latenessMs: HOUR_MS, backfillHours: 12 };
  const [ra, rb] = await Promise.all([
    runAttributionJob({ lake, hours, sink: a }, NOW, settings),
    runAttributionJob({ lake, hours, sink: b }, NOW, settings),
  ]);
  expect([...a.hours, ...b.hours].sort()).toEqual(closedHours(NOW.getTime(), HOUR_MS, 12));
  expect([...ra.published, ...rb.published].sort()).toEqual(closedHours(NOW.getTime(), HOUR_MS, 12));
});

it('records each published hour in JobRuns with its totals, under the attribution job', async () => {
  const { hours, lake, sink } = await setup();
  await runAttributionJob({ lake, hours, sink }, NOW, { latenessMs: HOUR_MS, backfillHours: 1 });
  expect(hourRunId(h('2026-12-03T13:00:00Z'))).toBe('hour#2026-12-03T13');
  expect(await hours.claimedHours(h('2026-12-03T00:00:00Z'), h('2026-12-04T00:00:00Z'))).toEqual(
    new Set([h('2026-12-03T13:00:00Z')]),
  );
  expect(
    await hours.claim(
      h('2026-12-03T13:00:00Z'),
      { rows: 0, impressions: 0, clicks: 0, attributedPurchases: 0, attributedRevenue: 0 },
      NOW,
    ),
  ).toBe(false);
});

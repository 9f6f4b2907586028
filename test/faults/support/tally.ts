/**
 * The three-way count of one scenario, each side read from where it lives:
 *
 * - accepted: distinct eventIds the ingest API answered as stored (recorded by the clients);
 * - lake: the scenario's rows in `events_unique` (one per event: what every count reads) and, per event, its
 *   rows in the raw `events` table (one per delivered copy, at least once), DuckDB over the local lake
 *   (local/lake-query.ts, the same table and view Athena's Glue catalog gives);
 * - profiles: the sum of `counts` over the scenario's profiles in DynamoDB, compared user by user with the
 *   counts computed here from the accepted events;
 * - items: the counters of the scenario's ItemStats `TOTAL` rows, compared item by item with counters
 *   computed here from the accepted events (and the hourly rows, which must add up to the same).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand, type ScanCommandInput } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { EVENTS_UNIQUE_VIEW } from '../../../lambdas/shared/events/lake-views';
import { LocalLake, sqlString } from '../../../local/lake/query';
import type { SimEvent } from '../../../local/traffic/simulator';
import type { RuntimeInfo } from './protocol';

const ITEM_COUNTERS = ['views', 'carts', 'removes', 'purchases', 'units'] as const;
type ItemCounters = Record<(typeof ITEM_COUNTERS)[number], number>;

export interface Tally {
  readonly accepted: number;
  /** Rows in the raw `events` table: one per delivered copy. */
  readonly lakeRows: number;
  /** Rows in `events_unique`: one per event. */
  readonly lakeUnique: number;
  /** Accepted eventIds not in events_unique, events_unique eventIds the API never accepted, and eventIds with more than one events_unique row. */
  readonly lakeMissing: number;
  readonly lakeUnexpected: number;
  readonly lakeUniqueRepeated: number;
  /** Lake rows beyond the number of requests that carried their event: copies the pipeline made itself. */
  readonly lakeCopiesBeyondSends: number;
  /** Sum of `counts` over the scenario's profiles, and the same from the accepted events. */
  readonly profileEvents: number;
  readonly expectedProfileEvents: number;
  readonly profilesDiffering: number;
  /** Sum of the item counters (views, carts, removes, purchases, units) on `TOTAL` rows, and expected. */
  readonly itemCounters: number;
  readonly expectedItemCounters: number;
  readonly itemsDiffering: number;
  /** Whether the hourly rows add up to the `TOTAL` rows, counter by counter. */
  readonly hourlyMatchTotals: boolean;
  /** A few concrete differences of each kind, for failure messages. */
  readonly examples: {
    readonly lake: readonly string[];
    readonly duplicates: readonly string[];
    readonly applied: readonly string[];
  };
}

const EXAMPLES = 5;

export interface ClientRecord {
  /** eventIds the API answered as stored. */
  readonly accepted: ReadonlySet<string>;
  /** How many requests carried each eventId. */
  readonly sendCounts: ReadonlyMap<string, number>;
}

export async function tally(
  runtime: RuntimeInfo,
  prefix: string,
  sent: readonly SimEvent[],
  client: ClientRecord,
): Promise<Tally> {
  const acceptedIds = client.accepted;
  const examples = { lake: [] as string[], duplicates: [] as string[], applied: [] as string[] };
  const note = (kind: keyof typeof examples, text: string) => {
    if (examples[kind].length < EXAMPLES) examples[kind].push(text);
  };
  const accepted = uniqueAccepted(sent, acceptedIds);
  const mine = [...acceptedIds].filter((id) => id.startsWith(prefix));

  const { raw: lakeIds, unique: uniqueIds } = await lakeEventIds(runtime.lakeDir, prefix);
  const lakeRows = sumValues(Object.fromEntries(lakeIds));
  const missing = mine.filter((id) => !uniqueIds.has(id));
  const unexpected = [...uniqueIds.keys()].filter((id) => !acceptedIds.has(id));
  const repeated = [...uniqueIds].filter(([, n]) => n > 1);
  for (const id of missing) note('lake', `accepted but not in ${EVENTS_UNIQUE_VIEW}: ${id}`);
  for (const id of unexpected) note('lake', `in ${EVENTS_UNIQUE_VIEW} but never accepted: ${id}`);
  for (const [id, n] of repeated) note('lake', `${n} rows in ${EVENTS_UNIQUE_VIEW} for ${id}`);
  let lakeCopiesBeyondSends = 0;
  for (const [id, n] of lakeIds) {
    const sends = client.sendCounts.get(id) ?? 0;
    if (n > sends) note('duplicates', `${n} lake rows for ${id}, sent ${sends} times`);
    lakeCopiesBeyondSends += Math.max(0, n - sends);
  }

  const documents = dynamoClient(runtime);
  const profiles = await scan(documents, {
    TableName: runtime.profilesTable,
    FilterExpression: 'begins_with(userId, :user) OR begins_with(userId, :visitor)',
    ExpressionAttributeValues: { ':user': prefix, ':visitor': `anon#${prefix}` },
    ProjectionExpression: 'userId, #counts',
    ExpressionAttributeNames: { '#counts': 'counts' },
  });
  const expectedProfiles = profileCounts(accepted);
  let profileEvents = 0;
  let profilesDiffering = 0;
  const seenProfiles = new Set<string>();
  for (const profile of profiles) {
    const userId = String(profile.userId);
    seenProfiles.add(userId);
    const counts = (profile.counts ?? {}) as Record<string, number>;
    profileEvents += sumValues(counts);
    const expected = expectedProfiles.get(userId) ?? {};
    if (!sameCounts(counts, expected)) {
      profilesDiffering++;
      note(
        'applied',
        `profile ${userId}: counts ${JSON.stringify(counts)}, expected ${JSON.stringify(expected)}`,
      );
    }
  }
  for (const userId of expectedProfiles.keys()) {
    if (!seenProfiles.has(userId)) {
      profilesDiffering++;
      note('applied', `profile ${userId} missing`);
    }
  }

  const rows = await scan(documents, {
    TableName: runtime.itemStatsTable,
    FilterExpression: 'begins_with(itemId, :item)',
    ExpressionAttributeValues: { ':item': prefix },
  });
  const totals = new Map<string, ItemCounters>();
  const hourly = new Map<string, ItemCounters>();
  for (const row of rows) {
    const into = row.bucket === 'TOTAL' ? totals : hourly;
    const counters = into.get(String(row.itemId)) ?? zeroCounters();
    for (const counter of ITEM_COUNTERS) counters[counter] += Number(row[counter] ?? 0);
    into.set(String(row.itemId), counters);
  }
  const expectedItems = itemCounts(accepted);
  let itemsDiffering = 0;
  for (const itemId of new Set([...totals.keys(), ...expectedItems.keys()])) {
    const actual = totals.get(itemId) ?? zeroCounters();
    const expected = expectedItems.get(itemId) ?? zeroCounters();
    if (!sameCounts(actual, expected)) {
      itemsDiffering++;
      note('applied', `item ${itemId}: ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
    }
  }
  const hourlyMatchTotals = [...totals.keys(), ...hourly.keys()].every((itemId) =>
    sameCounts(hourly.get(itemId) ?? zeroCounters(), totals.get(itemId) ?? zeroCounters()),
  );

  return {
    accepted: mine.length,
    lakeRows,
    lakeUnique: sumValues(Object.fromEntries(uniqueIds)),
    lakeMissing: missing.length,
    lakeUnexpected: unexpected.length,
    lakeUniqueRepeated: repeated.length,
    lakeCopiesBeyondSends,
    profileEvents,
    expectedProfileEvents: accepted.length,
    profilesDiffering,
    itemCounters: sumCounters(totals),
    expectedItemCounters: sumCounters(expectedItems),
    itemsDiffering,
    hourlyMatchTotals,
    examples,
  };
}

/** The sent events the API accepted, each once (a resend is the same event). */
function uniqueAccepted(sent: readonly SimEvent[], acceptedIds: ReadonlySet<string>): SimEvent[] {
  const byId = new Map<string, SimEvent>();
  for (const event of sent) if (acceptedIds.has(event.eventId)) byId.set(event.eventId, event);
  return [...byId.values()];
}

function profileCounts(events: readonly SimEvent[]): Map<string, Record<string, number>> {
  const counts = new Map<string, Record<string, number>>();
  for (const event of events) {
    const key = event.userId ?? `anon#${event.anonymousId}`;
    const row = counts.get(key) ?? {};
    row[event.type] = (row[event.type] ?? 0) + 1;
    counts.set(key, row);
  }
  return counts;
}

/** Item counters from the events themselves: one view, cart or removal per event, one purchase per order line. */
function itemCounts(events: readonly SimEvent[]): Map<string, ItemCounters> {
  const items = new Map<string, ItemCounters>();
  const bump = (itemId: string, counter: keyof ItemCounters, by = 1) => {
    const row = items.get(itemId) ?? zeroCounters();
    row[counter] += by;
    items.set(itemId, row);
  };
  for (const event of events) {
    if (event.type === 'product_view') bump(event.itemId, 'views');
    else if (event.type === 'add_to_cart') bump(event.itemId, 'carts');
    else if (event.type === 'remove_from_cart') bump(event.itemId, 'removes');
    else if (event.type === 'purchase') {
      for (const line of event.lineItems) {
        bump(line.itemId, 'purchases');
        bump(line.itemId, 'units', line.quantity);
      }
    }
  }
  return items;
}

/** Rows per eventId of the scenario, in the raw table (one per delivered copy) and in events_unique. */
async function lakeEventIds(
  lakeDir: string,
  prefix: string,
): Promise<{ raw: Map<string, number>; unique: Map<string, number> }> {
  const lake = await LocalLake.open(lakeDir);
  const rowsPerEvent = async (table: string) => {
    const result = await lake.runQuery(
      `SELECT event_id, count(*) AS n FROM ${table} WHERE starts_with(event_id, ${sqlString(prefix)}) GROUP BY event_id`,
    );
    return new Map(result.rows.map(([id, n]) => [String(id), Number(n)]));
  };
  try {
    return { raw: await rowsPerEvent('events'), unique: await rowsPerEvent(EVENTS_UNIQUE_VIEW) };
  } finally {
    await lake.close();
  }
}

function dynamoClient(runtime: RuntimeInfo): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: runtime.dynamoEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      requestHandler: new NodeHttpHandler(),
    }),
  );
}

async function scan(
  client: DynamoDBDocumentClient,
  input: ScanCommandInput,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new ScanCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

function zeroCounters(): ItemCounters {
  return { views: 0, carts: 0, removes: 0, purchases: 0, units: 0 };
}

function sumValues(record: Readonly<Record<string, number>>): number {
  return Object.values(record).reduce((sum, n) => sum + Number(n), 0);
}

function sumCounters(rows: ReadonlyMap<string, ItemCounters>): number {
  let total = 0;
  for (const row of rows.values()) total += sumValues(row);
  return total;
}

function sameCounts(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((key) => Number(a[key] ?? 0) === Number(b[key] ?? 0));
}

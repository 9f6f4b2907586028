/**
 * Helpers for the batch-job SQL tests: hand-made interactions with chosen event and arrival times,
 * written to a temporary lake as the local Firehose delivery writes them, and the job steps run on
 * DuckDB over it (local/job-engine.ts), with their outputs read back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CfRunParams,
  type CfStats,
  cfQuerySteps,
  DEFAULT_CF_SETTINGS,
  DEFAULT_TRENDING_SETTINGS,
  type SimilarityRow,
  type TrendingRow,
  type TrendingRunParams,
  type TrendingStats,
  trendingQuerySteps,
} from '../../lambdas/jobs/job-sql';
import { type CanonicalEvent, normalizeEvent } from '../../lambdas/shared/events';
import { readJsonRows, runQueryStepLocally } from '../../local/jobs/engine';
import type { BucketLocation } from '../../local/lake/bucket-storage';
import { openLocalLake, rowObjects } from '../../local/lake/query';
import { writeFixtureEvents } from './lake-fixtures';

export function tempLake(): { lakeDir: string; remove: () => void } {
  const lakeDir = mkdtempSync(join(tmpdir(), 'recostream-jobs-'));
  return { lakeDir, remove: () => rmSync(lakeDir, { recursive: true, force: true }) };
}

let counter = 0;

export interface InteractionTimes {
  /** Event time (ISO). */
  readonly at: string;
  /** Arrival time (ISO). @default at */
  readonly receivedAt?: string;
}

/**
 * A canonical event from an API input, normalised by the API's own code with the given arrival time (as
 * the canary's key would send it: fixtures include canary users, whom every job must leave out).
 */
export function canonical(input: Record<string, unknown>, receivedAt: string): CanonicalEvent {
  const result = normalizeEvent(input, { receivedAt: new Date(receivedAt), allowCanaryUserIds: true });
  if (!result.ok) throw new Error(`test event rejected: ${JSON.stringify(result.rejection)}`);
  return result.event;
}

function who(user: string): Record<string, string> {
  return user.startsWith('anon:') ? { anonymousId: user.slice(5) } : { userId: user };
}

export function view(user: string, itemId: string, t: InteractionTimes, category = 'cat-a'): CanonicalEvent {
  counter++;
  return canonical(
    { type: 'product_view', eventId: `v-${counter}`, ...who(user), itemId, category, occurredAt: t.at },
    t.receivedAt ?? t.at,
  );
}

export function cart(user: string, itemId: string, t: InteractionTimes, category = 'cat-a'): CanonicalEvent {
  counter++;
  return canonical(
    {
      type: 'add_to_cart',
      eventId: `c-${counter}`,
      ...who(user),
      itemId,
      category,
      quantity: 1,
      occurredAt: t.at,
    },
    t.receivedAt ?? t.at,
  );
}

export function purchase(
  user: string,
  items: ReadonlyArray<string | { itemId: string; category?: string }>,
  t: InteractionTimes,
): CanonicalEvent {
  counter++;
  return canonical(
    {
      type: 'purchase',
      eventId: `p-${counter}`,
      ...who(user),
      orderId: `o-${counter}`,
      currency: 'EUR',
      occurredAt: t.at,
      lineItems: items.map((item) =>
        typeof item === 'string'
          ? { itemId: item, quantity: 1, price: 1 }
          : { ...item, quantity: 1, price: 1 },
      ),
    },
    t.receivedAt ?? t.at,
  );
}

export async function writeEvents(lakeDir: BucketLocation, events: readonly CanonicalEvent[]): Promise<void> {
  await writeFixtureEvents(events, lakeDir);
}

export interface CfOutput {
  readonly similarity: SimilarityRow[];
  readonly stats: CfStats;
}

export type CfOverrides = Partial<CfRunParams> & Pick<CfRunParams, 'runId' | 'windowTo'>;

/** Runs the three cf steps in order on the local lake and reads the similarity and stats back. */
export async function runCf(lakeDir: string, params: CfOverrides): Promise<CfOutput> {
  for (const step of cfQuerySteps({ ...DEFAULT_CF_SETTINGS, ...params }))
    await runQueryStepLocally(step, lakeDir);
  const similarity = (await readJsonRows(
    join(lakeDir, 'jobs/cf/results', `run=${params.runId}`),
  )) as unknown[];
  const [stats] = (await readJsonRows(join(lakeDir, 'jobs/cf/stats', `run=${params.runId}`))) as unknown[];
  return { similarity: similarity as SimilarityRow[], stats: stats as CfStats };
}

export interface TrendingOutput {
  readonly trending: TrendingRow[];
  readonly stats: TrendingStats;
}

export async function runTrending(
  lakeDir: string,
  params: Partial<TrendingRunParams> & Pick<TrendingRunParams, 'runId' | 'windowTo'>,
): Promise<TrendingOutput> {
  for (const step of trendingQuerySteps({ ...DEFAULT_TRENDING_SETTINGS, ...params }))
    await runQueryStepLocally(step, lakeDir);
  const trending = (await readJsonRows(
    join(lakeDir, 'jobs/trending/results', `run=${params.runId}`),
  )) as unknown[];
  const [stats] = (await readJsonRows(
    join(lakeDir, 'jobs/trending/stats', `run=${params.runId}`),
  )) as unknown[];
  return { trending: trending as TrendingRow[], stats: stats as TrendingStats };
}

/** The cf_state rows of a run, sorted, timestamps as ISO strings. */
export async function readCfState(lakeDir: string, runId: string): Promise<Record<string, unknown>[]> {
  const lake = await openLocalLake(lakeDir);
  try {
    const result = await lake.runQuery(
      `SELECT user_key, item_id, views, carts, purchases, category, strftime(last_event_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS last_event_at
       FROM cf_state WHERE run = '${runId.replace(/'/g, "''")}' ORDER BY user_key, item_id`,
    );
    return rowObjects(result);
  } finally {
    await lake.close();
  }
}

/** `{ 'A>B': row }`: similarity rows by directed pair. */
export function byPair(rows: readonly SimilarityRow[]): Record<string, SimilarityRow> {
  return Object.fromEntries(rows.map((r) => [`${r.item_id}>${r.neighbour_id}`, r]));
}

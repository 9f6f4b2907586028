/**
 * The canary's ports over HTTP (ingest API, recommendation API) and DynamoDB (Profiles), shared by the
 * Lambda and local runs.
 */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { basicAuthorizationFor } from '../authorizer/write-keys';
import { LEDGER_ATTRIBUTE, ledgerHasEvent } from '../shared/event-ledger';
import { answerReflectsView, type CanaryEvent } from './freshness';

/** `base` joined with a relative path, whether or not the base URL ends in `/` (stage URLs do). */
function endpoint(baseUrl: string, path: string): URL {
  return new URL(path, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
}

/** POST {ingestBaseUrl}v1/events with the write key; throws unless the event was accepted. */
export function httpIngestSender(
  ingestBaseUrl: string,
  writeKey: string,
): (event: CanaryEvent) => Promise<void> {
  const url = endpoint(ingestBaseUrl, 'v1/events');
  return async (event) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basicAuthorizationFor(writeKey) },
      body: JSON.stringify({ events: [event] }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${text.slice(0, 300)}`);
    const body = JSON.parse(text) as { accepted?: number };
    if (body.accepted !== 1) throw new Error(`event not accepted: ${text.slice(0, 300)}`);
  };
}

/** Consistent read of the profile's event ledger (lambdas/shared/event-ledger.ts): was the event applied? */
export function dynamoProfileCheck(
  client: DynamoDBDocumentClient,
  profilesTable: string,
): (userId: string, eventId: string) => Promise<boolean> {
  return async (userId, eventId) => {
    const out = await client.send(
      new GetCommand({
        TableName: profilesTable,
        Key: { userId },
        ProjectionExpression: LEDGER_ATTRIBUTE,
        ConsistentRead: true,
      }),
    );
    const ledger = out.Item?.[LEDGER_ATTRIBUTE];
    return ledger instanceof Uint8Array && ledgerHasEvent(ledger, eventId);
  };
}

export interface RecommendationApiClient {
  readonly baseUrl: string;
  readonly apiKey: string;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

type ItemList = { readonly items?: ReadonlyArray<{ readonly itemId?: unknown; readonly reason?: unknown }> };

async function getItems(client: RecommendationApiClient, path: string): Promise<ItemList> {
  const doFetch = client.fetch ?? fetch;
  const response = await doFetch(endpoint(client.baseUrl, path), {
    headers: { 'x-api-key': client.apiKey, accept: 'application/json' },
    signal: AbortSignal.timeout(5_000),
  });
  const text = await response.text();
  if (response.status !== 200)
    throw new Error(`GET /${path}: HTTP ${response.status}: ${text.slice(0, 300)}`);
  const body = JSON.parse(text) as ItemList;
  if (!Array.isArray(body.items)) throw new Error(`GET /${path}: no items array in ${text.slice(0, 300)}`);
  return body;
}

async function hasNeighbours(client: RecommendationApiClient, itemId: string): Promise<boolean> {
  const similar = await getItems(client, `v1/items/${encodeURIComponent(itemId)}/similar?limit=1`);
  return (similar.items?.length ?? 0) > 0;
}

/**
 * Picks an item with published neighbours: the cached choice while it still has neighbours (one cheap
 * call per run), else the first of the trending items that has some; undefined when none has (nothing
 * published yet). The cache lives as long as the returned function (a Lambda container). A search that
 * takes longer than `budgetMs` gives up with an error, so the run keeps its time for the measurement.
 */
export function httpItemPicker(
  client: RecommendationApiClient,
  options: { readonly candidates?: number; readonly budgetMs?: number; readonly now?: () => number } = {},
): () => Promise<string | undefined> {
  const { candidates = 20, budgetMs = 5_000, now = Date.now } = options;
  let chosen: string | undefined;
  return async () => {
    const started = now();
    if (chosen !== undefined && (await hasNeighbours(client, chosen))) return chosen;
    chosen = undefined;
    const trending = (await getItems(client, `v1/items/trending?limit=${candidates}`)).items ?? [];
    let checked = 0;
    for (const item of trending) {
      if (typeof item.itemId !== 'string') continue;
      if (now() - started > budgetMs)
        throw new Error(
          `no item with neighbours found in ${budgetMs} ms (${checked} of ${trending.length} checked)`,
        );
      checked++;
      if (await hasNeighbours(client, item.itemId)) {
        chosen = item.itemId;
        return chosen;
      }
    }
    return undefined;
  };
}

/**
 * Whether the user's recommendations name the event's item as the reason ("because you viewed <item>").
 * Asks for the maximum list so a neighbour whose reason is the view is not cut off by trending items.
 */
export function httpRecommendationsCheck(
  client: RecommendationApiClient,
  limit = 50,
): (userId: string, event: CanaryEvent) => Promise<boolean> {
  return async (userId, event) => {
    const answer = await getItems(
      client,
      `v1/users/${encodeURIComponent(userId)}/recommendations?limit=${limit}`,
    );
    return answerReflectsView(answer.items ?? [], event.itemId);
  };
}

/** The canary's ports over HTTP (ingest API) and DynamoDB (Profiles), shared by the Lambda and local runs. */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { basicAuthorizationFor } from '../authorizer/write-keys';
import type { CanaryEvent } from './freshness';

/** POST {ingestBaseUrl}v1/events with the write key; throws unless the event was accepted. */
export function httpIngestSender(
  ingestBaseUrl: string,
  writeKey: string,
): (event: CanaryEvent) => Promise<void> {
  const url = new URL('v1/events', ingestBaseUrl.endsWith('/') ? ingestBaseUrl : `${ingestBaseUrl}/`);
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

/** Consistent read of the profile's `seen` list (eventId, sequence number pairs). */
export function dynamoProfileCheck(
  client: DynamoDBDocumentClient,
  profilesTable: string,
): (userId: string, eventId: string) => Promise<boolean> {
  return async (userId, eventId) => {
    const out = await client.send(
      new GetCommand({
        TableName: profilesTable,
        Key: { userId },
        ProjectionExpression: 'seen',
        ConsistentRead: true,
      }),
    );
    const seen = (out.Item?.seen ?? []) as ReadonlyArray<readonly [string, string]>;
    return seen.some(([id]) => id === eventId);
  };
}

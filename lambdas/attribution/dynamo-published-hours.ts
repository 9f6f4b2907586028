/**
 * The published hours of the attribution metrics job, as items of the JobRuns table: partition `job` =
 * `attribution`, sort key `runId` = `hour#<yyyy-mm-ddThh>` (sorts by time), with the hour's totals and
 * the claim time. The claim is one conditional PutItem (attribute_not_exists), so of two runs exactly one
 * publishes an hour. Items expire (TTL `expiresAt`) after the look-back has long passed them.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { PUBLISHED_TTL_ATTRIBUTE } from '../shared/published';
import type { HourSummary, PublishedHoursStore } from './attribution-job';

/** The JobRuns partition of the attribution job (no cf/trending run or pointer ever uses it). */
export const ATTRIBUTION_JOB = 'attribution';
const HOUR_PREFIX = 'hour#';
/** Records are kept 90 days: far beyond any look-back (at most 31 days). */
const KEEP_SECONDS = 90 * 86_400;

export function hourRunId(hourStartMs: number): string {
  return `${HOUR_PREFIX}${new Date(hourStartMs).toISOString().slice(0, 13)}`;
}

function hourOfRunId(runId: string): number {
  return Date.parse(`${runId.slice(HOUR_PREFIX.length)}:00:00.000Z`);
}

export class DynamoPublishedHours implements PublishedHoursStore {
  constructor(
    private readonly tableName: string,
    private readonly client: DynamoDBDocumentClient,
  ) {}

  async claimedHours(fromMs: number, toMs: number): Promise<Set<number>> {
    const hours = new Set<number>();
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#job = :job AND runId BETWEEN :from AND :to',
          ExpressionAttributeNames: { '#job': 'job' },
          ExpressionAttributeValues: {
            ':job': ATTRIBUTION_JOB,
            ':from': hourRunId(fromMs),
            ':to': hourRunId(toMs - 1),
          },
          ProjectionExpression: 'runId',
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) hours.add(hourOfRunId(String(item.runId)));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return hours;
  }

  async claim(hourStartMs: number, summary: HourSummary, claimedAt: Date): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            job: ATTRIBUTION_JOB,
            runId: hourRunId(hourStartMs),
            hourStart: new Date(hourStartMs).toISOString(),
            status: 'claimed',
            claimedAt: claimedAt.toISOString(),
            ...summary,
            [PUBLISHED_TTL_ATTRIBUTE]: Math.floor(claimedAt.getTime() / 1000) + KEEP_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(runId)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

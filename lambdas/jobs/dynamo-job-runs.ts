/**
 * JobRuns in DynamoDB: one item per run (job + runId) and the active-version pointer under runId ACTIVE.
 * The pointer flips with one conditional UpdateItem on `revision`, so of two concurrent flips exactly one wins.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ACTIVE_POINTER_ID, type ActivePointer, type JobName } from '../shared/published';
import { type JobRunsPort, PointerConflictError } from './job-service';
import type { StoredRunRecord } from './versioning';

export class DynamoJobRuns implements JobRunsPort {
  constructor(
    private readonly tableName: string,
    private readonly client: DynamoDBDocumentClient,
  ) {}

  async getRun(job: JobName, runId: string): Promise<StoredRunRecord | undefined> {
    if (runId === ACTIVE_POINTER_ID) return undefined;
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { job, runId }, ConsistentRead: true }),
    );
    return Item as StoredRunRecord | undefined;
  }

  async listRuns(job: JobName, limit = 1000): Promise<StoredRunRecord[]> {
    const runs: StoredRunRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#job = :job',
          ExpressionAttributeNames: { '#job': 'job' },
          ExpressionAttributeValues: { ':job': job },
          ScanIndexForward: false,
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? [])
        if (item.runId !== ACTIVE_POINTER_ID) runs.push(item as StoredRunRecord);
      startKey = page.LastEvaluatedKey;
    } while (startKey && runs.length < limit);
    return runs.slice(0, limit);
  }

  async putRun(run: StoredRunRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: run,
        // A run id is unique; overwriting one would lose its history.
        ConditionExpression: 'attribute_not_exists(runId)',
      }),
    );
  }

  async updateRun(
    job: JobName,
    runId: string,
    changes: Partial<Omit<StoredRunRecord, 'job' | 'runId'>>,
  ): Promise<void> {
    const entries = Object.entries(changes).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets = entries.map(([key, value], i) => {
      names[`#a${i}`] = key;
      values[`:v${i}`] = value;
      return `#a${i} = :v${i}`;
    });
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { job, runId },
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: 'attribute_exists(runId)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  async getPointer(job: JobName): Promise<ActivePointer | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { job, runId: ACTIVE_POINTER_ID },
        ConsistentRead: true,
      }),
    );
    return Item as ActivePointer | undefined;
  }

  async flipPointer(
    job: JobName,
    version: string,
    expectedRevision: number | undefined,
    now: Date,
  ): Promise<ActivePointer> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { job, runId: ACTIVE_POINTER_ID },
          // previousVersion takes the value activeVersion had before this update (SET reads old values);
          // the first flip has none.
          UpdateExpression: `SET activeVersion = :version, ${
            expectedRevision === undefined ? '' : 'previousVersion = activeVersion, '
          }updatedAt = :now, revision = :next`,
          ConditionExpression:
            expectedRevision === undefined ? 'attribute_not_exists(revision)' : 'revision = :expected',
          ExpressionAttributeValues: {
            ':version': version,
            ':now': now.toISOString(),
            ':next': (expectedRevision ?? 0) + 1,
            ...(expectedRevision === undefined ? {} : { ':expected': expectedRevision }),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes as ActivePointer;
    } catch (error) {
      if (
        error instanceof ConditionalCheckFailedException ||
        (error as Error).name === 'ConditionalCheckFailedException'
      )
        throw new PointerConflictError(job, expectedRevision);
      throw error;
    }
  }
}

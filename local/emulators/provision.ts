/** Creates the topology's streams and tables in the emulators, leaving existing ones alone. */
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  ListTablesCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LocalTopology } from '../topology';

export async function provision(
  topology: LocalTopology,
  kinesis: KinesisClient,
  dynamo: DynamoDBDocumentClient,
): Promise<void> {
  for (const stream of topology.streams.values()) {
    if (await streamExists(kinesis, stream.name)) continue;
    // Local streams are provisioned with a fixed shard count even when the cloud stream is
    // on-demand: kinesis-mock has no auto-scaling to imitate.
    await kinesis.send(new CreateStreamCommand({ StreamName: stream.name, ShardCount: stream.shardCount }));
    await waitForStream(kinesis, stream.name);
  }

  const existing = new Set<string>();
  let start: string | undefined;
  do {
    const page = await dynamo.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    for (const name of page.TableNames ?? []) existing.add(name);
    start = page.LastEvaluatedTableName;
  } while (start);

  for (const table of topology.tables.values()) {
    if (existing.has(table.name)) continue;
    await createActiveTable(dynamo, {
      TableName: table.name,
      KeySchema: [...table.keySchema],
      AttributeDefinitions: [...table.attributeDefinitions],
      BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: table.globalSecondaryIndexes?.map((index) => ({
        ...index,
        KeySchema: [...index.KeySchema],
      })),
    });
  }
}

/**
 * Creates a table and returns once it is ACTIVE. dynalite answers CreateTable with CREATING and turns the
 * table ACTIVE a moment later; until then it refuses the table's items (ResourceNotFoundException), which on
 * a loaded machine is long enough for the next request to fail.
 */
export async function createActiveTable(
  client: DynamoDBDocumentClient,
  input: CreateTableCommandInput,
  timeoutMs = 60_000,
): Promise<void> {
  await client.send(new CreateTableCommand(input));
  const started = Date.now();
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: input.TableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() - started > timeoutMs)
      throw new Error(`table ${input.TableName} is still ${Table?.TableStatus} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function streamExists(kinesis: KinesisClient, name: string): Promise<boolean> {
  try {
    await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    return true;
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return false;
    throw error;
  }
}

async function waitForStream(kinesis: KinesisClient, name: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (summary.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`stream ${name} did not become ACTIVE`);
}

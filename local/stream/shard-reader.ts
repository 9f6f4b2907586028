/** Every shard of a stream, following ListShards pages (shared by the event source mapping and Firehose loops). */
import { type KinesisClient, ListShardsCommand, type Shard } from '@aws-sdk/client-kinesis';

export async function listAllShards(kinesis: KinesisClient, streamName: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let nextToken: string | undefined;
  do {
    const page = await kinesis.send(
      nextToken
        ? new ListShardsCommand({ NextToken: nextToken })
        : new ListShardsCommand({ StreamName: streamName }),
    );
    shards.push(...(page.Shards ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return shards;
}

/**
 * Which of a set of recommendation responses reached the events stream as a `recommendation_impression`:
 * the bench's count of impressions requested against impressions stored. Reads every shard of the stream
 * the recommendation function writes to (its EVENTS_STREAM_NAME) from TRIM_HORIZON to the tip.
 */
import { GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
import type { LocalRuntime } from '../local/runtime/runtime';
import { listAllShards } from '../local/stream/shard-reader';

/**
 * The recommendationIds among `wanted` that have at least one impression record on the stream, and the
 * number of their records (more than `reached` when a retried put stored one twice).
 */
export async function impressionsOnStream(
  runtime: LocalRuntime,
  functionId: string,
  wanted: ReadonlySet<string>,
): Promise<{ reached: Set<string>; records: number }> {
  const streamName = runtime.topology.functions.get(functionId)?.environment.EVENTS_STREAM_NAME;
  if (!streamName) throw new Error(`function ${functionId} has no EVENTS_STREAM_NAME`);
  const reached = new Set<string>();
  let records = 0;
  for (const shard of await listAllShards(runtime.kinesis, streamName)) {
    let iterator = (
      await runtime.kinesis.send(
        new GetShardIteratorCommand({
          StreamName: streamName,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    while (iterator) {
      const page = await runtime.kinesis.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }),
      );
      for (const record of page.Records ?? []) {
        const event = parseImpression(record.Data);
        if (!event || !wanted.has(event)) continue;
        records++;
        reached.add(event);
      }
      // At the tip: nothing more to read now.
      if ((page.Records ?? []).length === 0 && (page.MillisBehindLatest ?? 0) === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return { reached, records };
}

/** The recommendationId of an impression record, or undefined for any other record. */
function parseImpression(data: Uint8Array | undefined): string | undefined {
  if (!data) return undefined;
  try {
    const event = JSON.parse(Buffer.from(data).toString('utf8')) as {
      type?: unknown;
      recommendationId?: unknown;
    };
    return event.type === 'recommendation_impression' && typeof event.recommendationId === 'string'
      ? event.recommendationId
      : undefined;
  } catch {
    return undefined;
  }
}

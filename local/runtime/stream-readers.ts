/**
 * What reads the stream locally, as AWS does: one event source mapping poller per mapping of the template
 * (the consumer functions, with their SQS or S3 on-failure destination) and one Firehose delivery loop per
 * delivery stream (the lake, through its Lambda processor when it has one). Made here, started by the runtime.
 */
import { join } from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { LakeDeliveryLoop } from '../lake/delivery';
import { EventSourceMappingPoller } from '../stream/esm-poller';
import type { Invoke, LocalStream, LocalTopology } from '../topology';
import type { LocalBuckets } from './local-buckets';

export interface StreamReaderOptions {
  readonly topology: Pick<LocalTopology, 'streams' | 'queues' | 'eventSourceMappings' | 'deliveryStreams'>;
  readonly buckets: Pick<LocalBuckets, 'name' | 'storage'>;
  readonly kinesis: KinesisClient;
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  readonly invoke: Invoke;
  /** Both keep their checkpoints in `<dataDir>/checkpoints`. */
  readonly dataDir: string;
  /** Buffer interval of the delivery loops. @default min(template interval, 10 s) */
  readonly lakeBufferIntervalSeconds?: number;
  readonly log?: (message: string) => void;
}

export interface StreamReaders {
  readonly pollers: EventSourceMappingPoller[];
  readonly lakeDeliveries: LakeDeliveryLoop[];
}

export function streamReaders(options: StreamReaderOptions): StreamReaders {
  const { topology, buckets, kinesis, sqs, s3, invoke, log } = options;
  const checkpointDir = join(options.dataDir, 'checkpoints');
  const streamOf = (streamId: string, reader: string): LocalStream => {
    const stream = topology.streams.get(streamId);
    if (!stream) throw new Error(`${reader} reads unknown stream ${streamId}`);
    return stream;
  };
  const pollers = topology.eventSourceMappings.map((mapping) => {
    const { onFailure } = mapping;
    const onFailureQueue =
      onFailure && 'queueId' in onFailure ? topology.queues.get(onFailure.queueId) : undefined;
    return new EventSourceMappingPoller({
      mapping,
      stream: streamOf(mapping.streamId, `Mapping ${mapping.logicalId}`),
      onFailureQueue: onFailureQueue ? { queue: onFailureQueue, sqs } : undefined,
      onFailureBucket:
        onFailure && 'bucketId' in onFailure ? { bucket: buckets.name(onFailure.bucketId), s3 } : undefined,
      kinesis,
      invoke,
      checkpointDir,
      log,
    });
  });
  const lakeDeliveries = [...topology.deliveryStreams.values()].map(
    (delivery) =>
      new LakeDeliveryLoop({
        delivery,
        stream: streamOf(delivery.sourceStreamId, `Delivery stream ${delivery.logicalId}`),
        kinesis,
        bucket: buckets.storage(delivery.bucketId),
        checkpointDir,
        localBufferIntervalSeconds: options.lakeBufferIntervalSeconds,
        log,
        // Runs the delivery stream's Lambda processor (e.g. the pseudonymiser), as Firehose does.
        invoke,
      }),
  );
  return { pollers, lakeDeliveries };
}

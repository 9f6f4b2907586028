/**
 * The runtime's stream readers (local/runtime/stream-readers.ts): a poller per event source mapping with its
 * on-failure destination resolved from the template's ids, a delivery loop per delivery stream into its bucket,
 * and a specific error for a reader whose stream the template does not have. Reading itself is tested with the
 * poller and the delivery loop, and end to end in the integration suites.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DirectoryBucket } from '../../../../local/lake/bucket-storage';
import { type StreamReaderOptions, streamReaders } from '../../../../local/runtime/stream-readers';
import type { LocalDeliveryStream } from '../../../../local/topology';
import { consumerMapping } from '../../../support/consumer-mapping';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'stream-readers-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const kinesis = new KinesisClient({ region: 'us-east-1' });
const sqs = new SQSClient({ region: 'us-east-1' });
const s3 = new S3Client({ region: 'us-east-1' });
afterAll(() => {
  kinesis.destroy();
  sqs.destroy();
  s3.destroy();
});

const delivery: LocalDeliveryStream = {
  logicalId: 'LakeDelivery1',
  name: 'lake-delivery',
  sourceStreamId: 'Events',
  bucketId: 'Lake1',
  prefix: '',
  errorPrefix: '',
  bufferSizeMb: 128,
  bufferIntervalSeconds: 300,
  dynamicPartitioning: false,
};

function options(topology: Partial<StreamReaderOptions['topology']>, bucketNames: string[] = []) {
  const buckets: StreamReaderOptions['buckets'] = {
    name: (bucketId) => {
      bucketNames.push(bucketId);
      if (bucketId !== 'FailedBatches1') throw new Error(`Unknown bucket ${bucketId}`);
      return 'failed-batches';
    },
    storage: (bucketId) => new DirectoryBucket(join(dataDir, 's3', bucketId)),
  };
  return {
    topology: {
      streams: new Map([
        ['Events', { logicalId: 'Events', name: 'events', shardCount: 2, retentionHours: 24 }],
      ]),
      queues: new Map([['Dlq1', { logicalId: 'Dlq1', url: 'http://127.0.0.1:1/000000000000/dlq' }]]),
      eventSourceMappings: [],
      deliveryStreams: new Map(),
      ...topology,
    },
    buckets,
    kinesis,
    sqs,
    s3,
    invoke: async () => ({}),
    dataDir,
    lakeBufferIntervalSeconds: 2,
  } satisfies StreamReaderOptions;
}

it('makes one poller per mapping and one delivery loop per delivery stream, none started', () => {
  const bucketNames: string[] = [];
  const readers = streamReaders(
    options(
      {
        eventSourceMappings: [
          consumerMapping({ logicalId: 'ToQueue', onFailure: { queueId: 'Dlq1' } }),
          consumerMapping({ logicalId: 'ToBucket', onFailure: { bucketId: 'FailedBatches1' } }),
        ],
        deliveryStreams: new Map([[delivery.logicalId, delivery]]),
      },
      bucketNames,
    ),
  );
  expect(readers.pollers).toHaveLength(2);
  expect(readers.pollers.map((p) => p.snapshot().invocations)).toEqual([0, 0]);
  // The S3 destination is the bucket's name in the template, resolved once, for the mapping that has one.
  expect(bucketNames).toEqual(['FailedBatches1']);
  expect(readers.lakeDeliveries.map((loop) => loop.snapshot())).toEqual([
    expect.objectContaining({
      deliveryStream: 'lake-delivery',
      bufferIntervalSeconds: 2,
      templateBufferIntervalSeconds: 300,
      recordsRead: 0,
    }),
  ]);
});

it('names the reader and the stream the template does not have', () => {
  expect(() =>
    streamReaders(
      options({ eventSourceMappings: [consumerMapping({ logicalId: 'Orphan', streamId: 'Gone' })] }),
    ),
  ).toThrow('Mapping Orphan reads unknown stream Gone');
  expect(() =>
    streamReaders(
      options({ deliveryStreams: new Map([['D', { ...delivery, logicalId: 'D', sourceStreamId: 'Gone' }]]) }),
    ),
  ).toThrow('Delivery stream D reads unknown stream Gone');
  expect(() =>
    streamReaders(options({ eventSourceMappings: [consumerMapping({ onFailure: { bucketId: 'Nope' } })] })),
  ).toThrow('Unknown bucket Nope');
});

/**
 * The emulators of the replay integration tests: the local Kinesis (kinesalite, or the emulator the mode names)
 * with one stream `events`, and the mode's SQS with the given queues provisioned at their local URLs.
 */
import { CreateStreamCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { localSqsClient, provisionQueues, startKinesis, startSqs } from '../../local/emulators';
import { localQueueUrl } from '../../local/topology';

export interface StreamAndQueues {
  readonly kinesis: KinesisClient;
  readonly sqs: SQSClient;
  /** Queue URLs by logical id. */
  readonly queueUrls: ReadonlyMap<string, string>;
  stop(): Promise<void>;
}

export async function startStreamAndQueues(options: {
  readonly shardCount: number;
  readonly queueIds: readonly string[];
}): Promise<StreamAndQueues> {
  const kinesisEmulator = await startKinesis({});
  const kinesis = new KinesisClient({
    endpoint: kinesisEmulator.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler(),
  });
  await kinesis.send(new CreateStreamCommand({ StreamName: 'events', ShardCount: options.shardCount }));
  const sqsEmulator = await startSqs({});
  const sqs = localSqsClient(sqsEmulator.endpoint);
  const queues = new Map(
    options.queueIds.map((logicalId) => [
      logicalId,
      { logicalId, url: localQueueUrl(sqsEmulator.endpoint, logicalId) },
    ]),
  );
  await provisionQueues({ queues }, sqs);
  return {
    kinesis,
    sqs,
    queueUrls: new Map([...queues].map(([id, q]) => [id, q.url])),
    stop: async () => {
      kinesis.destroy();
      sqs.destroy();
      await kinesisEmulator.stop();
      await sqsEmulator.stop();
    },
  };
}

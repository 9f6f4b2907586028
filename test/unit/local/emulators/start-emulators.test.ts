/**
 * The emulators each choice starts answer as what they are (DescribeLimits tells the Kinesis ones apart:
 * kinesalite does not serve it), each persists in a folder of its own (the queues and topics too), and moto
 * serves Kinesis, DynamoDB, S3, SQS and SNS from one process.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, DescribeLimitsCommand, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import {
  localDynamoClient,
  localKinesisClient,
  localSnsClient,
  localSqsClient,
} from '../../../../local/emulators/clients';
import { findMotoServer } from '../../../../local/emulators/moto';
import { localS3Client } from '../../../../local/emulators/s3-buckets';
import { startEmulators } from '../../../../local/emulators/start-emulators';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'start-emulators-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('starts kinesalite and dynalite by default, each persisting in its own folder', async () => {
  const emulators = await startEmulators({
    dataDir: dir,
    choice: {
      set: 'default',
      kinesis: 'kinesalite',
      dynamodb: 'dynalite',
      sqs: 'directory',
      sns: 'directory',
      s3: 'directory',
    },
  });
  const kinesis = localKinesisClient(emulators.kinesis);
  const sqs = localSqsClient(emulators.sqs);
  const sns = localSnsClient(emulators.sns);
  const s3 = localS3Client(emulators.s3);
  try {
    expect(emulators.moto).toBeUndefined();
    expect(emulators.topicsDir).toBe(join(dir, 'topics'));
    await kinesis.send(new CreateStreamCommand({ StreamName: 'events', ShardCount: 1 }));
    await sqs.send(new CreateQueueCommand({ QueueName: 'Dlq' }));
    await sns.send(new CreateTopicCommand({ Name: 'Alarms' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'lake-bucket' }));
    expect(emulators.s3Dir).toBe(join(dir, 's3'));
    expect(readdirSync(dir).sort()).toEqual(['dynamodb', 'kinesis', 'queues', 's3', 'topics']);
    expect(readdirSync(join(dir, 's3'))).toEqual(['lake-bucket']);
    expect(readdirSync(join(dir, 'queues'))).toEqual(['Dlq.jsonl']);
    expect(readdirSync(join(dir, 'topics'))).toEqual(['Alarms.jsonl']);
    expect(readdirSync(join(dir, 'kinesis'))).toEqual(['kinesalite']);
    await expect(kinesis.send(new DescribeLimitsCommand({}))).rejects.toMatchObject({
      name: 'UnknownOperationException',
    });
  } finally {
    kinesis.destroy();
    sqs.destroy();
    sns.destroy();
    s3.destroy();
    await emulators.stop();
  }
});

it('starts kinesis-mock for Kinesis when chosen', async () => {
  const emulators = await startEmulators({
    choice: {
      set: 'default',
      kinesis: 'kinesis-mock',
      dynamodb: 'dynalite',
      sqs: 'directory',
      sns: 'directory',
      s3: 'directory',
    },
  });
  const kinesis = localKinesisClient(emulators.kinesis);
  try {
    expect((await kinesis.send(new DescribeLimitsCommand({}))).ShardLimit).toBeGreaterThan(0);
  } finally {
    kinesis.destroy();
    await emulators.stop();
  }
});

const MOTO = {
  set: 'moto',
  kinesis: 'moto',
  dynamodb: 'moto',
  sqs: 'moto',
  sns: 'moto',
  s3: 'moto',
} as const;
const withMoto = findMotoServer() ? it : it.skip;
withMoto('serves Kinesis, DynamoDB, S3, SQS and SNS from one moto_server with the moto set', async () => {
  const emulators = await startEmulators({ choice: MOTO });
  const kinesis = localKinesisClient(emulators.kinesis);
  const dynamo = localDynamoClient(emulators.dynamodb);
  try {
    expect(emulators.kinesis).toBe(emulators.moto);
    expect(emulators.dynamodb).toBe(emulators.moto);
    expect(emulators.sqs).toBe(emulators.moto);
    expect(emulators.sns).toBe(emulators.moto);
    expect(emulators.s3).toBe(emulators.moto);
    expect(emulators.topicsDir).toBeUndefined();
    expect(emulators.s3Dir).toBeUndefined();
    await kinesis.send(new CreateStreamCommand({ StreamName: 'events', ShardCount: 1 }));
    expect((await kinesis.send(new ListStreamsCommand({}))).StreamNames).toEqual(['events']);
    expect((await dynamo.send(new ListTablesCommand({}))).TableNames).toEqual([]);
  } finally {
    kinesis.destroy();
    dynamo.destroy();
    await emulators.stop();
  }
});

it('says what is missing when moto_server is not on PATH', async () => {
  const saved = process.env.PATH;
  process.env.PATH = dir;
  try {
    await expect(startEmulators({ choice: MOTO })).rejects.toThrow(/moto_server is not on PATH/);
  } finally {
    process.env.PATH = saved;
  }
});

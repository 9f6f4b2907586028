/**
 * Starts the emulators an EmulatorChoice names: Kinesis, DynamoDB, S3, SQS and SNS, each from npm (or, for S3,
 * SQS and SNS, the local directory endpoints) or on one shared `moto_server`. Data persists under
 * `<dataDir>/kinesis/<emulator>`, `<dataDir>/dynamodb`, `<dataDir>/s3`, `<dataDir>/queues` and
 * `<dataDir>/topics` (moto keeps nothing across a restart; without a data directory objects, queues and
 * topics live in temporary folders removed on stop).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDynamo } from './dynalite';
import type { RunningEmulator } from './emulator';
import {
  type EmulatorChoice,
  emulatorChoice,
  type KinesisEmulatorName,
  motoServices,
} from './emulator-modes';
import { startKinesalite } from './kinesalite';
import { startKinesisMock } from './kinesis-mock';
import { startMoto } from './moto';
import { startS3Directory } from './s3-directory';
import { startSnsDirectory } from './sns-directory';
import { startSqsDirectory } from './sqs-directory';

export interface LocalEmulators {
  readonly choice: EmulatorChoice;
  readonly kinesis: string;
  readonly dynamodb: string;
  readonly sqs: string;
  readonly sns: string;
  readonly s3: string;
  /** Where the S3 directory endpoint keeps its buckets (`<root>/<bucket>/<key>`); undefined when moto serves S3. */
  readonly s3Dir?: string;
  /** Where the SNS directory endpoint keeps its topics; undefined when moto serves SNS. */
  readonly topicsDir?: string;
  /** The moto_server endpoint, when some service runs on moto. */
  readonly moto?: string;
  stop(): Promise<void>;
}

export async function startEmulators(options: {
  dataDir?: string;
  choice?: EmulatorChoice;
}): Promise<LocalEmulators> {
  const choice = options.choice ?? emulatorChoice();
  const { dataDir } = options;
  const running: RunningEmulator[] = [];
  const stop = async () => {
    for (const emulator of running.reverse()) await emulator.stop().catch(() => undefined);
    running.length = 0;
  };
  try {
    const usesMoto = motoServices(choice).length > 0;
    // allSettled: when one fails to start, the others that did are stopped, not left running.
    const settled = await Promise.allSettled([
      usesMoto ? startMoto() : undefined,
      choice.kinesis === 'moto'
        ? undefined
        : startNpmKinesis(choice.kinesis, dataDir ? join(dataDir, 'kinesis', choice.kinesis) : undefined),
      choice.dynamodb === 'moto'
        ? undefined
        : startDynamo({ dataDir: dataDir ? join(dataDir, 'dynamodb') : undefined }),
      choice.sqs === 'moto' ? undefined : startDirectory(startSqsDirectory, dataDir, 'queues'),
      choice.sns === 'moto' ? undefined : startDirectory(startSnsDirectory, dataDir, 'topics'),
      choice.s3 === 'moto' ? undefined : startDirectory(startS3Directory, dataDir, 's3'),
    ]);
    for (const result of settled)
      if (result.status === 'fulfilled' && result.value) running.push(result.value);
    const failed = settled.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    const [moto, kinesis, dynamo, sqs, sns, s3] = settled.map((result) =>
      result.status === 'fulfilled' ? result.value : undefined,
    );
    const endpointOf = (emulator: RunningEmulator | undefined) => {
      const endpoint = (emulator ?? moto)?.endpoint;
      if (!endpoint) throw new Error('no emulator started for a service');
      return endpoint;
    };
    return {
      choice,
      kinesis: endpointOf(kinesis),
      dynamodb: endpointOf(dynamo),
      sqs: endpointOf(sqs),
      sns: endpointOf(sns),
      s3: endpointOf(s3),
      s3Dir: s3 && 'rootDir' in s3 ? String(s3.rootDir) : undefined,
      topicsDir: sns && 'rootDir' in sns ? String(sns.rootDir) : undefined,
      moto: moto?.endpoint,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Kinesis alone, as the chosen mode serves it (tests that need only a stream). */
export async function startKinesis(options: { dataDir?: string } = {}): Promise<RunningEmulator> {
  const { kinesis } = emulatorChoice();
  if (kinesis === 'moto') return startMoto();
  return startNpmKinesis(kinesis, options.dataDir);
}

/** DynamoDB alone, as the chosen mode serves it (tests that need only tables). */
export function startDynamoDb(options: { dataDir?: string } = {}): Promise<RunningEmulator> {
  return emulatorChoice().dynamodb === 'moto' ? startMoto() : startDynamo(options);
}

/** SQS alone, as the chosen mode serves it (tests that need only queues). */
export function startSqs(options: { dataDir?: string } = {}): Promise<RunningEmulator> {
  return emulatorChoice().sqs === 'moto'
    ? startMoto()
    : startDirectory(startSqsDirectory, options.dataDir, 'queues');
}

/** SNS alone, as the chosen mode serves it (tests that need only topics). */
export function startSns(options: { dataDir?: string } = {}): Promise<RunningEmulator> {
  return emulatorChoice().sns === 'moto'
    ? startMoto()
    : startDirectory(startSnsDirectory, options.dataDir, 'topics');
}

/** A directory endpoint (S3, SQS, SNS) over `<dataDir>/<folder>`, or over a temporary folder removed on stop. */
async function startDirectory(
  start: (options: { rootDir: string }) => Promise<RunningEmulator>,
  dataDir: string | undefined,
  folder: string,
): Promise<RunningEmulator & { readonly rootDir: string }> {
  if (dataDir) {
    const rootDir = join(dataDir, folder);
    return { ...(await start({ rootDir })), rootDir };
  }
  const rootDir = mkdtempSync(join(tmpdir(), `recostream-${folder}-`));
  const emulator = await start({ rootDir });
  return {
    endpoint: emulator.endpoint,
    rootDir,
    stop: async () => {
      await emulator.stop();
      rmSync(rootDir, { recursive: true, force: true });
    },
  };
}

function startNpmKinesis(
  name: Exclude<KinesisEmulatorName, 'moto'>,
  dataDir: string | undefined,
): Promise<RunningEmulator> {
  return name === 'kinesis-mock' ? startKinesisMock({ dataDir }) : startKinesalite({ dataDir });
}

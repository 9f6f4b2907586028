/**
 * The whole pipeline on one machine: synthesise the CDK app, derive the local topology from the
 * template, start the emulators, provision streams and tables, run the same handler code behind a
 * local API Gateway and Kinesis event source mappings, and optionally drive simulated traffic.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CANARY_WRITE_KEY_NAME } from '../../lambdas/shared/canary';
import { buildApp } from '../../lib/app-builder';
import { buildConsole, createConsoleServer, localJobRollback } from '../console/server';
import {
  type EmulatorSet,
  emulatorChoice,
  localDocumentClient,
  localKinesisClient,
  localS3Client,
  localSnsClient,
  localSqsClient,
  provision,
  provisionBuckets,
  provisionQueues,
  provisionTopics,
  queueDepth,
  startEmulators,
  type TopicReader,
  topicReader,
} from '../emulators';
import { FunctionHost } from '../functions/function-host';
import { startHttpGateway } from '../gateway/server';
import { type LocalJobs, startLocalJobs } from '../jobs/local-jobs';
import type { BucketStorage } from '../lake/bucket-storage';
import type { LakeDeliveryLoop } from '../lake/delivery';
import { S3Bucket } from '../lake/s3-bucket';
import type { EventSourceMappingPoller } from '../stream/esm-poller';
import type { LocalTopology } from '../topology';
import { templateOfStacks, topologyFromTemplate } from '../topology';
import { startTrafficDriver } from '../traffic/driver';
import { TrafficSimulator } from '../traffic/simulator';
import { startLocalCanary } from './canary';
import {
  adoptLogicalIdBucketDirs,
  ensureLocalApiKey,
  ensureLocalWriteKey,
  lakeBucketId,
  linkLakeDir,
} from './data-dir';
import { computeHealth, type LocalHealth } from './health';
import { lambdaEnvironment } from './lambda-environment';
import { localBuckets } from './local-buckets';
import { localPseudonymEnvironment, motoPseudonymEnvironment } from './pseudonym-key';
import { removeRuntimeFile, writeRuntimeFile } from './runtime-file';
import { streamReaders } from './stream-readers';

export interface LocalRuntimeOptions {
  /** Where emulator data, checkpoints, queues and the lake live. @default '.data' */
  readonly dataDir?: string;
  /** Gateway port; 0 picks a free one. @default 3000 */
  readonly port?: number;
  /** Delete the data directory first. @default false */
  readonly fresh?: boolean;
  /** Simulated events per second; 0 turns the simulator off. @default 20 */
  readonly trafficRate?: number;
  readonly trafficSeed?: number;
  /** Extra CDK context, e.g. to change batch settings. */
  readonly context?: Record<string, unknown>;
  /** Buffer interval of the local Firehose delivery loops. @default min(template interval, 10 s) */
  readonly lakeBufferIntervalSeconds?: number;
  /**
   * Run the batch jobs' schedules, fast-forwarded (simulated seconds per real second; 0: jobs only run on
   * request, `recostream jobs run --local`). @default 96 (RECOSTREAM_JOB_SPEED) with traffic, else 0
   */
  readonly jobSpeed?: number;
  /**
   * Run the freshness canary (ingest API -> profile -> recommendation API) every N seconds; its last
   * result is `canary` in `/local/health`. 0 turns it off. @default 60 with traffic, else 0
   */
  readonly canaryIntervalSeconds?: number;
  /**
   * Puts something between the functions and the emulators (the fault-injecting proxies of local/faults):
   * called once the emulators listen, it returns the endpoints the functions get as AWS_ENDPOINT_URL_KINESIS
   * and AWS_ENDPOINT_URL_DYNAMODB. The runtime's own clients (provisioning, event source mappings, lake
   * delivery) keep talking to the emulators. @default the functions talk to the emulators
   */
  readonly functionEndpoints?: (
    emulators: ServiceEndpoints,
  ) => Promise<ServiceEndpoints & { close(): Promise<void> }>;
  /**
   * The batch jobs' clock: each run's start, and so its window end, is `jobClock()`; the schedule follows it
   * too. Tests inject one so that which events a run reads never depends on how fast the machine is.
   * @default the wall clock
   */
  readonly jobClock?: () => Date;
  readonly log?: (message: string) => void;
  /**
   * Which emulators serve Kinesis, DynamoDB, S3, SQS and SNS (local/emulators/emulator-modes.ts);
   * RECOSTREAM_KINESIS still picks the Kinesis one. @default RECOSTREAM_EMULATORS, else 'default'
   */
  readonly emulators?: EmulatorSet;
}

/** Endpoint URLs of the two emulated services the functions call. */
export interface ServiceEndpoints {
  readonly kinesis: string;
  readonly dynamodb: string;
}

export interface LocalRuntime {
  readonly apiUrl: string;
  readonly writeKey: string;
  /**
   * The freshness canary's own write key (named CANARY_WRITE_KEY_NAME, as the canary registers its key on
   * AWS): the only key whose events may carry `canary#` user ids.
   */
  readonly canaryWriteKey: string;
  /** `x-api-key` of the recommendation API (kept in `<dataDir>/local-api-key`). */
  readonly apiKey: string;
  readonly kinesisEndpoint: string;
  readonly dynamoEndpoint: string;
  /** The SQS endpoint (the local directory endpoint or moto); functions get it as AWS_ENDPOINT_URL_SQS. */
  readonly sqsEndpoint: string;
  /**
   * The S3 endpoint (functions get it as AWS_ENDPOINT_URL_S3): the local directory endpoint serving
   * `<dataDir>/s3/<bucket>/`, or moto.
   */
  readonly s3Endpoint: string;
  /** An SDK client of the S3 endpoint. */
  readonly s3: S3Client;
  readonly dataDir: string;
  readonly topology: LocalTopology;
  readonly kinesis: KinesisClient;
  readonly dynamo: DynamoDBDocumentClient;
  readonly sqs: SQSClient;
  /** SNS on the local endpoint or moto (the endpoint the job runner publishes its notifications to). */
  readonly sns: SNSClient;
  /** What was published to the alarm topic (failed and rejected batch runs); undefined without one. */
  readonly alarms?: TopicReader;
  readonly host: FunctionHost;
  readonly pollers: readonly EventSourceMappingPoller[];
  /** One local Firehose delivery loop per delivery stream of the template (possibly none). */
  readonly lakeDeliveries: readonly LakeDeliveryLoop[];
  /**
   * `<dataDir>/lake`: a link to the lake bucket's local folder (on moto, the copy synced before each query);
   * undefined when the app has no lake bucket.
   */
  readonly lakeDir?: string;
  /** The lake bucket as the stand-ins use it (local/lake/bucket-storage.ts); undefined without one. */
  readonly lake?: BucketStorage;
  /** The batch jobs (runner, scheduler); undefined when the app has none or no lake. */
  readonly jobs?: LocalJobs;
  /** Name of the local table whose logical id contains `fragment`, e.g. 'Profiles'. */
  tableName(fragment: string): string;
  /** URL (on the local SQS endpoint or moto) of the queue whose logical id contains `fragment`. */
  queueUrl(fragment: string): string;
  /** The `/local/health` document (shape: local/health.ts LocalHealth); queue depths come from SQS. */
  health(): Promise<LocalHealth>;
  stop(): Promise<void>;
}

export async function startLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const log = options.log ?? (() => undefined);
  const dataDir = resolve(options.dataDir ?? '.data');
  if (options.fresh) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const stoppers: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
    stoppers.length = 0;
  };

  try {
    const { app, stack } = buildApp(options.context ?? {}, { validate: false, skipBundling: true });
    const template = templateOfStacks(app.synth().stacks);

    // Started before the topology is read: queue URLs are on the SQS endpoint.
    const emulators = await startEmulators({ dataDir, choice: emulatorChoice(options.emulators) });
    stoppers.push(() => emulators.stop());
    const { choice } = emulators;
    log(
      `emulators: Kinesis on ${choice.kinesis}, DynamoDB on ${choice.dynamodb}, S3 on ${choice.s3}, SQS on ${choice.sqs}, SNS on ${choice.sns}`,
    );
    const topology = topologyFromTemplate(template, {
      stackName: stack.stackName,
      sqsEndpoint: emulators.sqs,
    });

    const kinesis = localKinesisClient(emulators.kinesis);
    const dynamo = localDocumentClient(emulators.dynamodb);
    const sqs = localSqsClient(emulators.sqs);
    stoppers.push(async () => sqs.destroy());
    await provision(topology, kinesis, dynamo);
    await provisionQueues(topology, sqs);
    const sns = localSnsClient(emulators.sns);
    stoppers.push(async () => sns.destroy());
    await provisionTopics(topology, sns);
    const alarmTopic = [...topology.topics.values()].find((t) => t.logicalId.includes('AlarmTopic'));
    const alarms = alarmTopic
      ? await topicReader(alarmTopic, { topicsDir: emulators.topicsDir, sns, sqs })
      : undefined;
    // S3: plain files under <dataDir>/s3 (the folders the lake delivery, DuckDB and the console use too), or
    // moto's buckets with a local copy for DuckDB (local-buckets.ts).
    if (emulators.s3Dir) adoptLogicalIdBucketDirs(dataDir, topology, log);
    const s3 = localS3Client(emulators.s3);
    stoppers.push(async () => s3.destroy());
    await provisionBuckets(topology, s3);
    const buckets = localBuckets({ topology, dataDir, s3Dir: emulators.s3Dir, s3 });

    const writeKey = await ensureLocalWriteKey(topology, dynamo, dataDir, 'local');
    const canaryWriteKey = await ensureLocalWriteKey(topology, dynamo, dataDir, CANARY_WRITE_KEY_NAME);
    const apiKey = ensureLocalApiKey(dataDir);

    const endpoints: ServiceEndpoints = { kinesis: emulators.kinesis, dynamodb: emulators.dynamodb };
    const interposed = options.functionEndpoints ? await options.functionEndpoints(endpoints) : undefined;
    if (interposed) stoppers.push(() => interposed.close());
    const functionEndpoints = interposed ?? endpoints;
    const host = new FunctionHost(topology.functions, {
      buildDir: join(dataDir, 'build'),
      baseEnvironment: {
        ...lambdaEnvironment({ ...functionEndpoints, s3: emulators.s3, sqs: emulators.sqs }),
        // `pseudonymizeLakeUserIds`: the key secret, on moto or as a variable (local/runtime/pseudonym-key.ts).
        ...(emulators.moto
          ? await motoPseudonymEnvironment(topology, dataDir, emulators.moto)
          : localPseudonymEnvironment(topology, dataDir)),
      },
      // Lambda gives every concurrent request an environment of its own; workers start on demand, so
      // 16 (the API benchmark's concurrency) costs nothing until requests overlap.
      maxConcurrency: 16,
      // Printed even when the caller passes no log: it explains the timeouts that follow.
      onSlowInit: (functionId, initMs) =>
        console.warn(
          `[local] ${functionId} took ${(initMs / 1000).toFixed(1)} s to initialise (Lambda allows 10 s): the machine is overloaded`,
        ),
    });
    await host.prepare();
    stoppers.push(() => host.close());
    const invoke = (functionId: string, event: unknown) => host.invoke(functionId, event);

    const { pollers, lakeDeliveries } = streamReaders({
      topology,
      buckets,
      kinesis,
      sqs,
      s3,
      invoke,
      dataDir,
      lakeBufferIntervalSeconds: options.lakeBufferIntervalSeconds,
      log,
    });
    for (const poller of pollers) {
      await poller.start();
      stoppers.push(() => poller.stop());
    }
    const failedBatchDirs = buckets.failedBatchFolders();
    const lakeBucket = lakeBucketId(topology);
    const lake = lakeBucket ? buckets.storage(lakeBucket) : undefined;
    // The bucket's folder, or on moto the copy DuckDB reads (synced before each query).
    const lakeDir = lakeBucket ? linkLakeDir(dataDir, buckets.folder(lakeBucket), log) : undefined;
    for (const loop of lakeDeliveries) {
      await loop.start();
      // Stopped after the gateway (no new events), before the emulators: the final flush still reads the stream.
      stoppers.push(() => loop.stop());
    }

    let healthProvider: () => Promise<unknown> = async () => ({});
    // The local console (console/, bundled here) at `/`, same origin as the API; see console-server.ts.
    const trafficOn = (options.trafficRate ?? 20) > 0;
    const jobSpeed = options.jobSpeed ?? (trafficOn ? Number(process.env.RECOSTREAM_JOB_SPEED ?? 96) : 0);
    const jobs: LocalJobs | undefined = lake
      ? startLocalJobs({
          topology,
          invoke,
          lake,
          dataDir,
          dynamo,
          sns,
          schedule: jobSpeed > 0,
          speed: jobSpeed,
          clock: options.jobClock,
          log,
        })
      : undefined;
    if (jobs) stoppers.push(() => jobs.stop());
    await buildConsole(join(dataDir, 'console'));
    const consoleServer = createConsoleServer({
      buildDir: join(dataDir, 'console'),
      routes: topology.routes,
      writeKey,
      apiKey: () => apiKey,
      simulatorSeed: options.trafficSeed ?? 42,
      lake,
      jobNames: () => (jobs ? Object.keys(jobs.runner.snapshot()) : []),
      rollback: jobs
        ? localJobRollback(topology, dynamo, () => jobs.runner.refreshActiveVersions())
        : undefined,
    });
    stoppers.push(() => consoleServer.close());
    const gateway = await startHttpGateway({
      routes: topology.routes,
      invoke,
      port: options.port ?? 3000,
      // Routes with ApiKeyRequired (the recommendation API) answer 403 without this key, as API Gateway does.
      apiKeys: new Set([apiKey]),
      extraHandlers: async (req, res) => {
        if (req.method === 'GET' && req.url?.split('?')[0] === '/local/health') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(await healthProvider()));
          return true;
        }
        if (jobs && req.url?.startsWith('/local/jobs/') && (await jobs.handle(req, res))) return true;
        return consoleServer.handle(req, res);
      },
    });
    stoppers.push(() => gateway.close());

    const trafficRate = options.trafficRate ?? 20;
    const driver =
      trafficRate > 0
        ? startTrafficDriver({
            baseUrl: gateway.url,
            writeKey,
            simulator: new TrafficSimulator({ seed: options.trafficSeed ?? 42 }),
            eventsPerSecond: trafficRate,
          })
        : undefined;
    if (driver) stoppers.push(() => driver.stop());

    const canaryIntervalSeconds = options.canaryIntervalSeconds ?? (trafficRate > 0 ? 60 : 0);
    const canary =
      canaryIntervalSeconds > 0
        ? startLocalCanary({
            apiUrl: gateway.url,
            writeKey: canaryWriteKey,
            apiKey,
            dynamo,
            profilesTable: findByFragment([...topology.tables.values()], 'Profiles').name,
            intervalMs: canaryIntervalSeconds * 1000,
            log,
          })
        : undefined;
    if (canary) stoppers.push(() => canary.stop());
    const startedAt = Date.now();

    const tableName = (fragment: string) => findByFragment([...topology.tables.values()], fragment).name;
    const runtime: LocalRuntime = {
      apiUrl: gateway.url,
      writeKey,
      canaryWriteKey,
      apiKey,
      kinesisEndpoint: emulators.kinesis,
      dynamoEndpoint: emulators.dynamodb,
      sqsEndpoint: emulators.sqs,
      s3Endpoint: emulators.s3,
      dataDir,
      topology,
      kinesis,
      dynamo,
      sqs,
      sns,
      s3,
      alarms,
      host,
      pollers,
      lakeDeliveries,
      lakeDir,
      lake,
      jobs,
      tableName,
      queueUrl: (fragment) => findByFragment([...topology.queues.values()], fragment).url,
      health: async () =>
        computeHealth({
          startedAt,
          invocations: host.invocations,
          consumers: pollers.map((p, i) => ({
            mapping: topology.eventSourceMappings[i]?.logicalId ?? `mapping-${i}`,
            stats: p.snapshot(),
          })),
          deliveries: lakeDeliveries.map((loop) => loop.snapshot()),
          // Through SQS, as the DLQ-not-empty alarm reads ApproximateNumberOfMessages.
          queues: await Promise.all(
            [...topology.queues.values()].map(async (q) => ({
              queue: q.logicalId,
              messages: await queueDepth(sqs, q.url),
            })),
          ),
          failedBatches: failedBatchDirs,
          lakeDir,
          canary: canary?.last(),
          jobs: jobs?.runner.snapshot(),
          attribution: jobs?.attribution.health(),
          traffic: driver?.stats(),
        }),
      stop: stopAll,
    };
    healthProvider = runtime.health;
    // Lets other commands (e.g. `npx recostream backfill --local`) find the running emulators.
    writeRuntimeFile(dataDir, {
      apiUrl: gateway.url,
      apiKey,
      kinesisEndpoint: emulators.kinesis,
      dynamoEndpoint: emulators.dynamodb,
      sqsEndpoint: emulators.sqs,
      queues: Object.fromEntries([...topology.queues.values()].map((q) => [q.logicalId, q.url])),
      streams: Object.fromEntries([...topology.streams.values()].map((s) => [s.logicalId, s.name])),
      lakeDir,
      lakeOnS3: lake instanceof S3Bucket ? { endpoint: emulators.s3, bucket: lake.bucket } : undefined,
      // `npx recostream dlq replay --local` reads the consumer's failed batches here.
      failedBatchesDir: failedBatchDirs[0]?.dir,
      failedBatchesOnS3: buckets.failedBatchesOnS3(emulators.s3),
      tables: Object.fromEntries(
        ['Profiles', 'ItemStats', 'WriteKeys', 'JobRuns', 'Similarities', 'Trending', 'Items'].map(
          (fragment) => [fragment, tableName(fragment)],
        ),
      ),
      pid: process.pid,
    });
    stoppers.unshift(async () => removeRuntimeFile(dataDir));
    return runtime;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function findByFragment<T extends { logicalId: string }>(items: readonly T[], fragment: string): T {
  const matches = items.filter((i) => i.logicalId.includes(fragment));
  if (matches.length !== 1)
    throw new Error(`Expected one resource matching '${fragment}', found ${matches.length}`);
  return matches[0] as T;
}

/**
 * The process the fault tests kill: runs the whole local runtime (`startLocalRuntime`) with the fault proxies
 * of local/faults between the functions and the emulators, on the data directory and port it is given, and
 * answers the parent over the IPC channel (set the fault plan, drain, stop). Started with `fork` and tsx.
 *
 * The lake delivery buffers until a drain flushes it (a one-hour interval), so a SIGKILL never lands in the
 * middle of a Parquet write: the records it had buffered are read again from its checkpoint after the restart.
 */
import { GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
import { FaultInjector, startFaultProxies } from '../../../local/faults';
import { type LocalRuntime, startLocalRuntime } from '../../../local/runtime/runtime';
import { listAllShards } from '../../../local/stream/shard-reader';
import type { ChildConfig, ChildMessage, DrainReport, ParentRequest, RuntimeInfo } from './protocol';

const DRAIN_TIMEOUT_MS = 180_000;

function send(message: ChildMessage): void {
  process.send?.(message);
}

/** Records after the checkpoint of every shard, summed: 0 when the reader has taken everything. */
async function backlog(
  runtime: LocalRuntime,
  streamName: string,
  checkpoints: ReadonlyMap<string, string | undefined>,
): Promise<number> {
  let records = 0;
  for (const shard of await listAllShards(runtime.kinesis, streamName)) {
    const shardId = shard.ShardId as string;
    const checkpoint = checkpoints.get(shardId);
    const { ShardIterator } = await runtime.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: shardId,
        ...(checkpoint
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: checkpoint }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    const page = await runtime.kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 1 }));
    records += page.Records?.length ?? 0;
  }
  return records;
}

async function until(what: string, condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`drain: ${what} not reached within ${DRAIN_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Waits until the consumer has processed every record on the stream and closed its item-statistics windows,
 * then writes the lake up to the end.
 */
async function drain(
  runtime: LocalRuntime,
  streamName: string,
  injector: FaultInjector,
): Promise<DrainReport> {
  await until('consumer at the end of the stream', async () => {
    const checkpoints = new Map(
      runtime.pollers.flatMap((p) => p.snapshot().shards.map((s) => [s.shardId, s.checkpoint] as const)),
    );
    // Item rows are written when a tumbling window closes, after the last batch was checkpointed.
    const windowsClosed = runtime.pollers.every((p) => (p.snapshot().openWindows ?? 0) === 0);
    return windowsClosed && (await backlog(runtime, streamName, checkpoints)) === 0;
  });
  await until('lake delivery at the end of the stream', async () => {
    for (const loop of runtime.lakeDeliveries) await loop.flush();
    const checkpoints = new Map(
      runtime.lakeDeliveries.flatMap((l) =>
        l.snapshot().shards.map((s) => [s.shardId, s.checkpoint] as const),
      ),
    );
    return (await backlog(runtime, streamName, checkpoints)) === 0;
  });
  const pollers = runtime.pollers.map((p) => p.snapshot());
  const deliveries = runtime.lakeDeliveries.map((l) => l.snapshot());
  return {
    recordsSentToOnFailure: pollers.reduce((sum, p) => sum + p.recordsSentToOnFailure, 0),
    consumerInvocations: pollers.reduce((sum, p) => sum + p.invocations, 0),
    consumerRetries: pollers.reduce((sum, p) => sum + p.retries, 0),
    lakeRecordsDelivered: deliveries.reduce((sum, d) => sum + d.recordsDelivered, 0),
    lakeRecordsFailed: deliveries.reduce((sum, d) => sum + d.recordsFailed, 0),
    faults: injector.stats(),
  };
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.RECOSTREAM_FAULT_CHILD ?? '{}') as ChildConfig;
  const injector = new FaultInjector((description) => send({ type: 'held', description }));
  const runtime = await startLocalRuntime({
    dataDir: config.dataDir,
    port: config.port,
    trafficRate: 0,
    jobSpeed: 0,
    canaryIntervalSeconds: 0,
    lakeBufferIntervalSeconds: 3600,
    // Item rows are written when the consumer's tumbling window closes: a short one keeps the test quick.
    context: { itemStatsWindowSeconds: 2 },
    functionEndpoints: (emulators) => startFaultProxies(emulators, injector),
    log: (message) => process.stderr.write(`[runtime] ${message}\n`),
  });
  const stream = [...runtime.topology.streams.values()][0];
  if (!stream || !runtime.lakeDir) throw new Error('the app has no events stream or no lake');
  const info: RuntimeInfo = {
    pid: process.pid,
    apiUrl: runtime.apiUrl,
    writeKey: runtime.writeKey,
    kinesisEndpoint: runtime.kinesisEndpoint,
    dynamoEndpoint: runtime.dynamoEndpoint,
    streamName: stream.name,
    profilesTable: runtime.tableName('Profiles'),
    itemStatsTable: runtime.tableName('ItemStats'),
    lakeDir: runtime.lakeDir,
    sqsEndpoint: runtime.sqsEndpoint,
    deadLetterQueueUrl: runtime.queueUrl('FeatureStoreDeadLetter'),
  };

  const stop = async () => {
    await runtime.stop();
    process.exit(0);
  };
  // Never outlive the test process.
  process.on('disconnect', () => void stop());
  process.on('message', (request: ParentRequest) => {
    const run = async (): Promise<unknown> => {
      switch (request.command) {
        case 'plan':
          injector.setPlan(request.plan);
          return undefined;
        case 'drain':
          return drain(runtime, stream.name, injector);
        case 'stop':
          await runtime.stop();
          return undefined;
      }
    };
    run().then(
      (result) => send({ type: 'reply', id: request.id, result }),
      (error: unknown) =>
        send({
          type: 'reply',
          id: request.id,
          error: error instanceof Error ? error.message : String(error),
        }),
    );
  });
  send({ type: 'ready', info });
}

main().catch((error: unknown) => {
  process.stderr.write(`runtime child failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});

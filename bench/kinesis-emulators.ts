/**
 * Why `npm start` uses kinesalite: PutRecords latency as the stream fills up, for kinesalite (the default),
 * kinesis-mock (npm `kinesis-local`) and moto (`moto_server`, when the machine has it), measured in the same
 * run on the same 500-record batches of canonical simulator events (2 shards, in memory).
 */
import { CreateStreamCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import {
  findMotoServer,
  type RunningEmulator,
  startKinesalite,
  startKinesisMock,
  startMoto,
} from '../local/emulators';
import { table } from './markdown';
import { round } from './stats';
import type { Benchmark } from './types';
import { canonicalEvents } from './workload';

const BATCH = 500;
const PUTS = 34;
const REPORT_AT = [1, 10, 20, 34];

async function measure(
  emulator: RunningEmulator,
  batches: ReadonlyArray<Array<{ Data: Uint8Array; PartitionKey: string }>>,
) {
  const client = new KinesisClient({
    endpoint: emulator.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler(),
  });
  await client.send(new CreateStreamCommand({ StreamName: 'bench', ShardCount: 2 }));
  await new Promise((r) => setTimeout(r, 300));
  const ms: number[] = [];
  for (const records of batches) {
    const started = performance.now();
    await client.send(new PutRecordsCommand({ StreamName: 'bench', Records: records }));
    ms.push(performance.now() - started);
  }
  client.destroy();
  return ms;
}

export const kinesisEmulatorsBenchmark: Benchmark = {
  name: 'kinesis-emulators',
  title: 'PutRecords latency as the stream grows: kinesalite against kinesis-mock and moto',
  async run({ log }) {
    const events = canonicalEvents(BATCH, 5);
    const records = events.map((e) => ({
      Data: Buffer.from(JSON.stringify(e)),
      PartitionKey: e.userId ?? (e.anonymousId as string),
    }));
    const batches = Array.from({ length: PUTS }, () => records);
    const results: Record<string, number[]> = {};
    const emulators: Array<readonly [string, () => Promise<RunningEmulator>]> = [
      ['kinesalite', () => startKinesalite({})],
      ['kinesis-mock', () => startKinesisMock({})],
    ];
    if (findMotoServer()) emulators.push(['moto', () => startMoto()]);
    else log('kinesis-emulators: moto_server is not on PATH, moto skipped');
    for (const [name, start] of emulators) {
      log(`kinesis-emulators: ${name}`);
      const emulator = await start();
      try {
        results[name] = await measure(emulator, batches);
      } finally {
        await emulator.stop();
      }
    }
    const names = emulators.map(([name]) => name);
    const rows = REPORT_AT.map((n) => [
      (n * BATCH).toLocaleString('en-US'),
      ...names.map((name) => round(results[name]?.[n - 1] ?? Number.NaN, 1)),
    ]);
    const markdown = [
      table(['records in the stream after the put', ...names.map((name) => `${name} ms`)], rows),
      '',
      `Each put is one PutRecords of ${BATCH} canonical events (${PUTS} puts per emulator, 2 shards, in memory).`,
    ].join('\n');
    return { markdown, data: { batch: BATCH, puts: PUTS, putMs: results } };
  },
};

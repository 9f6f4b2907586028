/** kinesalite behind the real AWS SDK client, for the tests of kinesalite.ts and kinesalite-fixes.ts. */
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { RunningEmulator } from '../../../../local/emulators/emulator';
import { startKinesalite } from '../../../../local/emulators/kinesalite';

/** Starts kinesalite (on LevelDB in `dataDir` when given) and adds it to `running`, for the caller to stop. */
export async function startKinesaliteClient(running: RunningEmulator[], dataDir?: string) {
  const emulator = await startKinesalite({ dataDir });
  running.push(emulator);
  const client = new KinesisClient({
    endpoint: emulator.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    requestHandler: new NodeHttpHandler(),
  });
  return { emulator, client };
}

/** Puts one record per partition key on the stream `events`, with data `<tag>-<index>`. */
export const put = (client: KinesisClient, keys: string[], tag: string) =>
  client.send(
    new PutRecordsCommand({
      StreamName: 'events',
      Records: keys.map((k, i) => ({ PartitionKey: k, Data: Buffer.from(`${tag}-${i}`) })),
    }),
  );

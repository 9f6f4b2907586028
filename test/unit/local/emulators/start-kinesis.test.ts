/** The runtime's Kinesis is the built-in emulator unless RECOSTREAM_KINESIS names kinesis-mock. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateStreamCommand, DescribeLimitsCommand } from '@aws-sdk/client-kinesis';
import { localKinesisClient } from '../../../../local/emulators/clients';
import { startKinesis } from '../../../../local/emulators/start-kinesis';

const saved = process.env.RECOSTREAM_KINESIS;
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'start-kinesis-'));
});
afterEach(() => {
  if (saved === undefined) delete process.env.RECOSTREAM_KINESIS;
  else process.env.RECOSTREAM_KINESIS = saved;
  rmSync(dir, { recursive: true, force: true });
});

// DescribeLimits tells them apart: kinesis-mock answers it, the built-in emulator implements only what the app uses.
it('starts the built-in emulator by default: streams.json and a folder per stream', async () => {
  delete process.env.RECOSTREAM_KINESIS;
  const emulator = await startKinesis({ dataDir: dir });
  const client = localKinesisClient(emulator.endpoint);
  try {
    await client.send(new CreateStreamCommand({ StreamName: 'events', ShardCount: 1 }));
    expect(readdirSync(dir).sort()).toEqual(['events', 'streams.json']);
    await expect(client.send(new DescribeLimitsCommand({}))).rejects.toThrow(
      /not supported by the local emulator/,
    );
  } finally {
    client.destroy();
    await emulator.stop();
  }
});

it('starts kinesis-mock with RECOSTREAM_KINESIS=kinesis-local', async () => {
  process.env.RECOSTREAM_KINESIS = 'kinesis-local';
  const emulator = await startKinesis({});
  const client = localKinesisClient(emulator.endpoint);
  try {
    expect((await client.send(new DescribeLimitsCommand({}))).ShardLimit).toBeGreaterThan(0);
  } finally {
    client.destroy();
    await emulator.stop();
  }
});

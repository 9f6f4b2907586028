/**
 * Where kinesalite differs from Kinesis in a way the local pipeline meets, fixed in front of its action
 * (local/emulators/kinesalite-fixes.ts): the fix replaces the action once, however often it is applied,
 * and GetShardIterator AT_TIMESTAMP then answers on a shard with nothing at or after the timestamp, through
 * the real AWS SDK client on the kinesalite that `npm start` runs.
 */
import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import type { RunningEmulator } from '../../../../local/emulators/emulator';
import { fixKinesalite } from '../../../../local/emulators/kinesalite-fixes';
import { put, startKinesaliteClient } from './helpers';

const emulators: RunningEmulator[] = [];

afterAll(async () => {
  for (const e of emulators) await e.stop();
});

const start = () => startKinesaliteClient(emulators);

it("replaces kinesalite's GetShardIterator action once, however often it is applied", () => {
  const action = 'kinesalite/actions/getShardIterator';
  const original = require(action) as unknown;
  fixKinesalite();
  const fixed = require(action) as unknown;
  expect(fixed).not.toBe(original);
  fixKinesalite();
  expect(require(action)).toBe(fixed);
});

// kinesalite alone never answers this call on a shard with nothing at or after the timestamp (kinesalite-fixes.ts);
// the local Firehose delivery starts there.
describe('GetShardIterator AT_TIMESTAMP', () => {
  const atTimestamp = async (client: KinesisClient, timestamp: Date) => {
    const { ShardIterator } = await client.send(
      new GetShardIteratorCommand({
        StreamName: 'events',
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'AT_TIMESTAMP',
        Timestamp: timestamp,
      }),
    );
    return (await client.send(new GetRecordsCommand({ ShardIterator }))).Records ?? [];
  };

  it('answers at the tip of a shard with nothing newer, then reads what comes after', async () => {
    const { client } = await start();
    await client.send(new CreateStreamCommand({ StreamName: 'events', ShardCount: 1 }));
    await put(client, ['u1'], 'before');
    // A timestamp after the record's arrival (the clock has moved on by at least a millisecond).
    const putDone = Date.now();
    while (Date.now() === putDone) await new Promise((resolve) => setImmediate(resolve));
    const { ShardIterator } = await client.send(
      new GetShardIteratorCommand({
        StreamName: 'events',
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'AT_TIMESTAMP',
        Timestamp: new Date(),
      }),
    );
    await put(client, ['u1'], 'after');
    const records = (await client.send(new GetRecordsCommand({ ShardIterator }))).Records ?? [];
    expect(records.map((r) => Buffer.from(r.Data as Uint8Array).toString())).toEqual(['after-0']);
  });

  it('starts at the first record at or after the timestamp', async () => {
    const { client } = await start();
    await client.send(new CreateStreamCommand({ StreamName: 'events', ShardCount: 1 }));
    const startedAt = new Date();
    await put(client, ['u1', 'u1'], 'a');
    const records = await atTimestamp(client, startedAt);
    expect(records.map((r) => Buffer.from(r.Data as Uint8Array).toString())).toEqual(['a-0', 'a-1']);
  });
});

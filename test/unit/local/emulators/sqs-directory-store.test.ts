/**
 * The storage side of the local SQS endpoint (local/emulators/sqs-directory-store.ts), without HTTP and on an
 * injected clock: a queue is a JSON-lines file that keeps its messages across a restart, a received message
 * is invisible for its visibility timeout, only the latest receipt handle deletes it, and a line that is not
 * a message of ours (an older queue file) is still delivered. The endpoint over it is sqs-directory.test.ts's.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectoryQueueStore, md5Hex, SqsFailure } from '../../../../local/emulators/sqs-directory-store';

let root: string;
let now: number;
const clock = () => now;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'sqs-store-'));
  now = 1_000_000;
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const failure = (call: Promise<unknown>) =>
  call.then(
    () => 'no failure',
    (error: unknown) => (error instanceof SqsFailure ? error.code : String(error)),
  );

it('keeps each message as one line of the queue file, with its MD5 answered on send', async () => {
  const store = new DirectoryQueueStore(root, clock);
  await store.createQueue('DeadLetter');
  const [sent] = await store.send('DeadLetter', ['{"batch":1}']);
  expect(sent?.md5).toBe(md5Hex('{"batch":1}'));
  expect(readFileSync(store.fileOf('DeadLetter'), 'utf8')).toBe(
    `${JSON.stringify({ MessageId: sent?.messageId, SentTimestamp: now, Body: '{"batch":1}' })}\n`,
  );
});

it('hides a received message for its visibility timeout, then delivers it again', async () => {
  const store = new DirectoryQueueStore(root, clock);
  await store.createQueue('Q');
  await store.send('Q', ['a', 'b', 'c']);
  expect((await store.receive('Q', 2, 30)).map((m) => m.body)).toEqual(['a', 'b']);
  expect(await store.counts('Q')).toEqual({ visible: 1, inFlight: 2 });
  expect((await store.receive('Q', 10, 30)).map((m) => m.body)).toEqual(['c']);
  now += 29_999;
  expect(await store.receive('Q', 10, 30)).toEqual([]);
  now += 1;
  const again = await store.receive('Q', 10, 30);
  expect(again.map((m) => [m.body, m.receiveCount])).toEqual([
    ['a', 2],
    ['b', 2],
    ['c', 2],
  ]);
});

it('deletes with the latest receipt handle only, and a deleted message stays deleted', async () => {
  const store = new DirectoryQueueStore(root, clock);
  await store.createQueue('Q');
  await store.send('Q', ['a']);
  const [first] = await store.receive('Q', 1, 0);
  const [second] = await store.receive('Q', 1, 0);
  const [stale, invalid] = await store.delete('Q', [first?.receiptHandle ?? '', 'no-colon']);
  expect([stale?.code, invalid?.code]).toEqual(['ReceiptHandleIsInvalid', 'ReceiptHandleIsInvalid']);
  expect(await store.delete('Q', [second?.receiptHandle ?? ''])).toEqual([undefined]);
  expect(await store.delete('Q', [second?.receiptHandle ?? ''])).toEqual([undefined]);
  expect(await store.counts('Q')).toEqual({ visible: 0, inFlight: 0 });
  expect(readFileSync(store.fileOf('Q'), 'utf8')).toBe('');
});

it('finds the messages again after a restart, all visible, and reads a line that is not ours as a body', async () => {
  const before = new DirectoryQueueStore(root, clock);
  await before.createQueue('Q');
  await before.send('Q', ['kept']);
  await before.receive('Q', 1, 300);
  appendFileSync(before.fileOf('Q'), 'plain text line\nplain text line\n');
  const after = new DirectoryQueueStore(root, clock);
  const bodies = await after.receive('Q', 10, 30);
  expect(bodies.map((m) => m.body)).toEqual(['kept', 'plain text line', 'plain text line']);
  expect(new Set(bodies.map((m) => m.messageId)).size).toBe(3);
});

it('purges a queue, and refuses a bad name and a queue never created', async () => {
  const store = new DirectoryQueueStore(root, clock);
  await store.createQueue('Q');
  await store.send('Q', ['a', 'b']);
  await store.purge('Q');
  expect(await store.counts('Q')).toEqual({ visible: 0, inFlight: 0 });
  expect(await failure(store.createQueue('bad name!'))).toBe('InvalidParameterValue');
  expect(await failure(store.send('Absent', ['a']))).toBe('QueueDoesNotExist');
  expect(await failure(store.assertExists('Absent'))).toBe('QueueDoesNotExist');
});

it('serialises calls on one queue: concurrent sends all land', async () => {
  const store = new DirectoryQueueStore(root, clock);
  await store.createQueue('Q');
  await Promise.all(Array.from({ length: 20 }, (_, i) => store.send('Q', [`m${i}`])));
  const after = new DirectoryQueueStore(root, clock);
  expect((await after.receive('Q', 100, 30)).map((m) => m.body).sort()).toEqual(
    Array.from({ length: 20 }, (_, i) => `m${i}`).sort(),
  );
});

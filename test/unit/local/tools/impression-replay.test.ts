/**
 * `recostream impressions replay` against the local SQS endpoint: what the stream takes is deleted, nothing
 * else is; an impression keeps its eventId and partition key; old, unreadable and refused messages stay.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateQueueCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type {
  EventPublisher,
  PublishRecord,
  PublishResult,
} from '../../../../lambdas/ingest/kinesis-publisher';
import {
  IMPRESSION_PUT_FAILED,
  type ImpressionDeadLetter,
} from '../../../../lambdas/recommend/impression-dead-letter';
import { impressionsCommand } from '../../../../local/cli/impressions';
import { localSqsClient, queueDepth } from '../../../../local/emulators';
import { type SqsDirectoryEmulator, startSqsDirectory } from '../../../../local/emulators/sqs-directory';
import { writeRuntimeFile } from '../../../../local/runtime/runtime-file';
import {
  formatImpressionReplaySummary,
  replayImpressionDeadLetters,
} from '../../../../local/tools/impression-replay';
import { SqsMessageQueue } from '../../../../local/tools/sqs-message-queue';

const NOW = Date.parse('2026-11-30T12:00:00Z');
let clock = NOW;
let root: string;
let sqs: SqsDirectoryEmulator;
let client: SQSClient;
let queueUrl: string;

/** Records what it is given; refuses the ids in `refuse`. */
class RecordingPublisher implements EventPublisher {
  readonly published: PublishRecord[] = [];
  constructor(private readonly refuse: ReadonlySet<string> = new Set()) {}
  async publish(records: readonly PublishRecord[]): Promise<PublishResult> {
    const failed = records.filter((r) => this.refuse.has(r.id));
    this.published.push(...records.filter((r) => !this.refuse.has(r.id)));
    return {
      failed: failed.map((record) => ({ record, errorCode: 'ProvisionedThroughputExceededException' })),
      retriedRecords: 0,
      calls: 1,
    };
  }
}

function letter(recommendationId: string, receivedAt = '2026-11-30T11:00:00.000Z'): ImpressionDeadLetter {
  return {
    reason: IMPRESSION_PUT_FAILED,
    error: 'TimeoutError: socket hang up',
    recommendationId,
    partitionKey: `user-${recommendationId}`,
    event: {
      schemaVersion: 1,
      eventId: recommendationId,
      type: 'recommendation_impression',
      userId: `user-${recommendationId}`,
      recommendationId,
      itemIds: ['item-1', 'item-2'],
      variant: 'control',
      occurredAt: receivedAt,
      receivedAt,
    },
    deadLetteredAt: receivedAt,
  };
}

async function send(body: object | string) {
  await client.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );
}

beforeEach(async () => {
  clock = NOW;
  root = mkdtempSync(join(tmpdir(), 'impression-replay-'));
  sqs = await startSqsDirectory({ rootDir: root, now: () => clock });
  client = localSqsClient(sqs.endpoint);
  queueUrl = (await client.send(new CreateQueueCommand({ QueueName: 'ImpressionDeadLetterQueue' })))
    .QueueUrl as string;
});

afterEach(async () => {
  client.destroy();
  await sqs.stop();
  rmSync(root, { recursive: true, force: true });
});

const replay = (publisher: EventPublisher | undefined, extra: { dryRun?: boolean; force?: boolean } = {}) =>
  replayImpressionDeadLetters({
    queue: new SqsMessageQueue(client, queueUrl),
    ...(publisher ? { publisher } : {}),
    now: () => new Date(clock),
    ...extra,
  });

it('puts each impression back unchanged (eventId, partition key, the event as JSON) and deletes its message', async () => {
  for (let n = 1; n <= 12; n++) await send(letter(`rec-${n}`));
  const publisher = new RecordingPublisher();
  const summary = await replay(publisher);
  expect(summary).toMatchObject({
    messages: 12,
    sent: 12,
    deleted: 12,
    beyondHorizon: 0,
    unreadable: [],
    failures: [],
  });
  const first = publisher.published.find((r) => r.id === 'rec-1');
  expect(first?.partitionKey).toBe('user-rec-1');
  expect(JSON.parse(Buffer.from(first?.data ?? []).toString('utf8'))).toEqual(letter('rec-1').event);
  expect(await queueDepth(client, queueUrl)).toBe(0);
  // Nothing is left to send a second time.
  clock += 120_000;
  expect(await replay(new RecordingPublisher())).toMatchObject({ messages: 0, sent: 0 });
});

it('leaves what it must not or could not send in the queue, and says why', async () => {
  await send(letter('fresh'));
  await send(letter('old', '2026-11-28T11:00:00.000Z'));
  await send('{"reason":"something else"}');
  await send(letter('refused'));
  const publisher = new RecordingPublisher(new Set(['refused']));
  const summary = await replay(publisher);
  expect(summary.sent).toBe(1);
  expect(summary.beyondHorizon).toBe(1);
  expect(summary.unreadable).toEqual([
    { id: expect.any(String), reason: expect.stringMatching(/^reason: /) },
  ]);
  expect(summary.failures).toEqual([
    { recommendationId: 'refused', errorCode: 'ProvisionedThroughputExceededException' },
  ]);
  expect(formatImpressionReplaySummary(summary)).toMatch(/1 beyond the horizon, 1 unreadable, 1 not taken/);
  // Once their visibility has run out, the three are there for the next run; --force sends the old one.
  clock += 61_000;
  const forced = await replay(new RecordingPublisher(), { force: true });
  expect(forced).toMatchObject({ messages: 3, sent: 2, deleted: 2 });
  expect(forced.unreadable).toHaveLength(1);
});

it('sends and deletes nothing in a dry run', async () => {
  await send(letter('a'));
  await send(letter('b'));
  const summary = await replay(undefined, { dryRun: true });
  expect(summary).toMatchObject({ dryRun: true, messages: 2, sent: 2, deleted: 0 });
  expect(formatImpressionReplaySummary(summary)).toMatch(/2 impression\(s\) would be sent/);
  clock += 61_000;
  expect(await queueDepth(client, queueUrl)).toBe(2);
});

it('refuses to run without a publisher unless it is a dry run', async () => {
  await expect(replay(undefined)).rejects.toThrow(/publisher is required/);
});

it('finds the queue of a running local runtime (--local) and counts in a dry run', async () => {
  await send(letter('a'));
  await send('not json');
  writeRuntimeFile(root, {
    dynamoEndpoint: 'http://127.0.0.1:1',
    tables: {},
    sqsEndpoint: sqs.endpoint,
    queues: {
      DeadLetterQueue1234: `${sqs.endpoint}/000000000000/DeadLetterQueue`,
      ImpressionDeadLetterQueueAB12: queueUrl,
    },
    streams: { EventsStream1234: 'events' },
    pid: process.pid,
  });
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
  expect(
    await impressionsCommand(['replay', '--local', '--data-dir', root, '--dry-run', '--force'], io),
  ).toBe(0);
  expect(out.join('\n')).toMatch(
    /2 message\(s\): 1 impression\(s\) would be sent, 0 beyond the horizon, 1 unreadable/,
  );
  expect(err.join('\n')).toMatch(/not an impression dead letter \(left in the queue\): message .*: not JSON/);
  expect(await impressionsCommand(['replay', '--dry-run'], io)).toBe(2);
  expect(err.join('\n')).toMatch(/give --local, or --queue-url URL and --stream NAME/);
});

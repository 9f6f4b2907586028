/**
 * The local SQS endpoint through the AWS SDK's SQS client, as the functions and the runtime call it: messages
 * are JSON lines in the queue's file and survive a restart of the endpoint, a received message stays hidden
 * for its visibility timeout on the endpoint's clock, only the latest receipt handle deletes it, the batch
 * limits and errors are SQS's, and what it does not serve is refused by name.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { localSqsClient, provisionQueues, queueDepth } from '../../../../local/emulators';
import { type SqsDirectoryEmulator, startSqsDirectory } from '../../../../local/emulators/sqs-directory';

let root: string;
let now = 1_000_000;
let sqs: SqsDirectoryEmulator;
let client: SQSClient;

async function start(): Promise<void> {
  sqs = await startSqsDirectory({ rootDir: root, now: () => now });
  client = localSqsClient(sqs.endpoint);
}

async function restart(): Promise<void> {
  client.destroy();
  await sqs.stop();
  await start();
}

/** A fresh queue per test, provisioned as the runtime provisions the topology's queues. */
let counter = 0;
async function newQueue(): Promise<{ name: string; url: string }> {
  const name = `Queue${++counter}`;
  const url = `${sqs.endpoint}/000000000000/${name}`;
  await provisionQueues({ queues: new Map([[name, { logicalId: name, url }]]) }, client);
  return { name, url };
}

async function receive(url: string, visibilityTimeout = 30, max = 10) {
  const out = await client.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: max,
      VisibilityTimeout: visibilityTimeout,
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
    }),
  );
  return out.Messages ?? [];
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'sqs-directory-'));
  await start();
});
afterAll(async () => {
  client?.destroy();
  await sqs?.stop();
  rmSync(root, { recursive: true, force: true });
});

it('keeps each sent message as one JSON line of the queue file, through a restart', async () => {
  const { name, url } = await newQueue();
  const sent = await client.send(
    new SendMessageBatchCommand({
      QueueUrl: url,
      Entries: [
        { Id: 'a', MessageBody: JSON.stringify({ code: 'invalid_json', payload: 'x' }) },
        { Id: 'b', MessageBody: 'two\nlines' },
      ],
    }),
  );
  expect(sent.Successful?.map((s) => s.Id)).toEqual(['a', 'b']);
  expect(sent.Failed).toEqual([]);
  const lines = readFileSync(join(root, `${name}.jsonl`), 'utf8')
    .trim()
    .split('\n');
  expect(lines.map((l) => (JSON.parse(l) as { Body: string }).Body)).toEqual([
    '{"code":"invalid_json","payload":"x"}',
    'two\nlines',
  ]);

  await restart();
  expect(await queueDepth(client, url)).toBe(2);
  const messages = await receive(url);
  expect(messages.map((m) => m.Body)).toEqual(['{"code":"invalid_json","payload":"x"}', 'two\nlines']);
  expect(messages.map((m) => m.MessageId)).toEqual(sent.Successful?.map((s) => s.MessageId));
});

it('hides a received message for its visibility timeout, then returns it with a higher receive count', async () => {
  const { url } = await newQueue();
  await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'one' }));
  const [first] = await receive(url, 60);
  expect(first?.Attributes?.ApproximateReceiveCount).toBe('1');
  expect(await receive(url)).toEqual([]);
  const counts = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
  expect(counts.Attributes).toMatchObject({
    ApproximateNumberOfMessages: '0',
    ApproximateNumberOfMessagesNotVisible: '1',
    QueueArn: expect.stringContaining(':sqs:'),
  });

  now += 60_000;
  const [again] = await receive(url, 60);
  expect(again?.Body).toBe('one');
  expect(again?.Attributes?.ApproximateReceiveCount).toBe('2');
  // The first receive's handle no longer deletes it (SQS: only the latest receipt handle does).
  await expect(
    client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first?.ReceiptHandle })),
  ).rejects.toMatchObject({ name: 'ReceiptHandleIsInvalid' });
  await client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: again?.ReceiptHandle }));
  now += 60_000;
  expect(await receive(url)).toEqual([]);
  expect(await queueDepth(client, url)).toBe(0);
});

it('deletes in batches, rewriting the file without the deleted messages', async () => {
  const { name, url } = await newQueue();
  await client.send(
    new SendMessageBatchCommand({
      QueueUrl: url,
      Entries: ['m1', 'm2', 'm3'].map((body) => ({ Id: body, MessageBody: body })),
    }),
  );
  const messages = await receive(url, 30, 2);
  expect(messages.map((m) => m.Body)).toEqual(['m1', 'm2']);
  const out = await client.send(
    new DeleteMessageBatchCommand({
      QueueUrl: url,
      Entries: [
        ...messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        { Id: 'bad', ReceiptHandle: 'not-a-handle' },
      ],
    }),
  );
  expect(out.Successful?.map((s) => s.Id)).toEqual(['0', '1']);
  expect(out.Failed).toEqual([expect.objectContaining({ Id: 'bad', Code: 'ReceiptHandleIsInvalid' })]);
  const lines = readFileSync(join(root, `${name}.jsonl`), 'utf8')
    .trim()
    .split('\n');
  expect(lines.map((l) => (JSON.parse(l) as { Body: string }).Body)).toEqual(['m3']);
});

it('reads a queue file of bodies (the format before the endpoint) as one message per line', async () => {
  const name = `Legacy${++counter}`;
  writeFileSync(join(root, `${name}.jsonl`), '{"code":"a"}\n{"code":"a"}\n');
  await restart();
  const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: name }));
  const messages = await receive(QueueUrl as string);
  expect(messages.map((m) => m.Body)).toEqual(['{"code":"a"}', '{"code":"a"}']);
  expect(new Set(messages.map((m) => m.MessageId)).size).toBe(2);
  await client.send(
    new DeleteMessageCommand({ QueueUrl, ReceiptHandle: messages[0]?.ReceiptHandle as string }),
  );
  expect(await queueDepth(client, QueueUrl as string)).toBe(0);
  now += 30_000;
  expect(await queueDepth(client, QueueUrl as string)).toBe(1);
});

it('purges a queue', async () => {
  const { url } = await newQueue();
  await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
  await client.send(new PurgeQueueCommand({ QueueUrl: url }));
  expect(await queueDepth(client, url)).toBe(0);
});

it("answers SQS's errors for a missing queue, bad batches and bad bodies", async () => {
  const { url } = await newQueue();
  await expect(
    client.send(new SendMessageCommand({ QueueUrl: `${sqs.endpoint}/000000000000/Nope`, MessageBody: 'x' })),
  ).rejects.toMatchObject({ name: 'QueueDoesNotExist' });
  await expect(client.send(new GetQueueUrlCommand({ QueueName: 'Nope' }))).rejects.toMatchObject({
    name: 'QueueDoesNotExist',
  });
  await expect(
    client.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: Array.from({ length: 11 }, (_, i) => ({ Id: String(i), MessageBody: 'x' })),
      }),
    ),
  ).rejects.toMatchObject({ name: 'TooManyEntriesInBatchRequest' });
  await expect(
    client.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'same', MessageBody: 'x' },
          { Id: 'same', MessageBody: 'y' },
        ],
      }),
    ),
  ).rejects.toMatchObject({ name: 'BatchEntryIdsNotDistinct' });
  // A body with a character SQS refuses fails that entry only.
  const mixed = await client.send(
    new SendMessageBatchCommand({
      QueueUrl: url,
      Entries: [
        { Id: 'ok', MessageBody: 'fine' },
        { Id: 'nul', MessageBody: 'a\u0000b' },
      ],
    }),
  );
  expect(mixed.Successful?.map((s) => s.Id)).toEqual(['ok']);
  expect(mixed.Failed).toEqual([expect.objectContaining({ Id: 'nul', Code: 'InvalidMessageContents' })]);
  await expect(
    client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(1024 * 1024 + 1) })),
  ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
});

it('refuses what it does not serve by name', async () => {
  const { url } = await newQueue();
  await expect(client.send(new ListQueuesCommand({}))).rejects.toThrow(/does not serve ListQueues/);
  await expect(
    client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', DelaySeconds: 5 })),
  ).rejects.toThrow(/does not serve DelaySeconds/);
  await expect(
    client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['VisibilityTimeout'] })),
  ).rejects.toThrow(/VisibilityTimeout/);
});

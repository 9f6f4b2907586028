/**
 * The local SNS endpoint through the AWS SDK's SNS client, as the runtime and the job runner call it: topics are
 * created from the topology (CreateTopic twice changes nothing), each Publish is one notification envelope line
 * in the topic's file with the endpoint's clock, topics and messages survive a restart of the endpoint, the
 * errors are SNS's (unknown topic, empty or oversized message, bad subject), and what it does not serve is
 * refused as NotImplemented, naming it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTopicCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsCommand,
  ListTopicsCommand,
  PublishCommand,
  type SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { localSnsClient } from '../../../../local/emulators';
import { type SnsDirectoryEmulator, startSnsDirectory } from '../../../../local/emulators/sns-directory';
import { directoryTopicReader, provisionTopics } from '../../../../local/emulators/sns-topics';
import { localArn } from '../../../../local/topology';

let root: string;
let now = Date.parse('2026-12-03T10:00:00.000Z');
let sns: SnsDirectoryEmulator;
let client: SNSClient;

async function start(): Promise<void> {
  sns = await startSnsDirectory({ rootDir: root, now: () => now });
  client = localSnsClient(sns.endpoint);
}

async function restart(): Promise<void> {
  client.destroy();
  await sns.stop();
  await start();
}

/** A fresh topic per test, provisioned as the runtime provisions the topology's topics. */
let counter = 0;
async function newTopic() {
  const name = `Topic${++counter}`;
  const topic = { logicalId: name, name, arn: localArn('sns', name) };
  await provisionTopics({ topics: new Map([[name, topic]]) }, client);
  return topic;
}

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'sns-directory-'));
  await start();
});
afterEach(async () => {
  client.destroy();
  await sns.stop();
  rmSync(root, { recursive: true, force: true });
});

it('creates a topic at the local ARN, once, and lists it', async () => {
  const topic = await newTopic();
  const again = await client.send(new CreateTopicCommand({ Name: topic.name }));
  expect(again.TopicArn).toBe(topic.arn);
  expect(topic.arn).toBe(`arn:aws:sns:us-east-1:000000000000:${topic.name}`);
  const other = await newTopic();
  expect((await client.send(new ListTopicsCommand({}))).Topics).toEqual([
    { TopicArn: topic.arn },
    { TopicArn: other.arn },
  ]);
  const { Attributes } = await client.send(new GetTopicAttributesCommand({ TopicArn: topic.arn }));
  expect(Attributes).toMatchObject({ TopicArn: topic.arn, Owner: '000000000000' });
});

it('stores each Publish as one notification envelope line, with the endpoint clock', async () => {
  const topic = await newTopic();
  const first = await client.send(
    new PublishCommand({ TopicArn: topic.arn, Subject: 'RecoStream cf run failed', Message: 'a <b> & "c"' }),
  );
  now += 1000;
  const second = await client.send(new PublishCommand({ TopicArn: topic.arn, Message: 'no subject' }));
  const lines = readFileSync(join(root, `${topic.name}.jsonl`), 'utf8')
    .trim()
    .split('\n');
  expect(lines.map((l) => JSON.parse(l))).toEqual([
    {
      Type: 'Notification',
      MessageId: first.MessageId,
      TopicArn: topic.arn,
      Subject: 'RecoStream cf run failed',
      Message: 'a <b> & "c"',
      Timestamp: '2026-12-03T10:00:00.000Z',
    },
    {
      Type: 'Notification',
      MessageId: second.MessageId,
      TopicArn: topic.arn,
      Message: 'no subject',
      Timestamp: '2026-12-03T10:00:01.000Z',
    },
  ]);
  expect(first.MessageId).not.toBe(second.MessageId);
});

it('keeps topics and messages across a restart, and the reader reads them', async () => {
  const topic = await newTopic();
  await client.send(new PublishCommand({ TopicArn: topic.arn, Subject: 's1', Message: 'before' }));
  await restart();
  expect((await client.send(new ListTopicsCommand({}))).Topics).toEqual([{ TopicArn: topic.arn }]);
  await client.send(new PublishCommand({ TopicArn: topic.arn, Subject: 's2', Message: 'after' }));
  const read = await directoryTopicReader(root, topic).notifications();
  expect(read.map((n) => [n.Subject, n.Message])).toEqual([
    ['s1', 'before'],
    ['s2', 'after'],
  ]);
});

it("answers SNS's errors: unknown topic, bad ARN, empty or oversized message, bad subject, bad name", async () => {
  const topic = await newTopic();
  const missing = localArn('sns', 'Missing');
  await expect(client.send(new PublishCommand({ TopicArn: missing, Message: 'x' }))).rejects.toMatchObject({
    name: 'NotFoundException',
    message: `Topic does not exist: ${missing}`,
  });
  await expect(client.send(new GetTopicAttributesCommand({ TopicArn: missing }))).rejects.toMatchObject({
    name: 'NotFoundException',
  });
  await expect(
    client.send(new PublishCommand({ TopicArn: 'not-an-arn', Message: 'x' })),
  ).rejects.toMatchObject({
    name: 'InvalidParameterException',
    message: expect.stringMatching(/not-an-arn/),
  });
  await expect(client.send(new PublishCommand({ TopicArn: topic.arn, Message: '' }))).rejects.toMatchObject({
    name: 'InvalidParameterException',
    message: 'Invalid parameter: Empty message',
  });
  await expect(
    client.send(new PublishCommand({ TopicArn: topic.arn, Message: 'x'.repeat(256 * 1024 + 1) })),
  ).rejects.toMatchObject({ name: 'InvalidParameterException', message: /Message too long/ });
  await expect(
    client.send(new PublishCommand({ TopicArn: topic.arn, Subject: 'two\nlines', Message: 'x' })),
  ).rejects.toMatchObject({ name: 'InvalidParameterException', message: /Subject/ });
  await expect(client.send(new CreateTopicCommand({ Name: 'bad name!' }))).rejects.toMatchObject({
    name: 'InvalidParameterException',
  });
  // Nothing of the refused calls was stored.
  expect(await directoryTopicReader(root, topic).notifications()).toEqual([]);
});

it('refuses what it does not serve as NotImplemented, naming the call or the parameter', async () => {
  const topic = await newTopic();
  await expect(
    client.send(new SubscribeCommand({ TopicArn: topic.arn, Protocol: 'sqs', Endpoint: 'arn:aws:sqs:x' })),
  ).rejects.toMatchObject({ name: 'NotImplemented', message: /does not serve Subscribe/ });
  await expect(client.send(new ListSubscriptionsCommand({}))).rejects.toMatchObject({
    name: 'NotImplemented',
    message: /does not serve ListSubscriptions/,
  });
  await expect(
    client.send(
      new PublishCommand({
        TopicArn: topic.arn,
        Message: 'x',
        MessageAttributes: { a: { DataType: 'String', StringValue: 'b' } },
      }),
    ),
  ).rejects.toMatchObject({ name: 'NotImplemented', message: /Publish with MessageAttributes/ });
  await expect(
    client.send(new CreateTopicCommand({ Name: 'T', Attributes: { DisplayName: 'x' } })),
  ).rejects.toMatchObject({ name: 'NotImplemented', message: /CreateTopic with Attributes/ });
  await expect(client.send(new CreateTopicCommand({ Name: 'T.fifo' }))).rejects.toMatchObject({
    name: 'NotImplemented',
    message: /FIFO topics/,
  });
});

/** The local SNS endpoint's topics as files: names SNS accepts, NotFound before CreateTopic, envelopes that last. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectoryTopicStore, SnsFailure, topicArnOf } from '../../../../local/emulators/sns-directory-store';

let root: string;
const clock = () => Date.parse('2026-12-03T12:00:00Z');
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'sns-store-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

it('keeps each published message as one envelope line, in order, across a new store on the same folder', async () => {
  const store = new DirectoryTopicStore(root, clock);
  expect(await store.createTopic('AlarmTopic')).toBe(topicArnOf('AlarmTopic'));
  // CreateTopic of an existing topic answers its ARN and keeps its messages.
  await store.publish('AlarmTopic', { subject: 'RecoStream cf run failed', message: 'first' });
  expect(await store.createTopic('AlarmTopic')).toBe(topicArnOf('AlarmTopic'));
  await store.publish('AlarmTopic', { message: 'second' });
  const reopened = new DirectoryTopicStore(root, clock);
  const messages = await reopened.notifications('AlarmTopic');
  expect(messages.map((m) => [m.Subject, m.Message])).toEqual([
    ['RecoStream cf run failed', 'first'],
    [undefined, 'second'],
  ]);
  expect(messages[0]).toMatchObject({
    Type: 'Notification',
    TopicArn: topicArnOf('AlarmTopic'),
    Timestamp: '2026-12-03T12:00:00.000Z',
  });
  expect(readFileSync(store.fileOf('AlarmTopic'), 'utf8').trim().split('\n')).toHaveLength(2);
});

it('answers as SNS does: a bad topic name is InvalidParameter, an unknown topic NotFound', async () => {
  const store = new DirectoryTopicStore(root, clock);
  await expect(store.createTopic('no spaces')).rejects.toMatchObject({
    status: 400,
    code: 'InvalidParameter',
  });
  const missing = store.publish('Nowhere', { message: 'x' });
  await expect(missing).rejects.toBeInstanceOf(SnsFailure);
  await expect(missing).rejects.toMatchObject({ status: 404, code: 'NotFound' });
  await expect(store.notifications('Nowhere')).rejects.toMatchObject({ code: 'NotFound' });
});

it('lists the topics in name order, and none before the folder exists', async () => {
  const store = new DirectoryTopicStore(join(root, 'topics'), clock);
  expect(await store.topicArns()).toEqual([]);
  await store.createTopic('b-topic');
  await store.createTopic('a-topic');
  expect(await store.topicArns()).toEqual([topicArnOf('a-topic'), topicArnOf('b-topic')]);
});

/**
 * The SQS side of local provisioning (local/emulators/sqs-queues.ts): every queue of the topology is created
 * under the name its local URL ends with, and a queue's depth is its ApproximateNumberOfMessages, what the
 * DLQ alarm watches. Over aws-sdk-client-mock: the endpoint's own behaviour is sqs-directory.test.ts's.
 */
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { provisionQueues, queueDepth, queueNameOf } from '../../../../local/emulators/sqs-queues';

const sqs = mockClient(SQSClient);
beforeEach(() => sqs.reset());

it('queueNameOf: the last path segment of a queue URL', () => {
  expect(queueNameOf('http://127.0.0.1:4566/000000000000/FeatureStoreDeadLetter')).toBe(
    'FeatureStoreDeadLetter',
  );
  expect(queueNameOf('http://127.0.0.1:4566/000000000000/Queue/')).toBe('Queue');
  expect(queueNameOf('http://127.0.0.1:4566/')).toBe('');
});

it('creates every queue of the topology by its name', async () => {
  sqs.on(CreateQueueCommand).resolves({});
  const queues = new Map([
    ['DeadLetterA', { logicalId: 'DeadLetterA', url: 'http://127.0.0.1:1/000000000000/QueueA' }],
    ['DeadLetterB', { logicalId: 'DeadLetterB', url: 'http://127.0.0.1:1/000000000000/QueueB' }],
  ]);
  await provisionQueues({ queues }, new SQSClient({}));
  expect(sqs.commandCalls(CreateQueueCommand).map((call) => call.args[0].input)).toEqual([
    { QueueName: 'QueueA' },
    { QueueName: 'QueueB' },
  ]);
});

it('queueDepth: ApproximateNumberOfMessages of the queue, 0 when the attribute is absent', async () => {
  const url = 'http://127.0.0.1:1/000000000000/QueueA';
  sqs
    .on(GetQueueAttributesCommand)
    .resolvesOnce({ Attributes: { ApproximateNumberOfMessages: '7' } })
    .resolves({});
  expect(await queueDepth(new SQSClient({}), url)).toBe(7);
  expect(await queueDepth(new SQSClient({}), url)).toBe(0);
  expect(sqs.commandCalls(GetQueueAttributesCommand)[0]?.args[0].input).toEqual({
    QueueUrl: url,
    AttributeNames: ['ApproximateNumberOfMessages'],
  });
});

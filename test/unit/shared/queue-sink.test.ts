/**
 * The dead-letter sink through the SDK's SQS client against the local SQS endpoint (which checks what SQS
 * checks): every message arrives, in batches of at most 10, as the JSON of the object; and a payload with a
 * character SQS refuses in a message body (U+FFFE, U+FFFF: JSON.stringify leaves them as they are) still
 * arrives, escaped in the JSON, instead of failing the consumer's batch forever.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { SqsQueueSink } from '../../../lambdas/shared/queue-sink';
import { localSqsClient, provisionQueues, queueDepth } from '../../../local/emulators';
import { type SqsDirectoryEmulator, startSqsDirectory } from '../../../local/emulators/sqs-directory';
import { localQueueUrl } from '../../../local/topology';
import { receiveJsonMessages } from '../../support/queue-messages';

let root: string;
let sqs: SqsDirectoryEmulator;
let client: SQSClient;
let queueUrl: string;

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'queue-sink-'));
  sqs = await startSqsDirectory({ rootDir: root });
  client = localSqsClient(sqs.endpoint);
  queueUrl = localQueueUrl(sqs.endpoint, 'DeadLetterQueue');
  await provisionQueues({ queues: new Map([['Dlq', { logicalId: 'Dlq', url: queueUrl }]]) }, client);
});
afterEach(async () => {
  client.destroy();
  await sqs.stop();
  rmSync(root, { recursive: true, force: true });
});

it('sends every message as its JSON, more than one batch of 10', async () => {
  const messages = Array.from({ length: 23 }, (_, i) => ({ reason: 'invalid_record', payload: `p${i}` }));
  await new SqsQueueSink(queueUrl, () => client).sendAll(messages);
  expect(await queueDepth(client, queueUrl)).toBe(23);
  expect(await receiveJsonMessages(client, queueUrl)).toEqual(messages);
});

it('dead-letters a payload holding characters SQS refuses in a body, escaped so it reads back the same', async () => {
  const poison = { reason: 'invalid_record', payload: 'not json \uFFFF\uFFFE {' };
  await new SqsQueueSink(queueUrl, () => client).sendAll([poison]);
  expect(await receiveJsonMessages(client, queueUrl)).toEqual([poison]);
});

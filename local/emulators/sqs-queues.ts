/**
 * The SQS side of local provisioning: the topology's queues created through the SDK, as CloudFormation
 * creates them, on whichever endpoint serves SQS (the local directory endpoint or moto). A queue's local URL
 * is fixed by the topology (`<endpoint>/<account>/<name>`); both endpoints find a queue by that name.
 */
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { LocalTopology } from '../topology';

/** Creates every queue of the topology (CreateQueue of an existing queue changes nothing). */
export async function provisionQueues(
  topology: Pick<LocalTopology, 'queues'>,
  sqs: SQSClient,
): Promise<void> {
  for (const queue of topology.queues.values())
    await sqs.send(new CreateQueueCommand({ QueueName: queueNameOf(queue.url) }));
}

/** The name in a queue URL: its last path segment. */
export function queueNameOf(url: string): string {
  return new URL(url).pathname.split('/').filter(Boolean).pop() ?? '';
}

/** ApproximateNumberOfMessages of one queue: what the DLQ-not-empty alarm watches. */
export async function queueDepth(sqs: SQSClient, url: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
}

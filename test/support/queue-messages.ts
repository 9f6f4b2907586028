/**
 * Reads a queue's messages through SQS, as an operator's tool would, on whichever endpoint serves it (the
 * local directory endpoint or moto): one reader for both modes, no knowledge of how a queue is stored.
 */
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

/**
 * Receives until the queue answers with nothing and returns the bodies parsed as JSON. What it read stays
 * hidden for `visibilityTimeoutSeconds` (SQS has no peek), so a test that polls keeps what earlier calls
 * returned.
 */
export async function receiveJsonMessages(
  sqs: SQSClient,
  queueUrl: string,
  visibilityTimeoutSeconds = 600,
): Promise<Array<Record<string, unknown>>> {
  const bodies: Array<Record<string, unknown>> = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: visibilityTimeoutSeconds,
      }),
    );
    if (Messages.length === 0) return bodies;
    for (const m of Messages) bodies.push(JSON.parse(m.Body ?? 'null') as Record<string, unknown>);
  }
}

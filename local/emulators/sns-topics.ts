/**
 * The SNS side of local provisioning, and the one way the local runtime reads what was published to a topic.
 * The topology's topics are created through the SDK, as CloudFormation creates them, on whichever endpoint
 * serves SNS (the local directory endpoint or moto); a topic's local ARN is fixed by the topology and both
 * endpoints answer it (moto runs in the local account, moto.ts).
 *
 * Reading a topic: SNS has no call that returns published messages. On the directory endpoint they are its
 * files (`<topicsDir>/<TopicName>.jsonl`); on moto a queue subscribed to the topic receives them, as one
 * observes a topic on AWS. Both give the same notification envelope (sns-notification.ts).
 */
import { CreateTopicCommand, type SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { LocalTopic, LocalTopology } from '../topology';
import { DirectoryTopicStore } from './sns-directory-store';
import { parseSnsNotification, type SnsNotification } from './sns-notification';

/** Creates every topic of the topology (CreateTopic of an existing topic changes nothing). */
export async function provisionTopics(
  topology: Pick<LocalTopology, 'topics'>,
  sns: SNSClient,
): Promise<void> {
  for (const topic of topology.topics.values()) {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: topic.name }));
    if (TopicArn !== topic.arn)
      throw new Error(`CreateTopic ${topic.name} answered ${TopicArn}, not the template's ${topic.arn}`);
  }
}

/** What was published to one topic, oldest first. */
export interface TopicReader {
  notifications(): Promise<SnsNotification[]>;
}

/**
 * The reader of a topic on the endpoint that serves it: its files when the directory endpoint keeps them in
 * `topicsDir`, else (moto) a queue subscribed to it now.
 */
export function topicReader(
  topic: LocalTopic,
  where: { readonly topicsDir?: string; readonly sns: SNSClient; readonly sqs: SQSClient },
): Promise<TopicReader> {
  return where.topicsDir
    ? Promise.resolve(directoryTopicReader(where.topicsDir, topic))
    : subscribedTopicReader(where, topic);
}

/** The topic's messages as the directory endpoint stored them under `topicsDir`. */
export function directoryTopicReader(topicsDir: string, topic: LocalTopic): TopicReader {
  const store = new DirectoryTopicStore(topicsDir);
  return { notifications: () => store.notifications(topic.name) };
}

/**
 * Subscribes a queue `<TopicName>-observer` (created here, not in the template) to the topic and reads the
 * notifications it receives: each received message is deleted and kept in memory, so `notifications()` returns
 * everything published since the subscription.
 */
export async function subscribedTopicReader(
  clients: { sns: SNSClient; sqs: SQSClient },
  topic: LocalTopic,
): Promise<TopicReader> {
  const { sns, sqs } = clients;
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `${topic.name}-observer` }));
  if (!QueueUrl) throw new Error(`CreateQueue ${topic.name}-observer answered no QueueUrl`);
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  await sns.send(
    new SubscribeCommand({ TopicArn: topic.arn, Protocol: 'sqs', Endpoint: Attributes?.QueueArn }),
  );
  const received: SnsNotification[] = [];
  return {
    notifications: async () => {
      for (;;) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 30 }),
        );
        if (Messages.length === 0) break;
        for (const m of Messages)
          received.push(parseSnsNotification(m.Body ?? '', `queue ${topic.name}-observer`));
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl,
            Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
      }
      return received.slice().sort((a, b) => a.Timestamp.localeCompare(b.Timestamp));
    },
  };
}

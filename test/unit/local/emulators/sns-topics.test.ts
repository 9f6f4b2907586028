/**
 * Reading a topic the way each endpoint allows: on moto (5.2.1) a queue subscribed to the topic receives SNS's
 * notification envelope, the same shape the directory endpoint stores, so one reader type serves both modes;
 * provisioning creates the topology's topics at their local ARNs there too (moto runs in the local account).
 * Skipped, saying so, when the machine has no moto_server.
 */
import { PublishCommand } from '@aws-sdk/client-sns';
import { localSnsClient, localSqsClient, startMoto } from '../../../../local/emulators';
import { findMotoServer } from '../../../../local/emulators/moto';
import { parseSnsNotification } from '../../../../local/emulators/sns-notification';
import { provisionTopics, subscribedTopicReader } from '../../../../local/emulators/sns-topics';
import { localArn } from '../../../../local/topology';

it('names the source of a line that is not a notification envelope', () => {
  expect(() => parseSnsNotification('nope', 'file:3')).toThrow('file:3: not JSON: nope');
  expect(() => parseSnsNotification('{"Type":"Notification"}', 'queue q')).toThrow(
    /queue q: not an SNS notification/,
  );
});

const withMoto = findMotoServer() ? it : it.skip;
if (!findMotoServer())
  process.stderr.write('sns-topics: moto_server is not on PATH; the moto test is skipped\n');

withMoto(
  'on moto: topics at the local ARNs, notifications read through a subscribed queue',
  async () => {
    const moto = await startMoto();
    const sns = localSnsClient(moto.endpoint);
    const sqs = localSqsClient(moto.endpoint);
    try {
      const topic = { logicalId: 'AlarmTopicX', name: 'AlarmTopicX', arn: localArn('sns', 'AlarmTopicX') };
      await provisionTopics({ topics: new Map([[topic.logicalId, topic]]) }, sns);
      const reader = await subscribedTopicReader({ sns, sqs }, topic);
      expect(await reader.notifications()).toEqual([]);
      await sns.send(new PublishCommand({ TopicArn: topic.arn, Subject: 'S1', Message: 'first' }));
      await sns.send(new PublishCommand({ TopicArn: topic.arn, Message: 'second' }));
      const read = await reader.notifications();
      expect(read.map((n) => [n.TopicArn, n.Subject, n.Message])).toEqual([
        [topic.arn, 'S1', 'first'],
        [topic.arn, undefined, 'second'],
      ]);
      // Read again: what was received is kept, nothing is received twice.
      expect((await reader.notifications()).length).toBe(2);
    } finally {
      sns.destroy();
      sqs.destroy();
      await moto.stop();
    }
  },
  60_000,
);

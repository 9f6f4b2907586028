/** The replay commands' publisher: it keeps retrying what the stream throttles, and says so on stderr. */
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { operatorPublisher } from '../../../../local/cli/operator-publisher';

it('retries a throttled record until the stream takes it, printing each retry', async () => {
  const client = new KinesisClient({ region: 'us-east-1' });
  const kinesis = mockClient(client);
  kinesis
    .on(PutRecordsCommand)
    .resolvesOnce({
      FailedRecordCount: 1,
      Records: [{ ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' }],
    })
    .resolves({ FailedRecordCount: 0, Records: [{ SequenceNumber: '1', ShardId: 'shardId-000000000000' }] });
  const err: string[] = [];
  const publisher = operatorPublisher('events', client, { out: () => undefined, err: (t) => err.push(t) });
  const result = await publisher.publish([{ id: 'e1', partitionKey: 'u1', data: Buffer.from('{}') }]);
  expect(result.failed).toEqual([]);
  expect(kinesis.commandCalls(PutRecordsCommand)).toHaveLength(2);
  expect(kinesis.commandCalls(PutRecordsCommand)[0]?.args[0].input.StreamName).toBe('events');
  expect(err).toEqual(['  retrying 1 record(s): {"ProvisionedThroughputExceededException":1}']);
});

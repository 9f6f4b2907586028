/**
 * The built-in Kinesis emulator's state, called directly: validation answers with Kinesis's error types,
 * expired records are dropped without moving the positions of the others, and an iterator after a sequence
 * number that has expired resumes after it rather than failing.
 */
import { type KinesisError, KinesisState } from '../../../../local/emulators/kinesis-store';

const HOUR = 3_600_000;
const data = (text: string) => Buffer.from(text).toString('base64');
const decode = (records: Array<{ Data: string }>) =>
  records.map((r) => Buffer.from(r.Data, 'base64').toString());

function streamWith(...texts: string[]) {
  const state = new KinesisState();
  state.call('CreateStream', { StreamName: 'events', ShardCount: 1 });
  const put = state.call('PutRecords', {
    StreamName: 'events',
    Records: texts.map((t) => ({ PartitionKey: 'u1', Data: data(t) })),
  }) as { Records: Array<{ ShardId: string; SequenceNumber: string }> };
  return { state, put: put.Records };
}

const read = (state: KinesisState, input: Record<string, unknown>) => {
  const { ShardIterator } = state.call('GetShardIterator', {
    StreamName: 'events',
    ShardId: 'shardId-000000000000',
    ...input,
  }) as { ShardIterator: string };
  return state.call('GetRecords', { ShardIterator }) as { Records: Array<{ Data: string }> };
};

it('answers bad calls with the error types Kinesis uses', () => {
  const { state } = streamWith('a');
  const typeOf = (operation: string, input: Record<string, unknown>) => {
    try {
      state.call(operation, input);
      return 'ok';
    } catch (error) {
      return (error as KinesisError).type;
    }
  };
  expect(typeOf('PutRecords', { StreamName: 'events', Records: [] })).toBe('ValidationException');
  expect(typeOf('CreateStream', { StreamName: 'events', ShardCount: 1 })).toBe('ResourceInUseException');
  expect(typeOf('ListShards', { StreamName: 'nope' })).toBe('ResourceNotFoundException');
  expect(typeOf('MergeShards', { StreamName: 'events' })).toBe('UnknownOperationException');
  expect(typeOf('GetRecords', { ShardIterator: 'not-an-iterator' })).toBe('InvalidArgumentException');
});

it('drops expired records and resumes after a sequence number that expired', () => {
  const { state, put } = streamWith('a', 'b');
  const [first] = put;
  expect(decode(read(state, { ShardIteratorType: 'TRIM_HORIZON' }).Records)).toEqual(['a', 'b']);

  state.expireRecords(Date.now() + 25 * HOUR);
  expect(read(state, { ShardIteratorType: 'TRIM_HORIZON' }).Records).toEqual([]);
  state.call('PutRecord', { StreamName: 'events', PartitionKey: 'u1', Data: data('c') });
  const after = read(state, {
    ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
    StartingSequenceNumber: first?.SequenceNumber,
  });
  expect(decode(after.Records)).toEqual(['c']);
});

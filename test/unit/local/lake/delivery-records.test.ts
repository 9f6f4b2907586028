/**
 * Firehose's per-record processing, on its own: a record that is not JSON fails as Firehose says it fails
 * (the partition-key query first with dynamic partitioning, the conversion otherwise), a JSON that is not a
 * canonical event fails the conversion with the schema's reasons, and the `Lambda` processor's answers are
 * honoured record by record (Ok with new data, Dropped, ProcessingFailed, no answer at all).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type BufferedRecord,
  convertRecord,
  transformRecords,
} from '../../../../local/lake/delivery-records';
import type { LocalDeliveryStream } from '../../../../local/topology';

const delivery: LocalDeliveryStream = {
  logicalId: 'Lake',
  name: 'lake-delivery',
  sourceStreamId: 'Events',
  bucketId: 'LakeBucket',
  prefix: 'events/',
  errorPrefix: 'errors/',
  bufferSizeMb: 64,
  bufferIntervalSeconds: 60,
  dynamicPartitioning: true,
  transformFunctionId: 'Transform',
};
const stream = { logicalId: 'Events', name: 'events', shardCount: 1, retentionHours: 24 };
const canonical = readFileSync(join(__dirname, '../../../fixtures/events/v1/page_view.json'), 'utf8');
const rec = (data: string, n = 1): BufferedRecord => ({
  shardId: 'shardId-000000000000',
  sequenceNumber: String(n),
  data: Buffer.from(data),
  arrivedAt: 1_700_000_000_000,
  bufferedAt: 1_700_000_000_000,
});

describe('convertRecord', () => {
  it('fails non-JSON on the partition-key query with dynamic partitioning, on the conversion without', () => {
    expect(convertRecord(rec('not json'), true)).toMatchObject({
      failure: {
        errorOutputType: 'processing-failed',
        errorCode: 'DynamicPartitioning.MetadataExtractionFailed',
      },
    });
    expect(convertRecord(rec('not json'), false)).toMatchObject({
      failure: {
        errorOutputType: 'format-conversion-failed',
        errorCode: 'DataFormatConversion.MalformedData',
      },
    });
  });

  it('names the schema problems of a JSON that is not a canonical event, and converts one that is', () => {
    const outcome = convertRecord(rec('{"type":"page_view"}'), true);
    expect(outcome).toMatchObject({
      failure: { errorMessage: expect.stringMatching(/^Not a canonical event: /) },
    });
    expect(convertRecord(rec(canonical), true)).toHaveProperty('event');
  });
});

describe('transformRecords', () => {
  it('keeps Ok records with their new data and sends the others to the error prefix', async () => {
    const batch = [rec('a', 1), rec('b', 2), rec('c', 3), rec('d', 4)];
    const { records, failed } = await transformRecords(batch, {
      delivery,
      stream,
      invoke: async (_fn, event) => {
        const ids = (event as { records: { recordId: string }[] }).records.map((r) => r.recordId);
        expect(ids).toEqual(['0', '1', '2', '3']);
        return {
          records: [
            { recordId: '0', result: 'Ok', data: Buffer.from('A').toString('base64') },
            { recordId: '1', result: 'Dropped' },
            { recordId: '2', result: 'ProcessingFailed' },
          ],
        };
      },
    });
    expect(records.map((r) => Buffer.from(r.data).toString())).toEqual(['A']);
    expect(failed.map((f) => [f.sequenceNumber, f.errorCode])).toEqual([
      ['3', 'Lambda.ProcessingFailed'],
      ['4', 'Lambda.MissingRecordId'],
    ]);
  });

  it('passes records through without a processor, and refuses a processor it cannot invoke', async () => {
    const batch = [rec('a')];
    const plain = { ...delivery, transformFunctionId: undefined };
    expect((await transformRecords(batch, { delivery: plain, stream })).records).toEqual(batch);
    await expect(transformRecords(batch, { delivery, stream })).rejects.toThrow(
      /has a Lambda processor but no invoke/,
    );
  });
});

/**
 * Quarantine records and object layout, against an in-memory ObjectStore: the key is
 * <prefix>dt=YYYY-MM-DD/reason=<code>/<epochMs>-<requestId>.jsonl (UTC date of receipt), one object per
 * reason, one JSON line per rejection with the raw payload (capped at 1 MiB on a character boundary and
 * with write keys redacted), and write failures are reported as data instead of thrown.
 */
import { parseIngestRequest } from '../../../lambdas/ingest/ingest-request';
import {
  bodyQuarantineRecord,
  eventQuarantineRecords,
  MAX_RAW_PAYLOAD_BYTES,
  ObjectStoreQuarantine,
  type QuarantineContext,
  quarantineObjectKey,
  redactWriteKeys,
  truncateUtf8,
} from '../../../lambdas/ingest/quarantine';
import { MemoryObjectStore, NOW, pageView } from './helpers';

const ctx: QuarantineContext = {
  route: '/v1/events',
  receivedAt: NOW,
  requestId: 'req-1',
  writeKeyName: 'web-shop',
};

function rejectedBatch(events: unknown[]) {
  const result = parseIngestRequest({
    route: 'events',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ events }),
    receivedAt: NOW,
  });
  if (!result.ok) throw new Error(result.rejection.message);
  return result.batch;
}

describe('quarantineObjectKey', () => {
  it('partitions by UTC receipt date and reason', () => {
    const late = new Date('2024-05-01T23:59:59.999Z');
    expect(quarantineObjectKey('quarantine/', late, 'missing_identity', 'req-1')).toBe(
      `quarantine/dt=2024-05-01/reason=missing_identity/${late.getTime()}-req-1.jsonl`,
    );
  });

  it('adds a missing slash to the prefix and keeps request ids path-safe', () => {
    expect(quarantineObjectKey('rejects', NOW, 'invalid_json', 'a/b c')).toBe(
      `rejects/dt=2024-05-01/reason=invalid_json/${NOW.getTime()}-a_b_c.jsonl`,
    );
    expect(quarantineObjectKey('', NOW, 'x', 'r')).toBe(`dt=2024-05-01/reason=x/${NOW.getTime()}-r.jsonl`);
  });
});

describe('records', () => {
  it('keeps each rejected event as sent, with where and why', () => {
    const bad = pageView({ userId: undefined, eventId: 'e-bad' });
    const records = eventQuarantineRecords(rejectedBatch([pageView(), bad]), ctx);
    expect(records).toEqual([
      {
        reason: 'missing_identity',
        field: 'events[1].userId',
        message: 'either userId or anonymousId is required',
        source: 'ingest-api',
        route: '/v1/events',
        index: 1,
        receivedAt: NOW.toISOString(),
        requestId: 'req-1',
        writeKeyName: 'web-shop',
        rawPayload: JSON.stringify(bad),
      },
    ]);
  });

  it('keeps a rejected body whole, with a null index and the field from the message', () => {
    const record = bodyQuarantineRecord(
      {
        status: 400,
        code: 'invalid_json',
        message: 'body: invalid JSON at position 3 (line 1, column 4): x',
      },
      '{"ev',
      { ...ctx, writeKeyName: undefined },
    );
    expect(record).toMatchObject({
      reason: 'invalid_json',
      field: 'body',
      index: null,
      rawPayload: '{"ev',
      writeKeyName: null,
    });
    expect(record.truncated).toBeUndefined();
  });

  it('truncates payloads over 1 MiB on a character boundary and flags them', () => {
    const raw = `"${'€'.repeat(400_000)}"`; // 3 bytes per character, 1.2 MB
    const record = bodyQuarantineRecord(
      { status: 413, code: 'payload_too_large', message: 'body: too big' },
      raw,
      ctx,
    );
    expect(record.truncated).toBe(true);
    expect(Buffer.byteLength(record.rawPayload)).toBeLessThanOrEqual(MAX_RAW_PAYLOAD_BYTES);
    expect(Buffer.byteLength(record.rawPayload)).toBeGreaterThan(MAX_RAW_PAYLOAD_BYTES - 3);
    expect(record.rawPayload).not.toContain('\ufffd');
    expect(truncateUtf8('abc', 3)).toEqual({ text: 'abc', truncated: false });
    expect(truncateUtf8('aé', 2)).toEqual({ text: 'a', truncated: true });
  });

  it('redacts write keys from raw payloads', () => {
    expect(redactWriteKeys('{"writeKey" : "rs_se\\"cret","batch":[]}')).toBe(
      '{"writeKey" : "[redacted]","batch":[]}',
    );
    const record = bodyQuarantineRecord(
      { status: 400, code: 'invalid_json', message: 'body: bad' },
      '{"writeKey":"rs_secret","batch":[',
      ctx,
    );
    expect(record.rawPayload).toBe('{"writeKey":"[redacted]","batch":[');
  });
});

describe('ObjectStoreQuarantine', () => {
  it('writes one JSON-lines object per reason', async () => {
    const store = new MemoryObjectStore();
    const quarantine = new ObjectStoreQuarantine(store, 'quarantine-bucket');
    const batch = rejectedBatch([
      pageView({ userId: undefined }),
      pageView({ type: 'nope' }),
      pageView({ userId: undefined }),
    ]);
    const result = await quarantine.write(eventQuarantineRecords(batch, ctx), ctx);

    const prefix = `quarantine/dt=2024-05-01`;
    const identityKey = `${prefix}/reason=missing_identity/${NOW.getTime()}-req-1.jsonl`;
    const typeKey = `${prefix}/reason=unknown_type/${NOW.getTime()}-req-1.jsonl`;
    expect([...store.objects.keys()].sort()).toEqual([identityKey, typeKey]);
    expect(store.objects.get(identityKey)).toMatchObject({
      bucket: 'quarantine-bucket',
      contentType: 'application/x-ndjson',
    });
    expect(store.lines(identityKey).map((l) => l.index)).toEqual([0, 2]);
    expect(store.lines(typeKey)).toEqual([expect.objectContaining({ index: 1, field: 'events[1].type' })]);
    expect(store.objects.get(identityKey)!.body.endsWith('\n')).toBe(true);
    expect(result.failed).toEqual([]);
    expect(result.written.map((o) => o.records)).toEqual([2, 1]);
  });

  it('reports failed writes instead of throwing', async () => {
    const store = new MemoryObjectStore();
    store.failWith = new Error('AccessDenied');
    const quarantine = new ObjectStoreQuarantine(store, 'bucket', 'custom/');
    const records = eventQuarantineRecords(rejectedBatch([pageView({ type: 'nope' })]), ctx);
    const result = await quarantine.write(records, ctx);
    expect(result.written).toEqual([]);
    expect(result.failed).toEqual([
      {
        object: expect.objectContaining({
          key: expect.stringMatching(/^custom\/dt=2024-05-01\//),
          records: 1,
        }),
        error: store.failWith,
      },
    ]);
  });
});

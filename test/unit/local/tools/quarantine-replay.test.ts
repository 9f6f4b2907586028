/**
 * Quarantine replay (local/quarantine-replay.ts, `recostream quarantine replay`) on quarantine objects
 * written by the ingest API's own code, with a fake publisher: a replay must re-validate with the
 * validator it is given (normalizeEvent by default), send exactly the events that now pass, with the
 * eventId they were sent with (or one derived from their quarantine position, the same every run),
 * record them in a ledger so a second run sends nothing, leave failed sends out of the ledger so a
 * second run retries them, and count what is still invalid or not replayable by reason. A dry run
 * sends and records nothing. The S3 store adapter is checked against a mocked S3 client.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type {
  EventPublisher,
  PublishRecord,
  PublishResult,
} from '../../../../lambdas/ingest/kinesis-publisher';
import type { QuarantineObject } from '../../../../lambdas/ingest/quarantine';
import { type CanonicalEvent, CanonicalEventSchema, normalizeEvent } from '../../../../lambdas/shared/events';
import { type CliIo, main } from '../../../../local/cli';
import { ledgerKeyFor, type ReplayLedger } from '../../../../local/tools/quarantine-ledger';
import {
  type EventValidator,
  formatReplaySummary,
  replayEventId,
  replayQuarantine,
} from '../../../../local/tools/quarantine-replay';
import { FileReplayStore } from '../../../../local/tools/replay-store';
import { S3ReplayStore } from '../../../../local/tools/s3-replay-store';
import { writeQuarantineFixture } from '../../../support/lake-fixtures';

let dir: string;
let lakeDir: string;
let objects: readonly QuarantineObject[];
const NOW = new Date();

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quarantine-replay-'));
  lakeDir = join(dir, 'lake');
  ({ objects } = await writeQuarantineFixture(lakeDir, NOW));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The fix being rolled out: `wishlist_add` is now accepted, as an add_to_cart. */
const relaxed: EventValidator = (input, options) => {
  const fixed =
    typeof input === 'object' && input !== null && (input as { type?: unknown }).type === 'wishlist_add'
      ? { ...input, type: 'add_to_cart' }
      : input;
  return normalizeEvent(fixed, options);
};

class FakePublisher implements EventPublisher {
  readonly sent: PublishRecord[] = [];
  calls = 0;

  constructor(private readonly fails: (record: PublishRecord) => boolean = () => false) {}

  async publish(records: readonly PublishRecord[]): Promise<PublishResult> {
    this.calls++;
    const failed = records
      .filter((r) => this.fails(r))
      .map((record) => ({ record, errorCode: 'ProvisionedThroughputExceededException' }));
    this.sent.push(...records.filter((r) => !this.fails(r)));
    return { failed, retriedRecords: 0, calls: 1 };
  }

  events(): CanonicalEvent[] {
    return this.sent.map((r) => CanonicalEventSchema.parse(JSON.parse(Buffer.from(r.data).toString('utf8'))));
  }
}

const keyOf = (requestId: string, reason: string) => {
  const object = objects.find((o) => o.key.endsWith(`-${requestId}.jsonl`) && o.reason === reason);
  if (!object) throw new Error(`no fixture object for ${requestId}/${reason}`);
  return object.key;
};

function readLedger(quarantineKey: string): ReplayLedger | undefined {
  const path = join(lakeDir, ...ledgerKeyFor(quarantineKey).split('/'));
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as ReplayLedger) : undefined;
}

describe('replayQuarantine', () => {
  it('dry run with the current rules: counts by reason, sends nothing, records nothing', async () => {
    const summary = await replayQuarantine({ store: new FileReplayStore(lakeDir), dryRun: true });
    expect(summary).toMatchObject({
      dryRun: true,
      filesScanned: objects.length,
      records: 11,
      checked: 10,
      nowValid: 1,
      replayed: 0,
      alreadyReplayed: 0,
      publishFailed: 0,
      stillInvalid: { unknown_type: 5, missing_identity: 1, invalid_event: 2, future_timestamp: 1 },
      notReplayable: { invalid_json: 1, invalid_body: 1 },
      unreadableLines: 0,
      ledgersWritten: 0,
    });
    expect(summary.examples.map((e) => e.reason)).toContain('unknown_type');
    expect(existsSync(join(lakeDir, 'quarantine-replays'))).toBe(false);
    expect(formatReplaySummary(summary)).toMatch(/would replay\s+1\n/);
  });

  it('needs a publisher unless it is a dry run', async () => {
    await expect(replayQuarantine({ store: new FileReplayStore(lakeDir) })).rejects.toThrow(/publisher/);
  });

  it('re-ingests exactly the events the fixed rules accept, once, with their eventIds', async () => {
    const store = new FileReplayStore(lakeDir);
    const publisher = new FakePublisher();
    const first = await replayQuarantine({ store, publisher, validator: relaxed, now: () => NOW });
    expect(first).toMatchObject({
      filesScanned: objects.length,
      records: 11,
      checked: 10,
      nowValid: 6,
      replayed: 6,
      alreadyReplayed: 0,
      stillInvalid: { missing_identity: 1, invalid_event: 2, future_timestamp: 1 },
      notReplayable: { invalid_json: 1, invalid_body: 1 },
    });

    const unknownA = keyOf('req-a', 'unknown_type');
    const generated = replayEventId(unknownA, '1');
    const events = publisher.events();
    expect(events.map((e) => e.eventId).sort()).toEqual(
      ['wish-1', generated, 'wish-2', 'ct-1', 'ct-2', 'wish-old'].sort(),
    );
    const wish1 = events.find((e) => e.eventId === 'wish-1');
    // Validated as of the original arrival, under the fixed rules.
    expect(wish1).toMatchObject({ type: 'add_to_cart', userId: 'u1', itemId: 'item-1', quantity: 1 });
    // Received when replayed: the lake files it under the replay's receipt-time partitions.
    expect(wish1?.receivedAt).toBe(NOW.toISOString());
    // Partition keys are the user, as the ingest API sets them.
    expect(publisher.sent.find((r) => r.data.toString().includes('"wish-2"'))?.partitionKey).toBe('anon-9');

    const ledger = readLedger(unknownA);
    expect(ledger).toEqual({
      source: unknownA,
      replayed: {
        '0': { line: 0, index: 1, eventId: 'wish-1', replayedAt: NOW.toISOString() },
        '1': { line: 1, index: 5, eventId: generated, replayedAt: NOW.toISOString() },
      },
    });
    expect(ledgerKeyFor(unknownA)).toMatch(
      /^quarantine-replays\/dt=\d{4}-\d{2}-\d{2}\/reason=unknown_type\/\d+-req-a\.json$/,
    );
    // A re-parsed body: one entry per event of the body.
    expect(Object.keys(readLedger(keyOf('req-d', 'unsupported_media_type'))?.replayed ?? {})).toEqual([
      '0.0',
      '0.1',
    ]);
    // Files with nothing replayed get no ledger.
    expect(readLedger(keyOf('req-a', 'missing_identity'))).toBeUndefined();

    const second = new FakePublisher();
    const again = await replayQuarantine({ store, publisher: second, validator: relaxed });
    expect(again).toMatchObject({
      replayed: 0,
      nowValid: 0,
      alreadyReplayed: 6,
      checked: 4,
      ledgersWritten: 0,
    });
    expect(second.calls).toBe(0);
  });

  it('leaves events the stream did not take out of the ledger, so the next run retries only them', async () => {
    const store = new FileReplayStore(lakeDir);
    const flaky = new FakePublisher((r) => r.data.toString().includes('"wish-2"'));
    const first = await replayQuarantine({ store, publisher: flaky, validator: relaxed });
    expect(first).toMatchObject({ nowValid: 6, replayed: 5, publishFailed: 1 });
    expect(first.failures).toEqual([
      expect.objectContaining({
        key: keyOf('req-b', 'unknown_type'),
        eventId: 'wish-2',
        errorCode: 'ProvisionedThroughputExceededException',
      }),
    ]);
    expect(readLedger(keyOf('req-b', 'unknown_type'))).toBeUndefined();

    const healthy = new FakePublisher();
    const retry = await replayQuarantine({ store, publisher: healthy, validator: relaxed });
    expect(retry).toMatchObject({ replayed: 1, alreadyReplayed: 5, publishFailed: 0 });
    expect(healthy.events().map((e) => e.eventId)).toEqual(['wish-2']);
  });

  it('derives the same eventId for an event sent without one on every run', async () => {
    const a = new FakePublisher();
    await replayQuarantine({
      store: new FileReplayStore(lakeDir),
      publisher: a,
      validator: relaxed,
      dryRun: false,
    });
    rmSync(join(lakeDir, 'quarantine-replays'), { recursive: true });
    const b = new FakePublisher();
    await replayQuarantine({ store: new FileReplayStore(lakeDir), publisher: b, validator: relaxed });
    const ids = (p: FakePublisher) =>
      p
        .events()
        .map((e) => e.eventId)
        .sort();
    expect(ids(b)).toEqual(ids(a));
    expect(ids(a).filter((id) => id.startsWith('replay-'))).toHaveLength(1);
  });

  it('filters by date and reason', async () => {
    const store = new FileReplayStore(lakeDir);
    const unknownA = keyOf('req-a', 'unknown_type');
    const dt = /dt=([\d-]+)/.exec(unknownA)?.[1] as string;
    const byDay = await replayQuarantine({ store, dryRun: true, dt, validator: relaxed });
    expect(byDay.filesScanned).toBe(objects.filter((o) => o.key.includes(`dt=${dt}/`)).length);
    const byReason = await replayQuarantine({
      store,
      dryRun: true,
      reason: 'unknown_type',
      validator: relaxed,
    });
    expect(byReason).toMatchObject({ filesScanned: 3, records: 4, nowValid: 4 });
    const both = await replayQuarantine({
      store,
      dryRun: true,
      dt,
      reason: 'unknown_type',
      validator: relaxed,
    });
    expect(both).toMatchObject({ filesScanned: 1, nowValid: 2 });
  });

  it('reports truncated payloads, unknown reasons and lines that are not records, and keeps going', async () => {
    const key = 'quarantine/dt=2026-11-20/reason=mixed/1-handmade.jsonl';
    const path = join(lakeDir, ...key.split('/'));
    mkdirSync(join(path, '..'), { recursive: true });
    const base = {
      field: '',
      message: 'm',
      source: 'ingest-api',
      route: '/v1/events',
      receivedAt: '2026-11-20T10:00:00.000Z',
      requestId: 'handmade',
      writeKeyName: null,
    };
    writeFileSync(
      path,
      [
        JSON.stringify({
          ...base,
          reason: 'payload_too_large',
          index: null,
          rawPayload: '{"events": [',
          truncated: true,
        }),
        'not json at all',
        JSON.stringify({ ...base, reason: 'poison_record', index: null, rawPayload: '{}' }),
        '',
        JSON.stringify({
          ...base,
          reason: 'missing_identity',
          index: 0,
          rawPayload: JSON.stringify({ type: 'page_view', anonymousId: 'fixed', eventId: 'hm-1' }),
        }),
      ].join('\n'),
    );
    const publisher = new FakePublisher();
    const summary = await replayQuarantine({
      store: new FileReplayStore(lakeDir),
      publisher,
      reason: 'mixed',
    });
    expect(summary).toMatchObject({
      filesScanned: 1,
      records: 3,
      unreadableLines: 1,
      replayed: 1,
      notReplayable: { 'payload_too_large (truncated)': 1, poison_record: 1 },
    });
    expect(publisher.events().map((e) => e.eventId)).toEqual(['hm-1']);
    expect(readLedger(key)?.replayed).toEqual({ '4': expect.objectContaining({ line: 4, eventId: 'hm-1' }) });
  });
});

describe('recostream quarantine replay', () => {
  const io = () => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const capture: CliIo & { stdout: string[]; stderr: string[] } = {
      stdout,
      stderr,
      out: (t) => stdout.push(t),
      err: (t) => stderr.push(t),
    };
    return capture;
  };

  it('--local --dry-run reads DIR/lake without a running runtime and prints the summary', async () => {
    const out = io();
    expect(await main(['quarantine', 'replay', '--local', '--data-dir', dir, '--dry-run'], out)).toBe(0);
    const text = out.stdout.join('\n');
    expect(text).toContain('dry run');
    expect(text).toMatch(/files scanned\s+10/);
    expect(text).toMatch(/still invalid\s+9\n\s+unknown_type\s+5/);
    expect(text).toMatch(/not replayable\s+2/);
    expect(out.stderr.join('\n')).toMatch(/line 1: unknown_type \(type\)/);

    const relaxedRun = io();
    expect(
      await main(['quarantine', 'replay', '--local', '--data-dir', dir, '--dry-run'], relaxedRun, {
        validator: relaxed,
      }),
    ).toBe(0);
    expect(relaxedRun.stdout.join('\n')).toMatch(/would replay\s+6/);
  });

  it('refuses bad usage with exit code 2', async () => {
    for (const args of [
      ['quarantine'],
      ['quarantine', 'purge'],
      ['quarantine', 'replay'],
      ['quarantine', 'replay', '--local', '--bucket', 'b'],
      ['quarantine', 'replay', '--bucket', 'b'],
      ['quarantine', 'replay', '--local', '--data-dir', dir, '--dt', 'yesterday'],
      // Not a dry run: the local runtime must be running (runtime.json).
      ['quarantine', 'replay', '--local', '--data-dir', dir],
    ]) {
      const out = io();
      expect({ args, code: await main(args, out) }).toEqual({ args, code: 2 });
    }
    const help = io();
    expect(await main(['quarantine', 'replay', '--help'], help)).toBe(0);
    expect(help.stdout.join('\n')).toContain('quarantine-replays/<path>.json');
  });
});

describe('S3ReplayStore', () => {
  const s3 = mockClient(S3Client);
  beforeEach(() => s3.reset());
  // The part of the SDK's stream mixin the store uses.
  const body = (text: string) => ({ transformToString: async () => text }) as never;

  it('lists every page, reads objects (undefined when missing) and writes ledgers as JSON', async () => {
    s3.on(ListObjectsV2Command, { Bucket: 'lake', Prefix: 'quarantine/', ContinuationToken: undefined })
      .resolves({ Contents: [{ Key: 'quarantine/a.jsonl' }], IsTruncated: true, NextContinuationToken: 't2' })
      .on(ListObjectsV2Command, { Bucket: 'lake', Prefix: 'quarantine/', ContinuationToken: 't2' })
      .resolves({ Contents: [{ Key: 'quarantine/b.jsonl' }], IsTruncated: false });
    s3.on(GetObjectCommand, { Bucket: 'lake', Key: 'quarantine/a.jsonl' }).resolves({ Body: body('line\n') });
    s3.on(GetObjectCommand, { Bucket: 'lake', Key: 'quarantine-replays/a.json' }).rejects(
      new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }),
    );
    s3.on(PutObjectCommand).resolves({});

    const store = new S3ReplayStore(new S3Client({ region: 'eu-west-1' }), 'lake');
    expect(store.description).toBe('s3://lake');
    expect(await store.list('quarantine/')).toEqual(['quarantine/a.jsonl', 'quarantine/b.jsonl']);
    expect(await store.get('quarantine/a.jsonl')).toBe('line\n');
    expect(await store.get('quarantine-replays/a.json')).toBeUndefined();
    await store.put('quarantine-replays/a.json', '{}');
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: 'lake',
      Key: 'quarantine-replays/a.json',
      Body: '{}',
      ContentType: 'application/json',
    });
  });
});

/**
 * The console draws its charts from successive /local/health documents: rates come from two documents,
 * lag is per shard, and figures the runtime does not report yet stay undefined ("not available yet").
 */
import { countersOf, formatBytes, formatMs, jobsOf, sampleOf } from '../../../../console/src/health-metrics';

/** A LocalHealth document (local/health.ts), trimmed to what the console reads. */
function localHealth(at: string, accepted: number, rejected: number, consumed: number) {
  return {
    version: 1,
    at,
    consumers: [
      {
        mapping: 'Consumer',
        maxIteratorAgeMs: 1500,
        recordsDelivered: consumed,
        recordsSentToOnFailure: 2,
        shards: [
          { shardId: 'shardId-000000000000', iteratorAgeMs: 1500, recordsRead: 10 },
          { shardId: 'shardId-000000000001', iteratorAgeMs: 20, recordsRead: 12 },
        ],
      },
    ],
    lakeDelivery: [
      { deliveryStream: 'A', freshnessMs: 4000 },
      { deliveryStream: 'B', freshnessMs: 9000 },
    ],
    deadLetterQueues: [
      { queue: 'q1', messages: 3 },
      { queue: 'q2', messages: 1 },
    ],
    quarantine: { files: 7, bytes: 900, byReason: {} },
    lake: { files: 12, bytes: 34567, partitions: 3 },
    canary: { lastRunAt: at, profileVisibleMs: 800, recommendationVisibleMs: 1900, ok: true },
    jobs: [],
    traffic: { sent: accepted + rejected, accepted, rejected, failedRequests: 0, requests: 4 },
  };
}

describe('sampleOf', () => {
  it('computes rates between two documents and reads every LocalHealth figure', () => {
    const first = localHealth('2026-11-26T10:00:00.000Z', 100, 4, 90);
    const second = localHealth('2026-11-26T10:00:02.000Z', 140, 5, 130);
    const previous = countersOf(first, 0);
    expect(previous).toEqual({ at: Date.parse(first.at), accepted: 100, rejected: 4, consumed: 90 });
    expect(sampleOf(second, previous, 0)).toEqual({
      t: Date.parse(second.at) / 1000,
      acceptedPerSec: 20,
      rejectedPerSec: 0.5,
      ingestSource: 'traffic',
      consumedPerSec: 20,
      lagMsByShard: { 'shardId-000000000000': 1500, 'shardId-000000000001': 20 },
      lakeFreshnessMs: 9000,
      profileFreshnessMs: 800,
      recommendationFreshnessMs: 1900,
      apiLatencyMs: undefined,
      dlqMessages: 4,
      quarantineFiles: 7,
      lakeFiles: 12,
      lakeBytes: 34567,
    });
  });

  it('has no rates on the first document or after a counter reset', () => {
    const doc = localHealth('2026-11-26T10:00:02.000Z', 10, 0, 10);
    const first = sampleOf(doc, undefined, 0);
    expect([first.acceptedPerSec, first.rejectedPerSec, first.consumedPerSec]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    const reset = sampleOf(
      doc,
      { at: Date.parse(doc.at) - 2000, accepted: 500, rejected: 0, consumed: 5 },
      0,
    );
    expect(reset.acceptedPerSec).toBeUndefined();
    expect(reset.rejectedPerSec).toBe(0);
    expect(reset.consumedPerSec).toBe(2.5);
  });

  it('prefers the ingest API counters and reads latency percentiles when the runtime has them', () => {
    const doc = {
      at: '2026-11-26T10:00:01.000Z',
      ingest: { accepted: 50, rejected: 10 },
      traffic: { accepted: 1, rejected: 1 },
      api: { latencyMs: { p50: 3, p95: 9, p99: 14 } },
    };
    const s = sampleOf(doc, { at: Date.parse(doc.at) - 1000, accepted: 40, rejected: 5 }, 0);
    expect([s.acceptedPerSec, s.rejectedPerSec, s.ingestSource]).toEqual([10, 5, 'ingest']);
    expect(s.apiLatencyMs).toEqual({ p50: 3, p95: 9, p99: 14 });
  });

  it('reads the older runtime shape (eventSourceMappings, lake files from the delivery loops)', () => {
    const doc = {
      at: '2026-11-26T10:00:00.000Z',
      eventSourceMappings: [
        {
          recordsDelivered: 5,
          recordsSentToOnFailure: 1,
          shards: [{ shardId: 's-0', millisBehindLatest: 250 }],
        },
      ],
      lakeDelivery: [{ freshnessMs: 1200, files: 3, bytes: 4000 }],
    };
    const s = sampleOf(doc, undefined, 0);
    expect(s.lagMsByShard).toEqual({ 's-0': 250 });
    expect([s.dlqMessages, s.lakeFiles, s.lakeBytes, s.lakeFreshnessMs]).toEqual([1, 3, 4000, 1200]);
    expect([s.quarantineFiles, s.profileFreshnessMs, s.acceptedPerSec, s.ingestSource]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('jobsOf', () => {
  it('is undefined when the runtime reports no jobs field, and reads LocalHealth job entries', () => {
    expect(jobsOf({})).toBeUndefined();
    expect(
      jobsOf({ jobs: [{ job: 'cf', lastStatus: 'published', lastSuccessAgeMs: 5000, failures: 1 }] }),
    ).toEqual([
      {
        job: 'cf',
        running: false,
        lastStatus: 'published',
        lastRunAt: undefined,
        lastSuccessAgeMs: 5000,
        failures: 1,
        activeVersion: undefined,
        previousVersion: undefined,
        runs: [],
      },
    ]);
  });

  it('reads the local job runner’s snapshot (jobs keyed by name, next to the schedule)', () => {
    expect(
      jobsOf({
        jobs: {
          cf: {
            running: true,
            runs: 3,
            published: 1,
            rejected: 1,
            failed: 1,
            activeVersion: 'v1',
            lastRun: { status: 'rejected', finishedAt: '2026-11-26T10:00:00.000Z' },
          },
          schedule: { speed: 96 },
        },
      }),
    ).toEqual([
      {
        job: 'cf',
        running: true,
        lastStatus: 'rejected',
        lastRunAt: '2026-11-26T10:00:00.000Z',
        lastSuccessAgeMs: undefined,
        failures: 2,
        activeVersion: 'v1',
        previousVersion: undefined,
        runs: [],
      },
    ]);
  });

  it('reads runs with their validation checks and the active pointer, from an object keyed by job', () => {
    const [job] =
      jobsOf({
        jobs: {
          trending: {
            active: { activeVersion: 'v2', previousVersion: 'v1' },
            runs: [
              {
                runId: 'v3',
                status: 'rejected',
                checks: [
                  { name: 'row_drift', passed: false, value: 0.9, threshold: '<= 0.5', message: 'drifted' },
                ],
              },
            ],
          },
        },
      }) ?? [];
    expect(job?.job).toBe('trending');
    expect([job?.activeVersion, job?.previousVersion]).toEqual(['v2', 'v1']);
    expect(job?.runs).toEqual([
      {
        runId: 'v3',
        status: 'rejected',
        startedAt: undefined,
        finishedAt: undefined,
        error: undefined,
        checks: [{ name: 'row_drift', passed: false, value: 0.9, threshold: '<= 0.5', message: 'drifted' }],
      },
    ]);
  });
});

describe('formatting', () => {
  it.each([
    [512, '512 B'],
    [2048, '2.0 KiB'],
    [34567, '34 KiB'],
    [5 * 1024 * 1024, '5.0 MiB'],
  ])('formatBytes(%d) = %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text));

  it.each([
    [12.4, '12 ms'],
    [1500, '1.5 s'],
    [125_000, '2 min 5 s'],
  ])('formatMs(%d) = %s', (ms, text) => expect(formatMs(ms)).toBe(text));
});

/** The console's API latency figures: nearest-rank percentiles per API over a sliding window. */
import { ApiLatencyRecorder, apiGroupOf, percentile } from '../../../../local/gateway/api-latency';

describe('apiGroupOf', () => {
  it.each([
    ['/v1/events', 'ingest'],
    ['/v1/batch', 'ingest'],
    ['/v1/track', 'ingest'],
    ['/v1/users/u-1/recommendations', 'recommendations'],
    ['/v1/items/trending', 'recommendations'],
    ['/v1/items/item-1/similar', 'recommendations'],
    ['/local/health', undefined],
    ['/', undefined],
    ['/v1/openapi.json', undefined],
  ])('%s -> %s', (path, group) => expect(apiGroupOf(path)).toBe(group));
});

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(values, 50), percentile(values, 95), percentile(values, 99)]).toEqual([50, 95, 99]);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBe(0);
    expect(percentile([1, 2, 3], 50)).toBe(2);
  });
});

describe('ApiLatencyRecorder', () => {
  it('reports each API over the window and forgets older answers', () => {
    let now = 1_000_000;
    const recorder = new ApiLatencyRecorder(60_000, () => now);
    for (let i = 1; i <= 20; i++) recorder.record('recommendations', i, i === 20 ? 503 : 200);
    recorder.record('ingest', 4.44, 200);
    expect(recorder.snapshot()).toEqual({
      windowSeconds: 60,
      groups: {
        ingest: { count: 1, p50: 4.4, p95: 4.4, p99: 4.4, errors5xx: 0 },
        recommendations: { count: 20, p50: 10, p95: 19, p99: 20, errors5xx: 1 },
      },
    });
    now += 30_000;
    recorder.record('ingest', 9, 200);
    now += 40_000; // the first 21 answers are now 70 s old
    expect(recorder.snapshot().groups).toEqual({
      ingest: { count: 1, p50: 9, p95: 9, p99: 9, errors5xx: 0 },
    });
  });
});

/** The cost arithmetic: hand-computed figures for each priced line, tiers, and the template settings. */
import { costTableMarkdown, synthCostSettings } from '../../../local/cost/command';
import {
  apiGatewayRestCost,
  DEFAULT_ASSUMPTIONS,
  monthlyCost,
  shardsNeeded,
  totalOf,
} from '../../../local/cost/model';
import type { CostSettings } from '../../../local/cost/settings';

const settings: CostSettings = {
  stream: { mode: 'ON_DEMAND', shards: 0, retentionHours: 24 },
  firehose: {
    bufferIntervalSeconds: 300,
    bufferSizeMb: 128,
    formatConversion: true,
    dynamicPartitioning: true,
  },
  lambdaMemoryMb: { ingest: 512, consumer: 1024, authorizer: 256, canary: 256 },
  consumer: { batchSize: 500, batchingWindowSeconds: 1 },
  lake: { iaAfterDays: 30, glacierAfterDays: 90 },
  dynamodbOnDemand: true,
  counts: { alarmMetrics: 18, dashboards: 1, kmsKeys: 1, secrets: 1, functions: 11 },
};
const line = (lines: ReturnType<typeof monthlyCost>, item: string) => {
  const found = lines.find((l) => l.item === item);
  if (!found) throw new Error(`no line ${item}`);
  return found.usd;
};

describe('monthlyCost at 1 M events/day', () => {
  const lines = monthlyCost(1e6, settings);
  const events = 30e6;

  it('prices Kinesis on-demand: 720 stream hours, 1 KB per record in, 2 readers out', () => {
    expect(line(lines, 'on-demand stream hours')).toBeCloseTo(720 * 0.04, 10);
    expect(line(lines, 'ingest (1 KB per record)')).toBeCloseTo(((events * 1024) / 1024 ** 3) * 0.08, 10);
    expect(line(lines, 'retrieval, 2 readers')).toBeCloseTo(((2 * events * 600) / 1024 ** 3) * 0.04, 10);
  });

  it('prices Firehose at 5 KB per record and API Gateway per request of 10 events', () => {
    expect(line(lines, 'ingestion (5 KB per record)')).toBeCloseTo(
      ((events * 5 * 1024) / 1024 ** 3) * 0.029,
      10,
    );
    expect(line(lines, 'ingest REST requests')).toBeCloseTo(3 * 3.5, 10);
  });

  it('prices DynamoDB writes from the consumer pattern: 4 WRU profile + 2 item rows per event', () => {
    expect(line(lines, 'writes (profile + item rows)')).toBeCloseTo(30 * 6 * 0.625, 10);
    expect(line(lines, 'reads before writes')).toBeCloseTo(30 * 3 * 0.125, 10);
  });

  it('prices the consumer from the batch it gets (about 2.9 events per shard per 1 s window)', () => {
    const perBatch = 1e6 / 86_400 / 4;
    const calls = events / perBatch;
    const gbS = calls * ((60 + 1.5 * perBatch) / 1000) * 1;
    expect(line(lines, 'consumer function')).toBeCloseTo(gbS * 0.0000133334 + (calls / 1e6) * 0.2, 8);
  });

  it('tiers lake storage by the lifecycle after 12 months', () => {
    const gbPerDay = (1e6 * 120) / 1024 ** 3;
    expect(line(lines, 'lake storage at 12 months')).toBeCloseTo(
      gbPerDay * (30 * 0.023 + 60 * 0.0125 + 270 * 0.004),
      10,
    );
  });

  it('totals the lines', () => {
    expect(totalOf(lines)).toBeCloseTo(
      lines.reduce((s, l) => s + l.usd, 0),
      10,
    );
    expect(lines.every((l) => Number.isFinite(l.usd) && l.usd >= 0)).toBe(true);
  });
});

it('applies the API Gateway REST tiers', () => {
  expect(apiGatewayRestCost(333e6)).toBeCloseTo(333 * 3.5, 8);
  expect(apiGatewayRestCost(1000e6)).toBeCloseTo(333 * 3.5 + 667 * 2.8, 8);
  expect(apiGatewayRestCost(3000e6)).toBeCloseTo(333 * 3.5 + 667 * 2.8 + 2000 * 2.38, 8);
});

it('prices a provisioned stream per shard and warns when it is too small', () => {
  const provisioned: CostSettings = {
    ...settings,
    stream: { mode: 'PROVISIONED', shards: 2, retentionHours: 48 },
  };
  const lines = monthlyCost(1e6, provisioned);
  expect(line(lines, '2 provisioned shards')).toBeCloseTo(2 * 720 * 0.015, 10);
  expect(line(lines, 'PUT payload units')).toBeCloseTo(30 * 0.014, 10);
  expect(line(lines, 'retention beyond 24 h')).toBeCloseTo(2 * 720 * 0.02, 10);
  // 100 M/day at 3x peak = 3472 records/s -> 4 shards by record count.
  expect(shardsNeeded(1e8)).toBe(4);
  expect(costTableMarkdown(provisioned, [1e6, 1e8])).toContain(
    'Warning: 2 shards are too few at 100 M events/day (needs 4 at 3x peak).',
  );
});

it('reads the settings from the synthesised app, context included', () => {
  const fromTemplate = synthCostSettings({
    streamMode: 'PROVISIONED',
    shardCount: '3',
    streamRetentionHours: '48',
  });
  expect(fromTemplate.stream).toEqual({ mode: 'PROVISIONED', shards: 3, retentionHours: 48 });
  expect(fromTemplate.firehose).toEqual({
    bufferIntervalSeconds: 300,
    bufferSizeMb: 128,
    formatConversion: true,
    dynamicPartitioning: true,
  });
  expect(fromTemplate.lambdaMemoryMb).toMatchObject({ ingest: 512, consumer: 1024, authorizer: 256 });
  expect(fromTemplate.consumer).toEqual({ batchSize: 500, batchingWindowSeconds: 1 });
  expect(fromTemplate.lake).toEqual({ iaAfterDays: 30, glacierAfterDays: 90 });
  expect(fromTemplate.dynamodbOnDemand).toBe(true);
  const table = costTableMarkdown(fromTemplate);
  expect(table).toContain('| Service | Item | 1 M events/day | 10 M events/day | 100 M events/day |');
  expect(table).toContain('us-east-1 on-demand list prices of 2025-06-01');
  expect(DEFAULT_ASSUMPTIONS.eventsPerRequest).toBe(10);
});

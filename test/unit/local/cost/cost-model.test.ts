/**
 * The cost arithmetic: hand-computed figures for each priced line, tiers, the template settings, and the
 * consumer usage read from the bench results (never assumed).
 */
import {
  costTableMarkdown,
  perMillionTableMarkdown,
  synthCostSettings,
} from '../../../../local/cost/command';
import { type MeasuredUsage, measuredUsageFrom } from '../../../../local/cost/measured';
import {
  apiGatewayHttpCost,
  apiGatewayRestCost,
  type ConsumerLoad,
  DEFAULT_ASSUMPTIONS,
  monthlyCost,
  shardsNeeded,
  totalOf,
} from '../../../../local/cost/model';
import type { CostSettings } from '../../../../local/cost/settings';

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
/** One stream record per event, 0.6 write units and 0.05 read units each. */
const load: ConsumerLoad = {
  label: 'test',
  writeUnitsPerRecord: 0.6,
  readUnitsPerRecord: 0.05,
  recordsPerEvent: 1,
};
const line = (lines: ReturnType<typeof monthlyCost>, item: string) => {
  const found = lines.find((l) => l.item === item);
  if (!found) throw new Error(`no line ${item}`);
  return found.usd;
};

describe('monthlyCost at 1 M events/day', () => {
  const lines = monthlyCost(1e6, settings, load);
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

  it('prices DynamoDB from the measured write and read units per stream record', () => {
    expect(line(lines, 'writes (profiles, item rows, progress)')).toBeCloseTo(30 * 0.6 * 0.625, 10);
    expect(line(lines, 'reads before writes')).toBeCloseTo(30 * 0.05 * 0.125, 10);
  });

  it('charges the impressions to everything behind the stream, not to the ingest API', () => {
    const withImpressions = monthlyCost(1e6, settings, { ...load, recordsPerEvent: 1.2 });
    expect(line(withImpressions, 'ingest (1 KB per record)')).toBeCloseTo(
      line(lines, 'ingest (1 KB per record)') * 1.2,
      10,
    );
    expect(line(withImpressions, 'writes (profiles, item rows, progress)')).toBeCloseTo(
      30 * 1.2 * 0.6 * 0.625,
      10,
    );
    expect(line(withImpressions, 'ingest REST requests')).toBe(line(lines, 'ingest REST requests'));
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

it('prices the same requests through an HTTP API by its tiers', () => {
  expect(apiGatewayHttpCost(300e6)).toBeCloseTo(300, 8);
  expect(apiGatewayHttpCost(3000e6)).toBeCloseTo(300 + 2700 * 0.9, 8);
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
  const lines = monthlyCost(1e6, provisioned, load);
  expect(line(lines, '2 provisioned shards')).toBeCloseTo(2 * 720 * 0.015, 10);
  expect(line(lines, 'PUT payload units')).toBeCloseTo(30 * 0.014, 10);
  expect(line(lines, 'retention beyond 24 h')).toBeCloseTo(2 * 720 * 0.02, 10);
  // 100 M/day at 3x peak = 3472 records/s -> 4 shards by record count.
  expect(shardsNeeded(1e8)).toBe(4);
  expect(costTableMarkdown(provisioned, load, [1e6, 1e8])).toContain(
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
  const table = costTableMarkdown(fromTemplate, load);
  expect(table).toContain('| Service | Item | 1 M events/day | 10 M events/day | 100 M events/day |');
  expect(table).toContain('us-east-1 on-demand list prices of 2025-06-01');
  expect(DEFAULT_ASSUMPTIONS.eventsPerRequest).toBe(10);
});

describe('measured consumer usage', () => {
  const results = {
    benchmarks: {
      'consumer-dynamo': {
        measuredAt: '2026-12-03T10:00:00.000Z',
        events: 10_000,
        records: 12_000,
        windowRecords: 5000,
        ours: { writeUnitsPer1000Events: 600, readUnitsPer1000Events: 40 },
        perBatch: { writeUnitsPer1000Events: 1300, readUnitsPer1000Events: 60 },
      },
    },
  };

  it('takes units per record and records per event from the bench results', () => {
    const usage = measuredUsageFrom(results);
    expect(usage.recordsPerEvent).toBeCloseTo(1.2, 10);
    expect(usage.after).toMatchObject({ writeUnitsPerRecord: 0.6, readUnitsPerRecord: 0.04 });
    expect(usage.before).toMatchObject({ writeUnitsPerRecord: 1.3, readUnitsPerRecord: 0.06 });
  });

  it('says which benchmark to run when the results lack it', () => {
    expect(() => measuredUsageFrom({ benchmarks: {} })).toThrow(
      /run `npm run bench -- --only consumer-dynamo` first/,
    );
  });

  it('prints dollars per million events per service, before and after, that add up to the month', () => {
    const usage: MeasuredUsage = measuredUsageFrom(results);
    const text = perMillionTableMarkdown(settings, usage, [1e8]);
    expect(text).toContain('| Service | 100 M events/day before | after |');
    const after = monthlyCost(1e8, settings, { ...usage.after, recordsPerEvent: usage.recordsPerEvent });
    const dynamo = after.filter((l) => l.service === 'DynamoDB').reduce((s, l) => s + l.usd, 0);
    const before = monthlyCost(1e8, settings, { ...usage.before, recordsPerEvent: usage.recordsPerEvent });
    const dynamoBefore = before.filter((l) => l.service === 'DynamoDB').reduce((s, l) => s + l.usd, 0);
    expect(text).toContain(
      `| DynamoDB | $${(dynamoBefore / 3000).toFixed(2)} | $${(dynamo / 3000).toFixed(2)} |`,
    );
    expect(text).toContain(`**$${(totalOf(after) / 3000).toFixed(2)}**`);
  });
});

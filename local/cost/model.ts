/**
 * Monthly AWS cost of the per-event path at a given daily event volume: plain arithmetic over the
 * template's settings (settings.ts), the list prices (prices.ts), the consumer's DynamoDB units per
 * stream record measured by the benchmark (measured.ts) and the stated assumptions below. An "event" is a
 * client event through the ingest API; the stream also carries the recommendation impressions it leads
 * to (`recordsPerEvent` stream records per event), which the stream, Firehose, the lake and the consumer
 * pay for. A month is 30 days. Not modelled: the recommendation API's own requests (its cost follows
 * reads, not events), WAF, data transfer out, Firehose JQ processing hours, and free tiers.
 */
import type { ConsumerUsage } from './measured';
import { PRICES } from './prices';
import type { CostSettings } from './settings';

export const DAYS_PER_MONTH = 30;
const GB = 1024 ** 3;
const KB = 1024;

/** Workload assumptions; each is printed with the table. */
export const DEFAULT_ASSUMPTIONS = {
  /** Canonical event JSON on the stream. */
  eventBytes: 600,
  /** Events per ingest API request (Segment libraries batch). */
  eventsPerRequest: 10,
  /** Snappy Parquet bytes per event in the lake. */
  parquetBytesPerEvent: 120,
  ingestMsPerRequest: 40,
  consumerBaseMs: 60,
  consumerMsPerEvent: 1.5,
  /** Shards an on-demand stream starts with (sets how full the consumer's batches get). */
  onDemandShards: 4,
  /** Peak-to-average traffic ratio, for provisioned shard sizing. */
  peakToAverage: 3,
  /** Distinct profiles stored per daily event (e.g. 10 events per user per day). */
  profilesPerDailyEvent: 0.1,
  profileKb: 4,
  /** Write keys whose authorizer answers are cached for 5 minutes. */
  writeKeys: 10,
  /** CloudWatch Logs bytes per Lambda invocation (REPORT line and the odd warning). */
  logBytesPerInvocation: 300,
  /** Event types = Firehose partitions written per buffer interval. */
  lakePartitionsPerFlush: 9,
  /** Lake age the storage line is computed at (months of data accumulated). */
  lakeAgeMonths: 12,
  /** Athena: trending scans this many hours of events per run, every 15 minutes; cf scans N days nightly. */
  trendingScanHours: 24,
  cfScanDays: 30,
  /** Share of the Parquet bytes a job query reads (columnar projection). */
  columnShare: 0.4,
  customMetrics: 30,
  canaryRunsPerMonth: 43_200,
  canarySeconds: 2,
};
export type CostAssumptions = typeof DEFAULT_ASSUMPTIONS;

export interface CostLine {
  readonly service: string;
  readonly item: string;
  readonly usd: number;
}

/** API Gateway REST requests price over the monthly tiers. */
export function apiGatewayRestCost(requestsPerMonth: number): number {
  return tieredCost(PRICES.apiGateway.restTiers, requestsPerMonth);
}

/** The same requests through an HTTP API (the next step for ingest; what it gives up is in the README). */
export function apiGatewayHttpCost(requestsPerMonth: number): number {
  return tieredCost(PRICES.apiGateway.httpTiers, requestsPerMonth);
}

function tieredCost(
  tiers: ReadonlyArray<{ readonly upToMillions: number; readonly perMillion: number }>,
  requestsPerMonth: number,
): number {
  let remaining = requestsPerMonth / 1e6;
  let lower = 0;
  let usd = 0;
  for (const tier of tiers) {
    const inTier = Math.min(remaining, tier.upToMillions - lower);
    usd += inTier * tier.perMillion;
    remaining -= inTier;
    lower = tier.upToMillions;
    if (remaining <= 0) break;
  }
  if (remaining > 0) usd += remaining * (tiers.at(-1)?.perMillion ?? 0);
  return usd;
}

/** Shards a provisioned stream needs at the peak (1 MB/s or 1000 records/s per shard). */
export function shardsNeeded(eventsPerDay: number, a: CostAssumptions = DEFAULT_ASSUMPTIONS): number {
  const peakPerSecond = (eventsPerDay / 86_400) * a.peakToAverage;
  return Math.max(1, Math.ceil(Math.max((peakPerSecond * a.eventBytes) / 1e6, peakPerSecond / 1000)));
}

/** The consumer's usage the model prices: measured units per stream record, and records per client event. */
export interface ConsumerLoad extends ConsumerUsage {
  readonly recordsPerEvent: number;
}

/** Ingest API requests a month at a daily event volume. */
export function ingestRequestsPerMonth(
  eventsPerDay: number,
  a: CostAssumptions = DEFAULT_ASSUMPTIONS,
): number {
  return (eventsPerDay * DAYS_PER_MONTH) / a.eventsPerRequest;
}

export function monthlyCost(
  eventsPerDay: number,
  s: CostSettings,
  load: ConsumerLoad,
  a: CostAssumptions = DEFAULT_ASSUMPTIONS,
): CostLine[] {
  const clientEvents = eventsPerDay * DAYS_PER_MONTH;
  // Everything behind the stream pays per record; the ingest API and its function per client event.
  const events = clientEvents * load.recordsPerEvent;
  const recordsPerDay = eventsPerDay * load.recordsPerEvent;
  const hours = 24 * DAYS_PER_MONTH;
  const lines: CostLine[] = [];
  const add = (service: string, item: string, usd: number) => lines.push({ service, item, usd });
  const p = PRICES;

  // Kinesis Data Streams: two shared-throughput readers (the consumer mapping and Firehose).
  const shards = s.stream.mode === 'PROVISIONED' ? s.stream.shards : a.onDemandShards;
  const extraRetentionDays = Math.max(0, Math.min(s.stream.retentionHours, 168) - 24) / 24;
  if (s.stream.mode === 'ON_DEMAND') {
    add('Kinesis', 'on-demand stream hours', hours * p.kinesis.onDemandStreamHour);
    add('Kinesis', 'ingest (1 KB per record)', ((events * KB) / GB) * p.kinesis.onDemandIngestPerGb);
    add(
      'Kinesis',
      'retrieval, 2 readers',
      ((2 * events * a.eventBytes) / GB) * p.kinesis.onDemandRetrievalPerGb,
    );
    if (extraRetentionDays > 0)
      add(
        'Kinesis',
        'retention beyond 24 h',
        ((recordsPerDay * KB * extraRetentionDays) / GB) * p.kinesis.onDemandExtendedRetentionPerGbMonth,
      );
  } else {
    add('Kinesis', `${shards} provisioned shards`, shards * hours * p.kinesis.provisionedShardHour);
    add('Kinesis', 'PUT payload units', (events / 1e6) * p.kinesis.provisionedPutPayloadUnitsPerMillion);
    if (extraRetentionDays > 0)
      add(
        'Kinesis',
        'retention beyond 24 h',
        shards * hours * p.kinesis.provisionedExtendedRetentionShardHour,
      );
  }

  // Firehose bills each record rounded up to 5 KB.
  const firehoseGb = (events * 5 * KB) / GB;
  add('Firehose', 'ingestion (5 KB per record)', firehoseGb * p.firehose.ingestPerGb);
  if (s.firehose.formatConversion)
    add('Firehose', 'Parquet conversion', firehoseGb * p.firehose.formatConversionPerGb);
  const lakeBytesPerDay = recordsPerDay * a.parquetBytesPerEvent;
  const objectsPerDay = Math.max(
    a.lakePartitionsPerFlush * (86_400 / s.firehose.bufferIntervalSeconds),
    lakeBytesPerDay / (s.firehose.bufferSizeMb * 1024 * 1024),
  );
  const objects = objectsPerDay * DAYS_PER_MONTH;
  if (s.firehose.dynamicPartitioning)
    add(
      'Firehose',
      'dynamic partitioning',
      firehoseGb * p.firehose.dynamicPartitioningPerGb +
        (objects / 1000) * p.firehose.dynamicPartitioningPer1000Objects,
    );

  // Lambda (arm64): ingest per request, authorizer per cache miss, consumer per batch.
  const requests = ingestRequestsPerMonth(eventsPerDay, a);
  const gbSeconds = (invocations: number, ms: number, memoryMb: number) =>
    invocations * (ms / 1000) * (memoryMb / 1024);
  const ingestGbS = gbSeconds(requests, a.ingestMsPerRequest, s.lambdaMemoryMb.ingest ?? 512);
  const authorizerCalls = a.writeKeys * 12 * hours;
  const perShardPerSecond = recordsPerDay / 86_400 / Math.max(1, shards);
  const eventsPerBatch = Math.min(
    s.consumer.batchSize,
    Math.max(1, perShardPerSecond * Math.max(1, s.consumer.batchingWindowSeconds)),
  );
  const consumerCalls = events / eventsPerBatch;
  const consumerGbS = gbSeconds(
    consumerCalls,
    a.consumerBaseMs + a.consumerMsPerEvent * eventsPerBatch,
    s.lambdaMemoryMb.consumer ?? 1024,
  );
  add(
    'Lambda',
    'ingest function',
    ingestGbS * p.lambda.arm64PerGbSecond + (requests / 1e6) * p.lambda.requestsPerMillion,
  );
  add(
    'Lambda',
    'consumer function',
    consumerGbS * p.lambda.arm64PerGbSecond + (consumerCalls / 1e6) * p.lambda.requestsPerMillion,
  );
  add(
    'Lambda',
    'authorizer (cached 5 min)',
    (authorizerCalls / 1e6) * p.lambda.requestsPerMillion +
      gbSeconds(authorizerCalls, 20, s.lambdaMemoryMb.authorizer ?? 256) * p.lambda.arm64PerGbSecond,
  );

  add('API Gateway', 'ingest REST requests', apiGatewayRestCost(requests));

  // DynamoDB on-demand, from the consumer's measured units per record (conditional updates after a read).
  const wru = events * load.writeUnitsPerRecord;
  add(
    'DynamoDB',
    'writes (profiles, item rows, progress)',
    (wru / 1e6) * p.dynamodb.writeRequestUnitsPerMillion,
  );
  add(
    'DynamoDB',
    'reads before writes',
    ((events * load.readUnitsPerRecord) / 1e6) * p.dynamodb.readRequestUnitsPerMillion,
  );
  add(
    'DynamoDB',
    'storage (profiles)',
    ((eventsPerDay * a.profilesPerDailyEvent * a.profileKb * KB) / GB) * p.dynamodb.storagePerGbMonth,
  );

  // S3 lake after lakeAgeMonths of data, tiered by the lifecycle rule.
  const ageDays = a.lakeAgeMonths * DAYS_PER_MONTH;
  const ia = s.lake.iaAfterDays ?? Number.POSITIVE_INFINITY;
  const glacier = s.lake.glacierAfterDays ?? Number.POSITIVE_INFINITY;
  const daysIn = (from: number, to: number) => Math.max(0, Math.min(to, ageDays) - from);
  const gbPerDay = lakeBytesPerDay / GB;
  add(
    'S3',
    `lake storage at ${a.lakeAgeMonths} months`,
    gbPerDay * daysIn(0, ia) * p.s3.standardPerGbMonth +
      gbPerDay * daysIn(ia, glacier) * p.s3.standardIaPerGbMonth +
      gbPerDay * daysIn(glacier, ageDays) * p.s3.glacierInstantPerGbMonth,
  );
  add(
    'S3',
    'PUTs and lifecycle transitions',
    (objects / 1000) *
      (p.s3.putPer1000 +
        (Number.isFinite(ia) ? p.s3.transitionToIaPer1000 : 0) +
        (Number.isFinite(glacier) ? p.s3.transitionToGlacierInstantPer1000 : 0)),
  );

  // Athena: the batch jobs' scans (10 MB minimum per query).
  const scanTb = (bytes: number) => Math.max(bytes, p.athena.minimumMbPerQuery * 1e6) / 1e12;
  const trendingRuns = 96 * DAYS_PER_MONTH;
  const trendingBytes = ((lakeBytesPerDay * a.trendingScanHours) / 24) * a.columnShare;
  const cfBytes = lakeBytesPerDay * a.cfScanDays * a.columnShare;
  add(
    'Athena',
    'batch-job scans',
    (trendingRuns * scanTb(trendingBytes) + DAYS_PER_MONTH * scanTb(cfBytes)) * p.athena.perTbScanned,
  );

  const invocations = requests + consumerCalls + authorizerCalls + a.canaryRunsPerMonth;
  add(
    'CloudWatch',
    'Lambda logs',
    ((invocations * a.logBytesPerInvocation) / GB) * p.cloudwatch.logsIngestPerGb,
  );
  add(
    'CloudWatch',
    'dashboard, alarms, custom metrics',
    s.counts.dashboards * p.cloudwatch.dashboardMonth +
      s.counts.alarmMetrics * p.cloudwatch.alarmMetricMonth +
      a.customMetrics * p.cloudwatch.customMetricMonth,
  );
  add(
    'Fixed',
    'KMS keys, secrets, canary',
    s.counts.kmsKeys * p.kms.keyMonth +
      s.counts.secrets * p.secretsManager.secretMonth +
      gbSeconds(a.canaryRunsPerMonth, a.canarySeconds * 1000, s.lambdaMemoryMb.canary ?? 256) *
        p.lambda.arm64PerGbSecond +
      (a.canaryRunsPerMonth / 1e6) * p.lambda.requestsPerMillion,
  );
  return lines;
}

export function totalOf(lines: readonly CostLine[]): number {
  return lines.reduce((sum, line) => sum + line.usd, 0);
}

/**
 * Public on-demand list prices used by `recostream cost`, in USD, region us-east-1 (N. Virginia).
 * Recorded from the AWS pricing pages listed per entry; PRICE_DATE is when they were last checked.
 * Prices change: re-check the sources before quoting the table, and edit this file (tests pin the
 * arithmetic, not these values).
 */
export const PRICE_REGION = 'us-east-1';
export const PRICE_DATE = '2025-06-01';

export const PRICES = {
  kinesis: {
    source: 'https://aws.amazon.com/kinesis/data-streams/pricing/',
    onDemandStreamHour: 0.04,
    /** Per GB ingested; each record is rounded up to 1 KB. */
    onDemandIngestPerGb: 0.08,
    /** Per GB retrieved, per shared-throughput consumer. */
    onDemandRetrievalPerGb: 0.04,
    /** Per GB-month stored beyond 24 h (up to 7 days). */
    onDemandExtendedRetentionPerGbMonth: 0.1,
    provisionedShardHour: 0.015,
    /** Per million PUT payload units (25 KB each). */
    provisionedPutPayloadUnitsPerMillion: 0.014,
    provisionedExtendedRetentionShardHour: 0.02,
  },
  firehose: {
    source: 'https://aws.amazon.com/firehose/pricing/',
    /** Kinesis Data Streams as source, first 500 TB/month; records rounded up to 5 KB. */
    ingestPerGb: 0.029,
    formatConversionPerGb: 0.018,
    dynamicPartitioningPerGb: 0.02,
    dynamicPartitioningPer1000Objects: 0.005,
  },
  lambda: {
    source: 'https://aws.amazon.com/lambda/pricing/',
    /** Arm (Graviton), first 7.5 billion GB-s/month. */
    arm64PerGbSecond: 0.0000133334,
    requestsPerMillion: 0.2,
  },
  apiGateway: {
    source: 'https://aws.amazon.com/api-gateway/pricing/',
    /** REST API requests per million, by monthly tier: first 333 M, next 667 M, next 19 B. */
    restTiers: [
      { upToMillions: 333, perMillion: 3.5 },
      { upToMillions: 1000, perMillion: 2.8 },
      { upToMillions: 20000, perMillion: 2.38 },
    ],
    /** HTTP API requests per million (up to 512 KB each), by monthly tier: first 300 M, then. */
    httpTiers: [
      { upToMillions: 300, perMillion: 1.0 },
      { upToMillions: Number.POSITIVE_INFINITY, perMillion: 0.9 },
    ],
  },
  dynamodb: {
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    writeRequestUnitsPerMillion: 0.625,
    readRequestUnitsPerMillion: 0.125,
    storagePerGbMonth: 0.25,
  },
  s3: {
    source: 'https://aws.amazon.com/s3/pricing/',
    standardPerGbMonth: 0.023,
    standardIaPerGbMonth: 0.0125,
    glacierInstantPerGbMonth: 0.004,
    putPer1000: 0.005,
    /** Lifecycle transition requests, per 1000 objects. */
    transitionToIaPer1000: 0.01,
    transitionToGlacierInstantPer1000: 0.02,
  },
  athena: {
    source: 'https://aws.amazon.com/athena/pricing/',
    perTbScanned: 5,
    /** Every query is billed at least this much. */
    minimumMbPerQuery: 10,
  },
  cloudwatch: {
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
    dashboardMonth: 3,
    /** Standard-resolution alarm, per metric it evaluates. */
    alarmMetricMonth: 0.1,
    customMetricMonth: 0.3,
    logsIngestPerGb: 0.5,
  },
  kms: { source: 'https://aws.amazon.com/kms/pricing/', keyMonth: 1 },
  secretsManager: { source: 'https://aws.amazon.com/secrets-manager/pricing/', secretMonth: 0.4 },
} as const;

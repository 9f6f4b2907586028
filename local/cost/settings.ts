/**
 * The settings the cost model needs, read from the synthesised CloudFormation template (the same
 * single source of truth the local runtime uses), so `recostream cost -c streamMode=PROVISIONED …`
 * prices exactly what `cdk deploy` would create.
 */
import { ENTRY_METADATA_KEY } from '../../lib/recostream-function';

// biome-ignore lint/suspicious/noExplicitAny: untyped CloudFormation JSON, read defensively below
type Resource = { Type: string; Properties?: Record<string, any>; Metadata?: Record<string, unknown> };
type Template = { Resources?: Record<string, Resource> };

export interface CostSettings {
  readonly stream: {
    readonly mode: 'ON_DEMAND' | 'PROVISIONED';
    readonly shards: number;
    readonly retentionHours: number;
  };
  readonly firehose: {
    readonly bufferIntervalSeconds: number;
    readonly bufferSizeMb: number;
    readonly formatConversion: boolean;
    readonly dynamicPartitioning: boolean;
  };
  /** Memory (MB) of the functions on the per-event path, by entry folder (ingest, authorizer, consumer). */
  readonly lambdaMemoryMb: Readonly<Record<string, number>>;
  readonly consumer: { readonly batchSize: number; readonly batchingWindowSeconds: number };
  readonly lake: { readonly iaAfterDays?: number; readonly glacierAfterDays?: number };
  readonly dynamodbOnDemand: boolean;
  readonly counts: {
    readonly alarmMetrics: number;
    readonly dashboards: number;
    readonly kmsKeys: number;
    readonly secrets: number;
    readonly functions: number;
  };
}

export function costSettingsFromTemplate(template: Template): CostSettings {
  const resources = Object.values(template.Resources ?? {});
  const ofType = (type: string) => resources.filter((r) => r.Type === type);
  const one = (type: string) => {
    const found = ofType(type);
    if (found.length !== 1) throw new Error(`Expected one ${type} in the template, found ${found.length}`);
    return found[0]?.Properties ?? {};
  };

  const stream = one('AWS::Kinesis::Stream');
  const mode = stream.StreamModeDetails?.StreamMode === 'PROVISIONED' ? 'PROVISIONED' : 'ON_DEMAND';
  const destination = one('AWS::KinesisFirehose::DeliveryStream').ExtendedS3DestinationConfiguration ?? {};

  const lambdaMemoryMb: Record<string, number> = {};
  for (const fn of ofType('AWS::Lambda::Function')) {
    const entry = fn.Metadata?.[ENTRY_METADATA_KEY];
    if (typeof entry !== 'string') continue;
    const folder = entry.split('/').at(-2) as string;
    lambdaMemoryMb[folder] = Math.max(lambdaMemoryMb[folder] ?? 0, Number(fn.Properties?.MemorySize ?? 128));
  }

  const kinesisMappings = ofType('AWS::Lambda::EventSourceMapping').filter((m) =>
    JSON.stringify(m.Properties?.EventSourceArn ?? '').includes('Stream'),
  );
  const mapping = kinesisMappings[0]?.Properties ?? {};

  let iaAfterDays: number | undefined;
  let glacierAfterDays: number | undefined;
  for (const bucket of ofType('AWS::S3::Bucket')) {
    for (const rule of bucket.Properties?.LifecycleConfiguration?.Rules ?? []) {
      for (const t of rule.Transitions ?? []) {
        if (t.StorageClass === 'STANDARD_IA') iaAfterDays = Number(t.TransitionInDays);
        if (t.StorageClass === 'GLACIER_IR') glacierAfterDays = Number(t.TransitionInDays);
      }
    }
  }

  const alarmMetrics = ofType('AWS::CloudWatch::Alarm').reduce((sum, alarm) => {
    const metrics = (alarm.Properties?.Metrics ?? []) as Array<{ MetricStat?: unknown }>;
    return sum + (metrics.length > 0 ? metrics.filter((m) => m.MetricStat).length : 1);
  }, 0);

  return {
    stream: {
      mode,
      shards: Number(stream.ShardCount ?? 0),
      retentionHours: Number(stream.RetentionPeriodHours ?? 24),
    },
    firehose: {
      bufferIntervalSeconds: Number(destination.BufferingHints?.IntervalInSeconds ?? 300),
      bufferSizeMb: Number(destination.BufferingHints?.SizeInMBs ?? 5),
      formatConversion:
        destination.DataFormatConversionConfiguration?.Enabled !== false &&
        destination.DataFormatConversionConfiguration !== undefined,
      dynamicPartitioning: destination.DynamicPartitioningConfiguration?.Enabled === true,
    },
    lambdaMemoryMb,
    consumer: {
      batchSize: Number(mapping.BatchSize ?? 100),
      batchingWindowSeconds: Number(mapping.MaximumBatchingWindowInSeconds ?? 0),
    },
    lake: { iaAfterDays, glacierAfterDays },
    dynamodbOnDemand: ofType('AWS::DynamoDB::Table').every(
      (t) => t.Properties?.BillingMode === 'PAY_PER_REQUEST',
    ),
    counts: {
      alarmMetrics,
      dashboards: ofType('AWS::CloudWatch::Dashboard').length,
      kmsKeys: ofType('AWS::KMS::Key').length,
      secrets: ofType('AWS::SecretsManager::Secret').length,
      functions: ofType('AWS::Lambda::Function').length,
    },
  };
}

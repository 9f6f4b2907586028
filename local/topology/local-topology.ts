/**
 * The local runtime's view of the system, derived from the synthesised CloudFormation template
 * (see template-topology.ts). Nothing here is written by hand: names, batch sizes, routes and
 * environment variables all come from the CDK app, so local and cloud cannot drift apart.
 */
import type { TableProperties } from './table-properties';

export interface LocalFunction {
  readonly logicalId: string;
  /** Handler source, relative to the repository root (from the `recostream:entry` metadata). */
  readonly entry: string;
  /** Exported handler name, usually `handler`. */
  readonly handlerExport: string;
  /** Environment with Ref/GetAtt resolved to local names and URLs. */
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
}

export interface LocalAuthorizer {
  readonly logicalId: string;
  readonly functionId: string;
  readonly type: 'REQUEST' | 'TOKEN';
  /** Lower-cased header names taken from `method.request.header.X` identity sources. */
  readonly identityHeaders: readonly string[];
  readonly resultTtlSeconds: number;
}

export interface LocalRoute {
  readonly method: string;
  /** Full path template such as `/v1/users/{userId}/recommendations`. */
  readonly path: string;
  readonly functionId: string;
  readonly authorizer?: LocalAuthorizer;
  readonly apiKeyRequired: boolean;
}

export interface LocalStream {
  readonly logicalId: string;
  readonly name: string;
  readonly shardCount: number;
  readonly retentionHours: number;
}

export interface LocalTable {
  readonly logicalId: string;
  readonly name: string;
  readonly keySchema: TableProperties['KeySchema'];
  readonly attributeDefinitions: TableProperties['AttributeDefinitions'];
  readonly globalSecondaryIndexes?: TableProperties['GlobalSecondaryIndexes'];
  readonly ttlAttribute?: string;
}

export interface LocalQueue {
  readonly logicalId: string;
  /** Its URL on the local SQS endpoint (`<endpoint>/<account>/<name>`). */
  readonly url: string;
}

export interface LocalEventSourceMapping {
  readonly logicalId: string;
  readonly functionId: string;
  readonly streamId: string;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  readonly bisectBatchOnError: boolean;
  /** -1 means retry until the record expires, as in Lambda. */
  readonly maxRetryAttempts: number;
  /** -1 means no maximum age, as in Lambda. */
  readonly maxRecordAgeSeconds: number;
  readonly parallelizationFactor: number;
  /** TumblingWindowInSeconds (0 or absent: none). */
  readonly tumblingWindowSeconds?: number;
  readonly reportBatchItemFailures: boolean;
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST';
  /** The on-failure destination: an SQS queue (batch metadata) or an S3 bucket (the whole batch). */
  readonly onFailure?: { readonly queueId: string } | { readonly bucketId: string };
}

/**
 * A Kinesis Data Firehose delivery stream from a Kinesis stream to S3 (ExtendedS3DestinationConfiguration),
 * which the local runtime reproduces with lake-delivery.ts: Parquet objects in the bucket's local folder.
 */
export interface LocalDeliveryStream {
  readonly logicalId: string;
  readonly name: string;
  /** Logical id of the source AWS::Kinesis::Stream (KinesisStreamSourceConfiguration.KinesisStreamARN). */
  readonly sourceStreamId: string;
  /** Logical id of the destination AWS::S3::Bucket (BucketARN). */
  readonly bucketId: string;
  /** S3 key prefix with Firehose expressions such as `!{partitionKeyFromQuery:event_type}`; '' for Firehose's default. */
  readonly prefix: string;
  /** ErrorOutputPrefix, e.g. with `!{firehose:error-output-type}`; '' for Firehose's default. */
  readonly errorPrefix: string;
  readonly bufferSizeMb: number;
  readonly bufferIntervalSeconds: number;
  readonly dynamicPartitioning: boolean;
  /** Logical id of the function of a `Lambda` processor (data transformation), run before conversion. */
  readonly transformFunctionId?: string;
}

/** A Step Functions state machine; the local job runner runs those that name a batch job. */
export interface LocalStateMachine {
  readonly logicalId: string;
  /** The batch job it runs (`recostream:job` metadata), if any. */
  readonly job?: string;
  /** Logical id of the SNS topic its definition publishes to (the `NotifyFailure` step), if any. */
  readonly notifyTopicId?: string;
}

/** An SNS topic; its local name is the logical id, its ARN in the local account. */
export interface LocalTopic {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
}

/** An EventBridge Scheduler schedule that starts a state machine. */
export interface LocalSchedule {
  readonly logicalId: string;
  /** `rate(15 minutes)`, `cron(0 2 * * ? *)` or `at(...)`. */
  readonly expression: string;
  /** @default 'UTC' */
  readonly timezone: string;
  readonly enabled: boolean;
  /** Logical id of the target AWS::StepFunctions::StateMachine. */
  readonly stateMachineId: string;
  /** The target's Input, parsed. */
  readonly input: unknown;
}

export interface LocalTopology {
  readonly stackName: string;
  readonly functions: ReadonlyMap<string, LocalFunction>;
  readonly routes: readonly LocalRoute[];
  readonly streams: ReadonlyMap<string, LocalStream>;
  readonly tables: ReadonlyMap<string, LocalTable>;
  readonly queues: ReadonlyMap<string, LocalQueue>;
  /** SNS topics by logical id; empty when the app has none. */
  readonly topics: ReadonlyMap<string, LocalTopic>;
  readonly buckets: ReadonlyMap<string, { readonly logicalId: string; readonly name: string }>;
  readonly eventSourceMappings: readonly LocalEventSourceMapping[];
  /** Firehose delivery streams by logical id; empty when the app has none. */
  readonly deliveryStreams: ReadonlyMap<string, LocalDeliveryStream>;
  /** State machines by logical id; empty when the app has none. */
  readonly stateMachines: ReadonlyMap<string, LocalStateMachine>;
  /** Schedules that start a state machine; empty when the app has none. */
  readonly schedules: readonly LocalSchedule[];
}

/** Invokes a function of the topology with an event, as Lambda would, and returns its result. */
export type Invoke = (functionId: string, event: unknown) => Promise<unknown>;

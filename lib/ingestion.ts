import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  IdentitySource,
  LambdaIntegration,
  LogGroupLogDestination,
  RequestAuthorizer,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Stream, StreamEncryption, StreamMode } from 'aws-cdk-lib/aws-kinesis';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { INGEST_API_VERSION, INGEST_ROUTES } from '../lambdas/ingest/ingest-routes';
import { DEFAULT_MAX_EVENT_AGE_MS } from '../lambdas/shared/events/schema';
import { QUARANTINE_PREFIX } from '../lambdas/shared/lake-layout';
import { SERVICES } from '../lambdas/shared/metric-names';
import {
  acknowledgeApiGatewayInvokePermissions,
  acknowledgeStageExecutionLogging,
} from './private/guard-rules';
import { LOG_RETENTION } from './private/log-groups';
import { acceptedRoles, RecoFunction } from './recostream-function';

/** Name of the API Gateway stage the ingest API is deployed to. */
export const INGEST_STAGE_NAME = 'prod';

export interface IngestionProps {
  /** Bucket that receives rejected events under `quarantinePrefix` (the lake bucket). */
  readonly quarantineBucket: IBucket;
  /**
   * Key prefix of quarantined events; the ingest function can write under this prefix only.
   * @default 'quarantine/'
   */
  readonly quarantinePrefix?: string;
  /**
   * Customer-managed key that encrypts the stream and the WriteKeys table.
   * @default - a new customer-managed key with yearly rotation
   */
  readonly encryptionKey?: IKey;
  /**
   * Capacity mode of the events stream.
   * @default StreamMode.ON_DEMAND
   */
  readonly streamMode?: StreamMode;
  /**
   * Number of shards; only valid with `StreamMode.PROVISIONED`.
   * @default 1 when provisioned
   */
  readonly shardCount?: number;
  /**
   * How long the stream keeps records (24 hours to 365 days).
   * @default Duration.hours(24)
   */
  readonly streamRetention?: Duration;
  /**
   * Steady-state request rate limit of the API stage, requests per second.
   * @default 1000
   */
  readonly throttlingRateLimit?: number;
  /**
   * Burst limit of the API stage, requests.
   * @default 2000
   */
  readonly throttlingBurstLimit?: number;
  /**
   * How long API Gateway caches an authorizer decision per Authorization header.
   * @default Duration.minutes(5)
   */
  readonly authorizerCacheTtl?: Duration;
  /**
   * How long before its receipt an event may have happened (`occurredAt`) and still be accepted; older
   * events are quarantined as `event_too_old`. The lake is partitioned by receipt time whatever this is;
   * the bound keeps event-time data (hourly item statistics, trending, profiles) to recent history. Older
   * history goes in through `recostream import`. From 1 hour to 365 days.
   * @default Duration.days(30)
   */
  readonly maxEventAge?: Duration;
}

/**
 * The ingestion path: a REST API (`POST /v1/<route>` for each of INGEST_ROUTES, ours and Segment's) guarded
 * by a Lambda REQUEST authorizer that checks write keys in the WriteKeys table, an ingest function that
 * validates events (zod, in the function; API Gateway request validation is not used) and writes them to the
 * Kinesis events stream, quarantining rejected ones in the lake bucket.
 */
export class Ingestion extends Construct {
  /** The events stream (partition key = userId, KMS-encrypted). */
  public readonly stream: Stream;
  /** The ingest REST API. */
  public readonly api: RestApi;
  /** Validates events and writes them to the stream. */
  public readonly ingestFunction: RecoFunction;
  /** REQUEST authorizer function of the API. */
  public readonly authorizerFunction: RecoFunction;
  /** Write keys (hashed) that clients authenticate with; partition key `keyHash`. */
  public readonly writeKeysTable: Table;
  /** Key that encrypts the stream and the WriteKeys table. */
  public readonly key: IKey;

  constructor(scope: Construct, id: string, props: IngestionProps) {
    super(scope, id);
    const streamMode = props.streamMode ?? StreamMode.ON_DEMAND;
    if (streamMode === StreamMode.ON_DEMAND && props.shardCount !== undefined) {
      throw new Error(`shardCount (${props.shardCount}) is only valid with StreamMode.PROVISIONED`);
    }
    const shardCount = props.shardCount ?? 1;
    if (!Number.isInteger(shardCount) || shardCount < 1) {
      throw new Error(`shardCount must be a positive integer, got ${shardCount}`);
    }
    const retention = props.streamRetention ?? Duration.hours(24);
    const retentionHours = retention.toHours({ integral: false });
    if (!Number.isInteger(retentionHours) || retentionHours < 24 || retentionHours > 8760) {
      throw new Error(
        `streamRetention must be a whole number of hours from 24 to 8760, got ${retentionHours}`,
      );
    }
    const rateLimit = props.throttlingRateLimit ?? 1000;
    const burstLimit = props.throttlingBurstLimit ?? 2000;
    if (!(rateLimit > 0) || !Number.isInteger(burstLimit) || burstLimit < 1) {
      throw new Error(`Throttling limits must be positive, got rate ${rateLimit} and burst ${burstLimit}`);
    }
    const quarantinePrefix = props.quarantinePrefix ?? QUARANTINE_PREFIX;
    const maxEventAgeSeconds = (props.maxEventAge ?? Duration.millis(DEFAULT_MAX_EVENT_AGE_MS)).toSeconds();
    if (
      !Number.isInteger(maxEventAgeSeconds) ||
      maxEventAgeSeconds < 3600 ||
      maxEventAgeSeconds > 365 * 86_400
    ) {
      throw new Error(
        `maxEventAge must be a whole number of seconds from 1 hour to 365 days, got ${maxEventAgeSeconds} s`,
      );
    }

    this.key =
      props.encryptionKey ??
      new Key(this, 'Key', {
        enableKeyRotation: true,
        description: 'RecoStream events stream and write keys',
      });

    this.stream = new Stream(this, 'EventsStream', {
      streamMode,
      shardCount: streamMode === StreamMode.PROVISIONED ? shardCount : undefined,
      retentionPeriod: retention,
      encryption: StreamEncryption.KMS,
      encryptionKey: this.key,
    });
    Validations.of(this.stream).acknowledge({
      id: 'AwsSolutions-KDS3',
      reason:
        'The stream is deliberately encrypted with a customer-managed key (rotation on, shared with the other ' +
        "stores) rather than aws/kinesis, so key policy and CloudTrail audit stay under the account's control.",
    });

    this.writeKeysTable = new Table(this, 'WriteKeysTable', {
      partitionKey: { name: 'keyHash', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
    });

    this.authorizerFunction = new RecoFunction(this, 'AuthorizerFunction', {
      entry: 'lambdas/authorizer/handler.ts',
      description: 'Ingest API REQUEST authorizer: checks the write key in the Authorization header',
      memorySize: 256,
      timeout: Duration.seconds(5),
      // Catalogue keys may write items, not events.
      environment: { ACCEPTED_ROLES: acceptedRoles('write', 'admin') },
    }).bindTable(this.writeKeysTable, 'WRITE_KEYS_TABLE_NAME');

    this.ingestFunction = new RecoFunction(this, 'IngestFunction', {
      entry: 'lambdas/ingest/handler.ts',
      serviceName: SERVICES.ingest,
      description: 'Ingest API: validates events and writes them to the events stream',
      memorySize: 512,
      // The publisher's retry budget (5 s) plus one slow SDK call (10 s) must fit; API Gateway's
      // own integration timeout (29 s) stays above it.
      timeout: Duration.seconds(20),
      environment: { MAX_EVENT_AGE_SECONDS: String(maxEventAgeSeconds) },
    })
      .bindStreamWriter(this.stream, 'EVENTS_STREAM_NAME')
      .bindBucketPrefixWriter(
        props.quarantineBucket,
        quarantinePrefix,
        'QUARANTINE_BUCKET_NAME',
        'QUARANTINE_PREFIX',
      );

    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention: LOG_RETENTION });
    this.api = new RestApi(this, 'Api', {
      restApiName: `${Stack.of(this).stackName}-ingest`,
      description: 'RecoStream ingest API (Segment-compatible)',
      // The account-level API Gateway CloudWatch role is not this stack's to own.
      cloudWatchRole: false,
      deployOptions: {
        stageName: INGEST_STAGE_NAME,
        tracingEnabled: true,
        metricsEnabled: true,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        throttlingRateLimit: rateLimit,
        throttlingBurstLimit: burstLimit,
      },
    });
    // The stack exports the URL as ApiUrl; drop the RestApi's own duplicate `Endpoint` output.
    this.api.node.tryRemoveChild('Endpoint');

    const authorizer = new RequestAuthorizer(this, 'Authorizer', {
      handler: this.authorizerFunction,
      identitySources: [IdentitySource.header('Authorization')],
      resultsCacheTtl: props.authorizerCacheTtl ?? Duration.minutes(5),
    });
    const integration = new LambdaIntegration(this.ingestFunction, { proxy: true, allowTestInvoke: false });
    const v1 = this.api.root.addResource(INGEST_API_VERSION);
    for (const route of INGEST_ROUTES) {
      const method = v1.addResource(route).addMethod('POST', integration, {
        authorizer,
        authorizationType: AuthorizationType.CUSTOM,
      });
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-COG4',
        reason:
          'Ingest clients are apps and servers holding a write key, not Cognito users: every method uses the ' +
          'Lambda REQUEST authorizer that checks the key against the WriteKeys table.',
      });
    }

    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG2',
      reason:
        'Request bodies are validated in the ingest function with the shared zod event schema, which gives ' +
        'per-event errors and quarantines bad events; an API Gateway model would duplicate that schema.',
    });
    Validations.of(this.api.deploymentStage).acknowledge(
      {
        id: 'AwsSolutions-APIG3',
        reason:
          'Abuse is bounded by write-key authorization and stage throttling; a WAF web ACL is an account-level ' +
          'choice an operator can associate with the stage without changing this app.',
      },
      {
        id: 'AwsSolutions-APIG6',
        reason:
          'Execution logging needs the account-level API Gateway CloudWatch role, which this stack does not own; ' +
          'the stage writes JSON access logs and both functions log every error.',
      },
    );
    acknowledgeStageExecutionLogging(this.api.deploymentStage);
    // The integration permissions sit under the API, the authorizer's under its function.
    acknowledgeApiGatewayInvokePermissions(this.api);
    acknowledgeApiGatewayInvokePermissions(this.authorizerFunction);
  }
}

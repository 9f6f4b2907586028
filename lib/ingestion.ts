import { Duration, Stack, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  IdentitySource,
  LambdaIntegration,
  LogGroupLogDestination,
  RequestAuthorizer,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
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
import { throttlingLimits } from './private/throttling';
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
  /** The events stream (`createEventStores`, in the data stack). */
  readonly stream: IStream;
  /** Write keys (hashed) that clients authenticate with (`createEventStores`, in the data stack). */
  readonly writeKeysTable: ITable;
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

export {
  createEventStores,
  type EventStores,
  type EventStoresProps,
} from './ingestion/event-stores';

/**
 * The ingestion path: a REST API (`POST /v1/<route>` for each of INGEST_ROUTES, ours and Segment's) guarded
 * by a Lambda REQUEST authorizer that checks write keys in the WriteKeys table, an ingest function that
 * validates events (zod, in the function; API Gateway request validation is not used) and writes them to the
 * Kinesis events stream, quarantining rejected ones in the lake bucket. The stream and the table are the data
 * stack's (`createEventStores`).
 */
export class Ingestion extends Construct {
  /** The events stream (partition key = userId, KMS-encrypted). */
  public readonly stream: IStream;
  /** The ingest REST API. */
  public readonly api: RestApi;
  /** Validates events and writes them to the stream. */
  public readonly ingestFunction: RecoFunction;
  /** REQUEST authorizer function of the API. */
  public readonly authorizerFunction: RecoFunction;
  /** Write keys (hashed) that clients authenticate with; partition key `keyHash`. */
  public readonly writeKeysTable: ITable;

  constructor(scope: Construct, id: string, props: IngestionProps) {
    super(scope, id);
    const { rateLimit, burstLimit } = throttlingLimits(
      props.throttlingRateLimit,
      props.throttlingBurstLimit,
      {
        rateLimit: 1000,
        burstLimit: 2000,
      },
    );
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

    this.stream = props.stream;
    this.writeKeysTable = props.writeKeysTable;

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

import { Duration, Stack, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  ApiKey,
  LambdaIntegration,
  LogGroupLogDestination,
  Period,
  RequestValidator,
  RestApi,
  type UsagePlan,
} from 'aws-cdk-lib/aws-apigateway';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { IQueue, Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { z } from 'zod';
import {
  ItemPathSchema,
  RECOMMEND_ROUTES,
  type RecommendRoute,
  SimilarItemsQuerySchema,
  TrendingQuerySchema,
  UserPathSchema,
  UserRecommendationsQuerySchema,
} from '../lambdas/recommend/api-schemas';
import { DEFAULT_OPTIONS } from '../lambdas/recommend/scoring-model';
import { parseVariantsConfig, type VariantsConfig } from '../lambdas/recommend/variants';
import {
  checkExplorationConfig,
  EXPLORATION_ENV,
  type ExplorationConfigInput,
} from '../lambdas/shared/exploration-config';
import { checkRulesConfig, RULES_ENV, type RulesConfigInput } from '../lambdas/shared/recommend-rules';
import { createDeadLetterQueue } from './private/dead-letter-queue';
import {
  acknowledgeApiGatewayInvokePermissions,
  acknowledgeStageExecutionLogging,
} from './private/guard-rules';
import { LOG_RETENTION } from './private/log-groups';
import { throttlingLimits } from './private/throttling';
import { RecoFunction } from './recostream-function';

/**
 * The recommendation API's dead-letter queue: impressions whose PutRecord failed for good (after the SDK's
 * retries), one message each (lambdas/recommend/impression-dead-letter.ts). Stateful: created in the data stack.
 */
export function createImpressionDeadLetterQueue(scope: Construct, encryptionKey: IKey): Queue {
  return createDeadLetterQueue(scope, 'ImpressionDeadLetterQueue', {
    encryptionKey,
    reason:
      'This queue is itself the dead-letter destination of the recommendation API (impressions the stream did ' +
      'not take); they are inspected and replayed onto the stream by an operator, not consumed.',
  });
}

/** Name of the API Gateway stage the recommendation API is deployed to. */
export const RECOMMEND_STAGE_NAME = 'prod';

export interface RecommendationApiProps {
  /** Item catalogue (read per request: unavailable items are left out, titles and prices shown). */
  readonly itemsTable: ITable;
  /** Feature store: per-user profiles (read). */
  readonly profilesTable: ITable;
  /** Feature store: per-item statistics (read; the popular fallback before the first trending run). */
  readonly itemStatsTable: ITable;
  /** Batch jobs: neighbour lists per item and version (read). */
  readonly similaritiesTable: ITable;
  /** Batch jobs: trending lists per scope and version (read). */
  readonly trendingTable: ITable;
  /** Batch jobs: runs and the ACTIVE version pointers (read). */
  readonly jobRunsTable: ITable;
  /** The events stream that receives one recommendation_impression per response (write). */
  readonly stream: IStream;
  /**
   * Where an impression goes whose put failed for good (send), with the reason
   * (`createImpressionDeadLetterQueue`, in the data stack).
   */
  readonly impressionDeadLetterQueue: IQueue;
  /**
   * A/B variants of the blend (RECOMMEND_VARIANTS); validated at synthesis.
   * @default one `control` variant with the default weights
   */
  readonly variants?: VariantsConfig;
  /**
   * Named filters, boosts and a promotion slot (RECOMMEND_RULES, lambdas/shared/recommend-rules.ts); validated
   * at synthesis. Requests name filters and boosts with `?filter=` / `?boost=` and their parameters.
   * @default no rules
   */
  readonly rules?: RulesConfigInput;
  /**
   * Cold start (RECOMMEND_EXPLORATION, lambdas/shared/exploration-config.ts): new catalogue items younger than
   * `maxAgeDays` reach for-you, discover and similar through their category, `slots` places of a page kept
   * for them; validated at synthesis. Requests override the slots with `?exploration=`.
   * @default { slots: 1, maxAgeDays: 30, weight: 0.05 }
   */
  readonly exploration?: ExplorationConfigInput;
  /** Usage plan steady-state rate per API key, requests per second. @default 100 */
  readonly rateLimit?: number;
  /** Usage plan burst per API key, requests. @default 200 */
  readonly burstLimit?: number;
  /** Usage plan quota per API key, requests per day. @default 1000000 */
  readonly quotaPerDay?: number;
  /**
   * How long a response waits for its impression's PutRecord (and the environment's other pending puts); a
   * put that takes longer is not dropped but awaited by the next invocations. @default Duration.millis(150)
   */
  readonly impressionTimeout?: Duration;
  /** How long a container caches the ACTIVE version pointers. @default Duration.seconds(60) */
  readonly activeVersionCacheTtl?: Duration;
  /** Source items whose neighbour lists one request reads at most. @default 50 (DEFAULT_OPTIONS.maxSources) */
  readonly maxSourceItems?: number;
  /** `exclude=purchased` leaves out purchases of the last this many days. @default 365 */
  readonly purchasedWindowDays?: number;
}

/** Query parameter names per route, from the zod schemas the handler parses with. */
const ROUTE_PARAMETERS: Readonly<Record<RecommendRoute, { path: z.ZodObject[]; query: z.ZodObject[] }>> = {
  userRecommendations: { path: [UserPathSchema], query: [UserRecommendationsQuerySchema] },
  similarItems: { path: [ItemPathSchema], query: [SimilarItemsQuerySchema] },
  trendingItems: { path: [], query: [TrendingQuerySchema] },
  openApi: { path: [], query: [] },
};

/**
 * The recommendation API: a REST API of its own (API keys and a usage plan; the ingest API uses a write-key
 * authorizer), with parameter validation, JSON access logs and tracing, in front of one Lambda that reads the
 * feature store and the published batch results and records impressions on the events stream.
 */
export class RecommendationApi extends Construct {
  public readonly api: RestApi;
  public readonly function: RecoFunction;
  public readonly usagePlan: UsagePlan;
  /** A first API key, value generated by API Gateway (`aws apigateway get-api-key --include-value`). */
  public readonly apiKey: ApiKey;

  constructor(scope: Construct, id: string, props: RecommendationApiProps) {
    super(scope, id);
    const { rateLimit, burstLimit } = throttlingLimits(props.rateLimit, props.burstLimit, {
      rateLimit: 100,
      burstLimit: 200,
    });
    const quotaPerDay = props.quotaPerDay ?? 1_000_000;
    if (!Number.isInteger(quotaPerDay) || quotaPerDay < 1) {
      throw new Error(`quotaPerDay must be a positive integer, got ${quotaPerDay}`);
    }
    const impressionTimeoutMs = (props.impressionTimeout ?? Duration.millis(150)).toMilliseconds();
    if (impressionTimeoutMs < 10 || impressionTimeoutMs > 2000) {
      throw new Error(`impressionTimeout must be 10 ms to 2 s, got ${impressionTimeoutMs} ms`);
    }
    const variantsJson = props.variants ? JSON.stringify(props.variants) : '';
    parseVariantsConfig(variantsJson); // fails synthesis with the reason, not the first request
    const rulesJson = props.rules ? JSON.stringify(checkRulesConfig(props.rules)) : '';
    const explorationJson = JSON.stringify(checkExplorationConfig(props.exploration ?? {}));

    this.function = new RecoFunction(this, 'Function', {
      entry: 'lambdas/recommend/handler.ts',
      description: 'Recommendation API: personalised, similar and trending items',
      // More memory buys CPU for scoring and JSON; the function is latency-bound, not memory-bound.
      memorySize: 1024,
      timeout: Duration.seconds(10),
      environment: {
        RECOMMEND_VARIANTS: variantsJson,
        [RULES_ENV]: rulesJson,
        [EXPLORATION_ENV]: explorationJson,
        IMPRESSION_TIMEOUT_MS: String(impressionTimeoutMs),
        ACTIVE_VERSION_CACHE_SECONDS: String(
          (props.activeVersionCacheTtl ?? Duration.seconds(60)).toSeconds(),
        ),
        MAX_SOURCE_ITEMS: String(props.maxSourceItems ?? DEFAULT_OPTIONS.maxSources),
        PURCHASED_WINDOW_DAYS: String(props.purchasedWindowDays ?? 365),
      },
    })
      .bindTable(props.profilesTable, 'PROFILES_TABLE_NAME')
      .bindTable(props.itemStatsTable, 'ITEM_STATS_TABLE_NAME')
      .bindTable(props.similaritiesTable, 'SIMILARITIES_TABLE_NAME')
      .bindTable(props.trendingTable, 'TRENDING_TABLE_NAME')
      .bindTable(props.jobRunsTable, 'JOB_RUNS_TABLE_NAME')
      .bindTable(props.itemsTable, 'ITEMS_TABLE_NAME')
      .bindStreamWriter(props.stream, 'EVENTS_STREAM_NAME')
      .bindQueueSender(props.impressionDeadLetterQueue, 'IMPRESSION_DLQ_URL');

    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: LOG_RETENTION });
    this.api = new RestApi(this, 'Api', {
      restApiName: `${Stack.of(this).stackName}-recommendations`,
      description: 'RecoStream recommendation API',
      cloudWatchRole: false,
      deployOptions: {
        stageName: RECOMMEND_STAGE_NAME,
        tracingEnabled: true,
        metricsEnabled: true,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        // Stage-wide ceiling over all keys; each key is throttled by the usage plan below.
        throttlingRateLimit: rateLimit * 10,
        throttlingBurstLimit: burstLimit * 10,
      },
    });
    this.api.node.tryRemoveChild('Endpoint');

    const validator = new RequestValidator(this, 'ParameterValidator', {
      restApi: this.api,
      validateRequestParameters: true,
      // GET routes carry no body; enabling it costs nothing and satisfies AwsSolutions-APIG2 without an acknowledgement.
      validateRequestBody: true,
    });
    const integration = new LambdaIntegration(this.function, { proxy: true, allowTestInvoke: false });
    for (const [route, { method, path }] of Object.entries(RECOMMEND_ROUTES) as Array<
      [RecommendRoute, (typeof RECOMMEND_ROUTES)[RecommendRoute]]
    >) {
      const resource = this.api.root.resourceForPath(path);
      const parameters = ROUTE_PARAMETERS[route];
      const requestParameters: Record<string, boolean> = {};
      for (const schema of parameters.path) {
        for (const name of Object.keys(schema.shape)) requestParameters[`method.request.path.${name}`] = true;
      }
      for (const schema of parameters.query) {
        for (const name of Object.keys(schema.shape))
          requestParameters[`method.request.querystring.${name}`] = false;
      }
      const apiMethod = resource.addMethod(method, integration, {
        apiKeyRequired: true,
        requestValidator: validator,
        requestParameters,
      });
      Validations.of(apiMethod).acknowledge(
        {
          id: 'AwsSolutions-APIG4',
          reason:
            'Callers are backend services identified by API keys with a usage plan (throttle and quota); the ' +
            'API serves recommendations, not user-owned data, and is not exposed to end users directly.',
        },
        {
          id: 'AwsSolutions-COG4',
          reason:
            'Callers are backend services holding an API key, not Cognito users; the key and its usage plan ' +
            'identify and throttle each caller.',
        },
      );
    }

    this.usagePlan = this.api.addUsagePlan('UsagePlan', {
      description: 'Per-key throttle and daily quota of the recommendation API',
      throttle: { rateLimit, burstLimit },
      quota: { limit: quotaPerDay, period: Period.DAY },
      apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
    });
    this.apiKey = new ApiKey(this, 'DefaultApiKey', {
      description: 'First recommendation API key; create one per client app and add it to the usage plan',
    });
    this.usagePlan.addApiKey(this.apiKey);

    Validations.of(this.api.deploymentStage).acknowledge(
      {
        id: 'AwsSolutions-APIG3',
        reason:
          'Abuse is bounded by API keys with per-key usage-plan throttling and quotas; a WAF web ACL with managed ' +
          'rules and a per-IP rate limit is opt-in for the stack (`-c waf=true`, lib/api-waf.ts).',
      },
      {
        id: 'AwsSolutions-APIG6',
        reason:
          'Execution logging needs the account-level API Gateway CloudWatch role, which this stack does not own; ' +
          'the stage writes JSON access logs and the function logs every error.',
      },
    );
    acknowledgeStageExecutionLogging(this.api.deploymentStage);
    acknowledgeApiGatewayInvokePermissions(this.api);
  }

  /** Base URL of the stage, e.g. https://abc.execute-api.eu-west-1.amazonaws.com/prod/ */
  public get url(): string {
    return this.api.url;
  }
}

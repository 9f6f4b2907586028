import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { INGEST_ROUTES } from '../lambdas/ingest/ingest-routes';
import { CATALOGUE_ROUTE } from '../lambdas/shared/catalogue';
import type { ExplorationConfigInput } from '../lambdas/shared/exploration-config';
import { QUARANTINE_PREFIX } from '../lambdas/shared/lake-layout';
import type { RulesConfigInput } from '../lambdas/shared/recommend-rules';
import { ApiWaf } from './api-waf';
import { AttributionMetrics } from './attribution-metrics';
import { BatchJobs, type BatchJobsProps } from './batch-jobs';
import { DataLake } from './data-lake';
import { FeatureStore } from './feature-store';
import { FreshnessCanary } from './freshness-canary';
import { Ingestion } from './ingestion';
import { ItemCatalogue } from './item-catalogue';
import { LakePurge, lakePurgeRoleName } from './lake-purge';
import { firehoseBufferInterval, Monitoring } from './monitoring';
import { acknowledgeLogRetention, encryptEveryLogGroup } from './private/log-groups';
import { RecommendationApi } from './recommendation-api';
import type { StatefulResources } from './recostream-data-stack';
import { EventSchemaRegistry } from './schema-registry';
import { UserDeletion } from './user-deletion';

export interface RecoStreamStackProps extends StackProps {
  /** The stateful resources (RecoStreamDataStack's `resources`). */
  readonly data: StatefulResources;
  /** Retention of the events stream (the consumer prunes watermarks by it). @default 24 */
  readonly streamRetentionHours?: number;
  /** Oldest accepted occurredAt, in days before receipt (Ingestion `maxEventAge`). @default 30 */
  readonly maxEventAgeDays?: number;
  /** Overrides of the batch jobs' validation-gate thresholds (npm start lowers cf coverage). @default - none */
  readonly jobGateThresholds?: BatchJobsProps['gateThresholds'];
  /** A web ACL with AWS managed rules and a per-IP rate limit on both APIs. @default false */
  readonly waf?: boolean;
  /** An address subscribed to the alarm topic (it must confirm by e-mail). @default - none */
  readonly alarmEmail?: string;
  /** The consumer's item-statistics tumbling window, seconds (FeatureStore `itemStatsWindow`). @default 60 */
  readonly itemStatsWindowSeconds?: number;
  /** The recommendation API's named filters, boosts and promotion slot (RecommendationApi `rules`). @default none */
  readonly recommendationRules?: RulesConfigInput;
  /** The recommendation API's cold start: new arrivals (RecommendationApi `exploration`). @default 1 slot, 30 days */
  readonly recommendationExploration?: ExplorationConfigInput;
}

/**
 * RecoStream: ingest API -> Kinesis -> feature store, the data lake, batch jobs, recommendation API and
 * monitoring; the resources that hold data come from RecoStreamDataStack (`props.data`).
 */
export class RecoStreamStack extends Stack {
  public readonly ingestion: Ingestion;
  public readonly featureStore: FeatureStore;
  public readonly schemaRegistry: EventSchemaRegistry;
  public readonly dataLake: DataLake;
  /** Every alarm and failed batch run notifies this topic (encrypted with the data key). */
  public readonly alarmTopic: Topic;
  /** Dashboard and alarms. */
  public readonly monitoring: Monitoring;
  /** Admin `DELETE /v1/users/{userId}` and the DeletionRequests audit table. */
  public readonly userDeletion: UserDeletion;
  /** Daily purge of deleted users from the lake (events and quarantine), with its deadline alarm. */
  public readonly lakePurge: LakePurge;
  /** Every-minute canary event: ingest API -> visible in the profile and the recommendation API. */
  public readonly freshnessCanary: FreshnessCanary;
  /** Scheduled cf and trending jobs, their versioned tables and the JobRuns table. */
  public readonly batchJobs: BatchJobs;
  /** GET recommendations (personalised, similar, trending) behind API keys and a usage plan. */
  public readonly recommendationApi: RecommendationApi;
  /** `PUT /v1/items` and the Items table the recommendation API filters and decorates with. */
  public readonly itemCatalogue: ItemCatalogue;
  /** Hourly CloudWatch metrics of what recommendations earned, per placement and variant. */
  public readonly attributionMetrics: AttributionMetrics;

  constructor(scope: Construct, id: string, props: RecoStreamStackProps) {
    super(scope, id, { terminationProtection: true, ...props });
    const { data } = props;
    const { key, lakeBucket } = data;
    const quarantinePrefix = QUARANTINE_PREFIX;
    // Log groups hold ids and payload fragments too: every one the app creates is encrypted with this key.
    encryptEveryLogGroup(this, key);
    acknowledgeLogRetention(this);

    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: 'RecoStream alarms',
      masterKey: key,
      enforceSSL: true,
    });

    this.ingestion = new Ingestion(this, 'Ingestion', {
      stream: data.eventsStream,
      writeKeysTable: data.writeKeysTable,
      quarantineBucket: lakeBucket,
      quarantinePrefix,
      ...(props.maxEventAgeDays !== undefined ? { maxEventAge: Duration.days(props.maxEventAgeDays) } : {}),
    });
    this.featureStore = new FeatureStore(this, 'FeatureStore', {
      stores: data.featureStores,
      stream: this.ingestion.stream,
      streamRetention: Duration.hours(props.streamRetentionHours ?? 24),
      ...(props.itemStatsWindowSeconds !== undefined
        ? { itemStatsWindow: Duration.seconds(props.itemStatsWindowSeconds) }
        : {}),
      quarantineBucket: lakeBucket,
      quarantinePrefix,
    });
    this.schemaRegistry = new EventSchemaRegistry(this, 'SchemaRegistry');
    this.dataLake = new DataLake(this, 'DataLake', {
      lakeBucket,
      stream: this.ingestion.stream,
      resultsBucket: data.athenaResultsBucket,
      encryptionKey: key,
      quarantinePrefix,
      pseudonymKey: data.pseudonymKey,
    });

    this.batchJobs = new BatchJobs(this, 'BatchJobs', {
      encryptionKey: key,
      publishedTables: data.publishedTables,
      lakeBucket,
      dataLake: this.dataLake,
      alarmTopic: this.alarmTopic,
      gateThresholds: props.jobGateThresholds,
    });

    this.attributionMetrics = new AttributionMetrics(this, 'AttributionMetrics', {
      lakeBucket,
      dataLake: this.dataLake,
      jobRunsTable: this.batchJobs.jobRunsTable,
      encryptionKey: key,
      alarmTopic: this.alarmTopic,
    });

    this.itemCatalogue = new ItemCatalogue(this, 'ItemCatalogue', {
      api: this.ingestion.api,
      writeKeysTable: this.ingestion.writeKeysTable,
      itemsTable: data.itemsTable,
      lakeBucket,
      quarantinePrefix,
      rules: props.recommendationRules,
    });
    // The consumer fills catalogue items from product events (if_not_exists: the catalogue API wins).
    this.itemCatalogue.grantFill(this.featureStore.consumerFunction);

    this.recommendationApi = new RecommendationApi(this, 'RecommendationApi', {
      itemsTable: this.itemCatalogue.itemsTable,
      profilesTable: this.featureStore.profilesTable,
      itemStatsTable: this.featureStore.itemStatsTable,
      similaritiesTable: this.batchJobs.similaritiesTable,
      trendingTable: this.batchJobs.trendingTable,
      jobRunsTable: this.batchJobs.jobRunsTable,
      stream: this.ingestion.stream,
      impressionDeadLetterQueue: data.impressionDeadLetterQueue,
      rules: props.recommendationRules,
      exploration: props.recommendationExploration,
    });

    this.userDeletion = new UserDeletion(this, 'UserDeletion', {
      api: this.ingestion.api,
      writeKeysTable: this.ingestion.writeKeysTable,
      profilesTable: this.featureStore.profilesTable,
      deletionRequestsTable: data.deletionRequestsTable,
    });
    this.lakePurge = new LakePurge(this, 'LakePurge', {
      deletionRequestsTable: this.userDeletion.deletionRequestsTable,
      profilesTable: this.featureStore.profilesTable,
      lakeBucket,
      dataLake: this.dataLake,
      encryptionKey: key,
      alarmTopic: this.alarmTopic,
      quarantinePrefix,
      // Firehose's error records keep real ids: only the purge, which removes a deleted user's, reads them
      // (the data stack's bucket policy names this role).
      roleName: lakePurgeRoleName(this.stackName),
    });

    this.freshnessCanary = new FreshnessCanary(this, 'FreshnessCanary', {
      ingestBaseUrl: this.ingestion.api.url,
      writeKeysTable: this.ingestion.writeKeysTable,
      profilesTable: this.featureStore.profilesTable,
      encryptionKey: key,
      secrets: data.canarySecrets,
      recommendationApi: this.recommendationApi,
    });

    if (props.waf) {
      new ApiWaf(this, 'ApiWaf', {
        apis: [this.ingestion.api, this.recommendationApi.api],
        encryptionKey: key,
        // Catalogue feeds send up to 500 items per PUT: larger than the common rule set's 8 KB too.
        largeBodyRoutes: [...INGEST_ROUTES, CATALOGUE_ROUTE.path.replace(/^\/v1\//, '')],
      });
    }

    this.monitoring = new Monitoring(this, 'Monitoring', {
      alarmTopic: this.alarmTopic,
      alarmEmail: props.alarmEmail,
      ingestApi: this.ingestion.api,
      stream: this.ingestion.stream,
      consumerFunction: this.featureStore.consumerFunction,
      deadLetterQueue: this.featureStore.deadLetterQueue,
      impressionDeadLetterQueue: data.impressionDeadLetterQueue,
      failedBatches: this.featureStore.failedBatchesMetric,
      deliveryStreamName: this.dataLake.deliveryStream.ref,
      firehoseBufferInterval: firehoseBufferInterval(this.dataLake.deliveryStream),
      batchJobs: Object.entries(this.batchJobs.stateMachines).map(([name, stateMachine]) => ({
        name,
        stateMachine,
      })),
      // BatchJobs has its own failed/rejected-run alarms; Monitoring adds staleness.
      alarmOnJobFailures: false,
      recommendationApi: this.recommendationApi.api,
      freshnessCanary: true,
      lakePseudonymizer: this.dataLake.pseudonymizer !== undefined,
      attributionMetrics: true,
    });

    // The names of the stateful resources are outputs of the data stack (an output that only re-exports an
    // import is a cfn-lint warning, W6001).
    const outputs: Record<string, [string, string]> = {
      ApiUrl: [this.ingestion.api.url, 'Ingest API base URL (stage prod); POST to v1/events, v1/batch, ...'],
      GlueDatabaseName: [this.dataLake.database.ref, 'Glue database of the lake tables (events, quarantine)'],
      AthenaWorkGroupName: [this.dataLake.workGroup.ref, 'Athena workgroup to query the lake with'],
      AlarmTopicArn: [this.alarmTopic.topicArn, 'SNS topic of the alarms and failed batch runs'],
      DeliveryStreamName: [
        this.dataLake.deliveryStream.ref,
        'Firehose delivery stream: events stream -> lake',
      ],
      RecommendationApiUrl: [
        this.recommendationApi.url,
        'Recommendation API base URL (stage prod); GET v1/users/{userId}/recommendations, ... with x-api-key',
      ],
      RecommendationApiKeyId: [
        this.recommendationApi.apiKey.keyId,
        'Id of the first recommendation API key: aws apigateway get-api-key --api-key <id> --include-value',
      ],
      CfStateMachineArn: [this.batchJobs.stateMachines.cf.stateMachineArn, 'Collaborative-filtering job'],
      TrendingStateMachineArn: [this.batchJobs.stateMachines.trending.stateMachineArn, 'Trending job'],
    };
    for (const [id, [value, description]] of Object.entries(outputs)) {
      new CfnOutput(this, id, { value, description });
    }
  }
}

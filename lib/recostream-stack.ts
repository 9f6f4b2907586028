import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { StreamMode } from 'aws-cdk-lib/aws-kinesis';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { INGEST_ROUTES } from '../lambdas/ingest/ingest-routes';
import { CATALOGUE_ROUTE } from '../lambdas/shared/catalogue';
import type { ExplorationConfigInput } from '../lambdas/shared/exploration-config';
import type { RulesConfigInput } from '../lambdas/shared/recommend-rules';
import { ApiWaf } from './api-waf';
import { BatchJobs, type BatchJobsProps } from './batch-jobs';
import { DataLake } from './data-lake';
import { FeatureStore } from './feature-store';
import { FreshnessCanary } from './freshness-canary';
import { Ingestion } from './ingestion';
import { ItemCatalogue } from './item-catalogue';
import { LakePurge } from './lake-purge';
import { LakeStorage } from './lake-storage';
import { firehoseBufferInterval, Monitoring } from './monitoring';
import { denyGrantsExceptForAwsResources } from './private/key-grants';
import { acknowledgeLogRetention, encryptEveryLogGroup } from './private/log-groups';
import { RecommendationApi } from './recommendation-api';
import { EventSchemaRegistry } from './schema-registry';
import { UserDeletion } from './user-deletion';

export interface RecoStreamStackProps extends StackProps {
  /** @default 'ON_DEMAND' */
  readonly streamMode?: 'ON_DEMAND' | 'PROVISIONED';
  /** Shards of a provisioned stream. @default 1 */
  readonly shardCount?: number;
  /** @default 24 */
  readonly streamRetentionHours?: number;
  /** Oldest accepted occurredAt, in days before receipt (Ingestion `maxEventAge`). @default 30 */
  readonly maxEventAgeDays?: number;
  /** HMAC pseudonyms instead of user / anonymous ids in the lake. @default false */
  readonly pseudonymizeLakeUserIds?: boolean;
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

/** RecoStream: ingest API -> Kinesis -> feature store, with the data lake bucket and the event schema. */
export class RecoStreamStack extends Stack {
  public readonly lake: LakeStorage;
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

  constructor(scope: Construct, id: string, props: RecoStreamStackProps = {}) {
    super(scope, id, { terminationProtection: true, ...props });

    // One customer-managed key for every store: they hold the same data (user behaviour events), and
    // access is still granted per resource through IAM.
    const key = new Key(this, 'DataKey', { enableKeyRotation: true, description: 'RecoStream data at rest' });
    denyGrantsExceptForAwsResources(key);
    // Log groups hold ids and payload fragments too: every one the app creates is encrypted with this key.
    encryptEveryLogGroup(this, key);
    acknowledgeLogRetention(this);

    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: 'RecoStream alarms',
      masterKey: key,
      enforceSSL: true,
    });

    this.lake = new LakeStorage(this, 'LakeStorage', { encryptionKey: key });
    this.ingestion = new Ingestion(this, 'Ingestion', {
      encryptionKey: key,
      quarantineBucket: this.lake.bucket,
      quarantinePrefix: this.lake.quarantinePrefix,
      streamMode: props.streamMode === 'PROVISIONED' ? StreamMode.PROVISIONED : StreamMode.ON_DEMAND,
      shardCount: props.shardCount,
      streamRetention: Duration.hours(props.streamRetentionHours ?? 24),
      ...(props.maxEventAgeDays !== undefined ? { maxEventAge: Duration.days(props.maxEventAgeDays) } : {}),
    });
    this.featureStore = new FeatureStore(this, 'FeatureStore', {
      encryptionKey: key,
      stream: this.ingestion.stream,
      streamRetention: Duration.hours(props.streamRetentionHours ?? 24),
      ...(props.itemStatsWindowSeconds !== undefined
        ? { itemStatsWindow: Duration.seconds(props.itemStatsWindowSeconds) }
        : {}),
      quarantineBucket: this.lake.bucket,
      quarantinePrefix: this.lake.quarantinePrefix,
      accessLogsBucket: this.lake.accessLogsBucket,
    });
    this.schemaRegistry = new EventSchemaRegistry(this, 'SchemaRegistry');
    this.dataLake = new DataLake(this, 'DataLake', {
      lakeBucket: this.lake.bucket,
      stream: this.ingestion.stream,
      accessLogsBucket: this.lake.accessLogsBucket,
      encryptionKey: key,
      quarantinePrefix: this.lake.quarantinePrefix,
      pseudonymizeUserIds: props.pseudonymizeLakeUserIds ?? false,
    });

    this.batchJobs = new BatchJobs(this, 'BatchJobs', {
      encryptionKey: key,
      lakeBucket: this.lake.bucket,
      dataLake: this.dataLake,
      alarmTopic: this.alarmTopic,
      gateThresholds: props.jobGateThresholds,
    });

    this.itemCatalogue = new ItemCatalogue(this, 'ItemCatalogue', {
      api: this.ingestion.api,
      writeKeysTable: this.ingestion.writeKeysTable,
      encryptionKey: key,
      lakeBucket: this.lake.bucket,
    });
    // The consumer fills catalogue items from product events (if_not_exists: the catalogue API wins).
    this.featureStore.consumerFunction.bindTable(this.itemCatalogue.itemsTable, 'ITEMS_TABLE_NAME', 'update');

    this.recommendationApi = new RecommendationApi(this, 'RecommendationApi', {
      itemsTable: this.itemCatalogue.itemsTable,
      profilesTable: this.featureStore.profilesTable,
      itemStatsTable: this.featureStore.itemStatsTable,
      similaritiesTable: this.batchJobs.similaritiesTable,
      trendingTable: this.batchJobs.trendingTable,
      jobRunsTable: this.batchJobs.jobRunsTable,
      stream: this.ingestion.stream,
      rules: props.recommendationRules,
      exploration: props.recommendationExploration,
    });

    this.userDeletion = new UserDeletion(this, 'UserDeletion', {
      api: this.ingestion.api,
      writeKeysTable: this.ingestion.writeKeysTable,
      profilesTable: this.featureStore.profilesTable,
      encryptionKey: key,
    });
    this.lakePurge = new LakePurge(this, 'LakePurge', {
      deletionRequestsTable: this.userDeletion.deletionRequestsTable,
      profilesTable: this.featureStore.profilesTable,
      lakeBucket: this.lake.bucket,
      dataLake: this.dataLake,
      encryptionKey: key,
      alarmTopic: this.alarmTopic,
      quarantinePrefix: this.lake.quarantinePrefix,
    });

    // Firehose's error records keep real ids: only the purge, which removes a deleted user's, reads them.
    if (this.lakePurge.function.role) this.lake.restrictDeliveryErrorReads([this.lakePurge.function.role]);

    this.freshnessCanary = new FreshnessCanary(this, 'FreshnessCanary', {
      ingestBaseUrl: this.ingestion.api.url,
      writeKeysTable: this.ingestion.writeKeysTable,
      profilesTable: this.featureStore.profilesTable,
      encryptionKey: key,
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
    });

    const outputs: Record<string, [string, string]> = {
      ApiUrl: [this.ingestion.api.url, 'Ingest API base URL (stage prod); POST to v1/events, v1/batch, ...'],
      EventsStreamName: [this.ingestion.stream.streamName, 'Kinesis events stream'],
      ProfilesTableName: [this.featureStore.profilesTable.tableName, 'DynamoDB user profiles'],
      ItemStatsTableName: [this.featureStore.itemStatsTable.tableName, 'DynamoDB item statistics'],
      WriteKeysTableName: [this.ingestion.writeKeysTable.tableName, 'DynamoDB ingest write keys (hashed)'],
      ItemsTableName: [this.itemCatalogue.itemsTable.tableName, 'DynamoDB item catalogue (PUT v1/items)'],
      LakeBucketName: [this.lake.bucket.bucketName, 'Data lake bucket (quarantine/ holds rejected events)'],
      DeadLetterQueueUrl: [
        this.featureStore.deadLetterQueue.queueUrl,
        'Records the consumer dead-lettered (poison), with their reason',
      ],
      FailedBatchesBucketName: [
        this.featureStore.failedBatchesBucket.bucketName,
        'Batches the consumer gave up on (npx recostream dlq replay --bucket <name> --stream <EventsStreamName>)',
      ],
      GlueDatabaseName: [this.dataLake.database.ref, 'Glue database of the lake tables (events, quarantine)'],
      AthenaWorkGroupName: [this.dataLake.workGroup.ref, 'Athena workgroup to query the lake with'],
      AlarmTopicArn: [this.alarmTopic.topicArn, 'SNS topic of the alarms and failed batch runs'],
      DeliveryStreamName: [
        this.dataLake.deliveryStream.ref,
        'Firehose delivery stream: events stream -> lake',
      ],
      SimilaritiesTableName: [
        this.batchJobs.similaritiesTable.tableName,
        'DynamoDB item similarities (versioned)',
      ],
      TrendingTableName: [this.batchJobs.trendingTable.tableName, 'DynamoDB trending items (versioned)'],
      JobRunsTableName: [
        this.batchJobs.jobRunsTable.tableName,
        'DynamoDB batch runs and active-version pointers',
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

import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { StreamMode } from 'aws-cdk-lib/aws-kinesis';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { DataLake } from './data-lake';
import { FeatureStore } from './feature-store';
import { Ingestion } from './ingestion';
import { LakeStorage } from './lake-storage';
import { EventSchemaRegistry } from './schema-registry';

export interface RecoStreamStackProps extends StackProps {
  /** @default 'ON_DEMAND' */
  readonly streamMode?: 'ON_DEMAND' | 'PROVISIONED';
  /** Shards of a provisioned stream. @default 1 */
  readonly shardCount?: number;
  /** @default 24 */
  readonly streamRetentionHours?: number;
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

  constructor(scope: Construct, id: string, props: RecoStreamStackProps = {}) {
    super(scope, id, { terminationProtection: true, ...props });

    // One customer-managed key for every store: they hold the same data (user behaviour events), and
    // access is still granted per resource through IAM.
    const key = new Key(this, 'DataKey', { enableKeyRotation: true, description: 'RecoStream data at rest' });

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
    });
    this.featureStore = new FeatureStore(this, 'FeatureStore', {
      encryptionKey: key,
      stream: this.ingestion.stream,
      quarantineBucket: this.lake.bucket,
      quarantinePrefix: this.lake.quarantinePrefix,
    });
    this.schemaRegistry = new EventSchemaRegistry(this, 'SchemaRegistry');
    this.dataLake = new DataLake(this, 'DataLake', {
      lakeBucket: this.lake.bucket,
      stream: this.ingestion.stream,
      accessLogsBucket: this.lake.accessLogsBucket,
      encryptionKey: key,
      quarantinePrefix: this.lake.quarantinePrefix,
    });

    const outputs: Record<string, [string, string]> = {
      ApiUrl: [this.ingestion.api.url, 'Ingest API base URL (stage prod); POST to v1/events, v1/batch, ...'],
      EventsStreamName: [this.ingestion.stream.streamName, 'Kinesis events stream'],
      ProfilesTableName: [this.featureStore.profilesTable.tableName, 'DynamoDB user profiles'],
      ItemStatsTableName: [this.featureStore.itemStatsTable.tableName, 'DynamoDB item statistics'],
      WriteKeysTableName: [this.ingestion.writeKeysTable.tableName, 'DynamoDB ingest write keys (hashed)'],
      LakeBucketName: [this.lake.bucket.bucketName, 'Data lake bucket (quarantine/ holds rejected events)'],
      DeadLetterQueueUrl: [
        this.featureStore.deadLetterQueue.queueUrl,
        'Records the consumer could not process',
      ],
      GlueDatabaseName: [this.dataLake.database.ref, 'Glue database of the lake tables (events, quarantine)'],
      AthenaWorkGroupName: [this.dataLake.workGroup.ref, 'Athena workgroup to query the lake with'],
      AlarmTopicArn: [this.alarmTopic.topicArn, 'SNS topic of the alarms and failed batch runs'],
      DeliveryStreamName: [
        this.dataLake.deliveryStream.ref,
        'Firehose delivery stream: events stream -> lake',
      ],
    };
    for (const [id, [value, description]] of Object.entries(outputs)) {
      new CfnOutput(this, id, { value, description });
    }
  }
}

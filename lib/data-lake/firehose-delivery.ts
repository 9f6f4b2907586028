/**
 * The lake's Firehose delivery stream: it reads the events stream, optionally pseudonymises the ids (a Lambda
 * transformation keyed by a generated secret), partitions on receipt time (JQ metadata extraction) and writes
 * Parquet into the `events` partitions, with its role, its error log and the cdk-nag acknowledgements.
 * Created in the DataLake's scope, so the logical ids are the construct's.
 */
import { Aws, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { CfnDatabase, CfnTable } from 'aws-cdk-lib/aws-glue';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import { CfnDeliveryStream } from 'aws-cdk-lib/aws-kinesisfirehose';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { EVENT_COLUMNS, EVENT_PARTITION_KEYS, EVENT_PARTITION_SOURCES } from '../../lambdas/shared/events';
import {
  DELIVERY_ERRORS_FIREHOSE_PREFIX,
  DELIVERY_ERRORS_PREFIX,
  EVENTS_FIREHOSE_PREFIX,
  EVENTS_PREFIX,
} from '../../lambdas/shared/lake-layout';
import { SERVICES } from '../../lambdas/shared/metric-names';
import { KMS_GRANT_WILDCARDS, nagArn } from '../private/nag-refs';
import { grantSecretRead } from '../private/secret-grants';
import { RecoFunction } from '../recostream-function';
import { EVENTS_TABLE_NAME } from './glue-catalog';
import { jsonKeyMappings } from './private/glue-table-parts';

export interface FirehoseDeliveryProps {
  readonly bucket: IBucket;
  readonly stream: IStream;
  /** Key of Firehose's S3 writes (and of the pseudonym secret). */
  readonly key: IKey;
  readonly databaseName: string;
  readonly database: CfnDatabase;
  readonly eventsTable: CfnTable;
  readonly bufferingIntervalSeconds: number;
  readonly bufferingSizeMiB: number;
  readonly logRetention: RetentionDays;
  /** The HMAC key of the pseudonyms (`createPseudonymKey`, in the data stack); absent: real ids in the lake. */
  readonly pseudonymKey?: ISecret;
}

export interface FirehoseDelivery {
  readonly deliveryStream: CfnDeliveryStream;
  readonly deliveryRole: Role;
  readonly deliveryLogGroup: LogGroup;
  readonly pseudonymizer?: RecoFunction;
}

export function createFirehoseDelivery(scope: Construct, props: FirehoseDeliveryProps): FirehoseDelivery {
  const { bucket, key, databaseName } = props;
  const deliveryLogGroup = new LogGroup(scope, 'DeliveryLogGroup', { retention: props.logRetention });
  const deliveryLogStream = deliveryLogGroup.addStream('S3DeliveryLogStream', {
    logStreamName: 'S3Delivery',
  });

  const deliveryRole = new Role(scope, 'DeliveryRole', {
    assumedBy: new ServicePrincipal('firehose.amazonaws.com'),
    // Firehose passes the account id as external id; requiring it guards against a confused deputy.
    externalIds: [Aws.ACCOUNT_ID],
    description: 'Firehose: read the events stream, read the events table schema, write Parquet to the lake',
  });
  props.stream.grantRead(deliveryRole);
  bucket.grantPut(deliveryRole, `${EVENTS_PREFIX}*`);
  bucket.grantPut(deliveryRole, `${DELIVERY_ERRORS_PREFIX}*`);
  deliveryRole.addToPrincipalPolicy(
    new PolicyStatement({
      // The bucket-level calls of Firehose's S3 writer (no object access: that is granted per prefix above).
      actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
      resources: [bucket.bucketArn],
    }),
  );
  if (key !== bucket.encryptionKey) key.grantEncryptDecrypt(deliveryRole);
  const stack = Stack.of(scope);
  deliveryRole.addToPrincipalPolicy(
    new PolicyStatement({
      // Record format conversion reads the column list of the events table (version LATEST).
      actions: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'],
      resources: [
        stack.formatArn({ service: 'glue', resource: 'catalog' }),
        stack.formatArn({ service: 'glue', resource: 'database', resourceName: databaseName }),
        stack.formatArn({
          service: 'glue',
          resource: 'table',
          resourceName: `${databaseName}/${EVENTS_TABLE_NAME}`,
        }),
      ],
    }),
  );
  deliveryLogGroup.grantWrite(deliveryRole);
  const pseudonymizer = props.pseudonymKey
    ? createPseudonymizer(scope, props.pseudonymKey, deliveryRole)
    : undefined;

  const deliveryStream = new CfnDeliveryStream(scope, 'DeliveryStream', {
    deliveryStreamType: 'KinesisStreamAsSource',
    kinesisStreamSourceConfiguration: {
      kinesisStreamArn: props.stream.streamArn,
      roleArn: deliveryRole.roleArn,
    },
    extendedS3DestinationConfiguration: {
      bucketArn: bucket.bucketArn,
      roleArn: deliveryRole.roleArn,
      prefix: EVENTS_FIREHOSE_PREFIX,
      errorOutputPrefix: DELIVERY_ERRORS_FIREHOSE_PREFIX,
      bufferingHints: {
        intervalInSeconds: props.bufferingIntervalSeconds,
        sizeInMBs: props.bufferingSizeMiB,
      },
      // Parquet compresses its own pages (SNAPPY below); S3-level compression must stay off with conversion.
      compressionFormat: 'UNCOMPRESSED',
      fileExtension: '.parquet',
      encryptionConfiguration: { kmsEncryptionConfig: { awskmsKeyArn: key.keyArn } },
      cloudWatchLoggingOptions: {
        enabled: true,
        logGroupName: deliveryLogGroup.logGroupName,
        logStreamName: deliveryLogStream.logStreamName,
      },
      s3BackupMode: 'Disabled',
      dynamicPartitioningConfiguration: { enabled: true, retryOptions: { durationInSeconds: 300 } },
      processingConfiguration: {
        enabled: true,
        // Firehose runs the Lambda transformation before the JQ query, so partitions come from the
        // pseudonymised record (same event type and time: only the ids change).
        processors: [
          ...(pseudonymizer ? [lambdaProcessor(pseudonymizer)] : []),
          {
            type: 'MetadataExtraction',
            parameters: [
              { parameterName: 'MetadataExtractionQuery', parameterValue: eventPartitionQuery() },
              { parameterName: 'JsonParsingEngine', parameterValue: 'JQ-1.6' },
            ],
          },
        ],
      },
      dataFormatConversionConfiguration: {
        enabled: true,
        inputFormatConfiguration: {
          deserializer: { openXJsonSerDe: { columnToJsonKeyMappings: jsonKeyMappings(EVENT_COLUMNS) } },
        },
        outputFormatConfiguration: { serializer: { parquetSerDe: { compression: 'SNAPPY' } } },
        schemaConfiguration: {
          catalogId: Aws.ACCOUNT_ID,
          databaseName: props.database.ref,
          tableName: props.eventsTable.ref,
          region: Aws.REGION,
          roleArn: deliveryRole.roleArn,
          versionId: 'LATEST',
        },
      },
    },
  });
  // Firehose checks its permissions when the stream is created: the role's policy must exist by then.
  deliveryStream.node.addDependency(deliveryRole);
  acknowledgeDeliveryFindings(deliveryStream, deliveryRole, bucket);
  return { deliveryStream, deliveryRole, deliveryLogGroup, pseudonymizer };
}

/** The generated HMAC key of the lake's pseudonyms (stateful: created in the data stack, retained). */
export function createPseudonymKey(scope: Construct, key: IKey): Secret {
  const secret = new Secret(scope, 'PseudonymKey', {
    description: 'RecoStream: HMAC key of the user id pseudonyms in the data lake',
    encryptionKey: key,
    // 64 letters and digits (~380 bits); a deleted key would make the lake's pseudonyms unrelatable to users,
    // so deletion purges could no longer find their rows: keep it when the stack goes.
    generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
    removalPolicy: RemovalPolicy.RETAIN,
  });
  Validations.of(secret).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason:
      'The pseudonym HMAC key is not rotated automatically: a new key changes every pseudonym, which splits ' +
      "each user's lake history in two and breaks deletion purges of older rows. Rotation is a deliberate, " +
      'versioned (p1_ -> p2_) operation, described in docs/operations.md.',
  });
  return secret;
}

function createPseudonymizer(scope: Construct, secret: ISecret, deliveryRole: Role): RecoFunction {
  const fn = new RecoFunction(scope, 'Pseudonymizer', {
    entry: 'lambdas/lake-pseudonymize/handler.ts',
    serviceName: SERVICES.lakePseudonymize,
    description: 'Firehose transformation: userId / anonymousId -> HMAC pseudonyms before the lake',
    memorySize: 512,
    // Firehose waits up to 5 minutes per invocation; a 1 MB batch takes well under a second.
    timeout: Duration.minutes(1),
    environment: { PSEUDONYM_SECRET_ARN: secret.secretArn },
  });
  grantSecretRead(secret, fn);
  deliveryRole.addToPrincipalPolicy(
    new PolicyStatement({
      // Firehose invokes the unqualified ARN and reads its configuration; no version wildcard needed.
      actions: ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'],
      resources: [fn.functionArn],
    }),
  );
  return fn;
}

function acknowledgeDeliveryFindings(deliveryStream: CfnDeliveryStream, role: Role, bucket: IBucket): void {
  Validations.of(deliveryStream).acknowledge({
    id: 'AwsSolutions-KDF1',
    reason:
      'Firehose does not support server-side encryption for a Kinesis stream source: the records stay ' +
      'encrypted in the source stream (customer-managed key) and Firehose writes them to S3 with that key ' +
      '(KMSEncryptionConfig); in between they only exist in transit over TLS.',
  });
  const policy = role.node.tryFindChild('DefaultPolicy');
  if (!policy) return;
  const acknowledge = (id: string, reason: string) => Validations.of(policy).acknowledge({ id, reason });
  acknowledge(
    'AwsSolutions-IAM5[Action::s3:Abort*]',
    'Part of the CDK grantPut action set (s3:AbortMultipartUpload), on the prefix-scoped object ARNs only.',
  );
  const kmsReason =
    'Added by the CDK grants on the KMS-encrypted stream and bucket; the statement is scoped to the one ' +
    'customer-managed key, and the wildcard only spans the ReEncrypt* / GenerateDataKey* variants.';
  for (const finding of KMS_GRANT_WILDCARDS) acknowledge(finding, kmsReason);
  const bucketArn = nagArn(bucket, role);
  if (bucketArn) {
    for (const prefix of [EVENTS_PREFIX, DELIVERY_ERRORS_PREFIX]) {
      acknowledge(
        `AwsSolutions-IAM5[Resource::${bucketArn}/${prefix}*]`,
        `Firehose writes objects under '${prefix}' only; the wildcard stands for the object keys it generates ` +
          'under that prefix.',
      );
    }
  }
}

/** Firehose's Lambda processor; 1 MB batches keep the response (ids grow to 67 characters) far below 6 MB. */
function lambdaProcessor(fn: RecoFunction): CfnDeliveryStream.ProcessorProperty {
  return {
    type: 'Lambda',
    parameters: [
      { parameterName: 'LambdaArn', parameterValue: fn.functionArn },
      { parameterName: 'NumberOfRetries', parameterValue: '3' },
      { parameterName: 'BufferSizeInMBs', parameterValue: '1' },
      { parameterName: 'BufferIntervalInSeconds', parameterValue: '60' },
    ],
  };
}

/**
 * The JQ 1.6 object Firehose's MetadataExtraction processor evaluates, keys in partition order, from the
 * same sources `eventPartition()` uses locally: the receipt time (`receivedAt`, always UTC ISO-8601 with
 * `Z`, set by the server), never the client's `occurredAt`.
 */
function eventPartitionQuery(): string {
  const fields = EVENT_PARTITION_KEYS.map((k) => {
    const source = EVENT_PARTITION_SOURCES[k.name];
    if (!source) throw new Error(`No source for events partition key '${k.name}'`);
    const slice = source.slice ? `[${source.slice[0]}:${source.slice[1]}]` : '';
    return `${k.name}: .${source.field}${slice}`;
  });
  return `{${fields.join(', ')}}`;
}

/**
 * What the ingestion path keeps: the events stream and the WriteKeys table. Stateful, so created in the data
 * stack (lib/recostream-data-stack.ts) under a scope named `Ingestion`: the logical ids are those the single
 * stack had (docs/migration.md).
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Stream, StreamEncryption, StreamMode } from 'aws-cdk-lib/aws-kinesis';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

export interface EventStoresProps {
  /** Customer-managed key that encrypts the stream and the WriteKeys table. */
  readonly encryptionKey: IKey;
  /** @default StreamMode.ON_DEMAND */
  readonly streamMode?: StreamMode;
  /** Number of shards; only valid with `StreamMode.PROVISIONED`. @default 1 when provisioned */
  readonly shardCount?: number;
  /** How long the stream keeps records (24 hours to 365 days). @default Duration.hours(24) */
  readonly streamRetention?: Duration;
}

export interface EventStores {
  /** The events stream (partition key = userId, KMS-encrypted). */
  readonly stream: Stream;
  /** Write keys (hashed) that clients authenticate with; partition key `keyHash`. */
  readonly writeKeysTable: Table;
}

export function createEventStores(scope: Construct, props: EventStoresProps): EventStores {
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
    throw new Error(`streamRetention must be a whole number of hours from 24 to 8760, got ${retentionHours}`);
  }

  const stream = new Stream(scope, 'EventsStream', {
    streamMode,
    shardCount: streamMode === StreamMode.PROVISIONED ? shardCount : undefined,
    retentionPeriod: retention,
    encryption: StreamEncryption.KMS,
    encryptionKey: props.encryptionKey,
  });
  Validations.of(stream).acknowledge({
    id: 'AwsSolutions-KDS3',
    reason:
      'The stream is deliberately encrypted with a customer-managed key (rotation on, shared with the other ' +
      "stores) rather than aws/kinesis, so key policy and CloudTrail audit stay under the account's control.",
  });

  const writeKeysTable = new Table(scope, 'WriteKeysTable', {
    partitionKey: { name: 'keyHash', type: AttributeType.STRING },
    billingMode: BillingMode.PAY_PER_REQUEST,
    encryption: TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: props.encryptionKey,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    removalPolicy: RemovalPolicy.RETAIN,
    deletionProtection: true,
  });
  return { stream, writeKeysTable };
}

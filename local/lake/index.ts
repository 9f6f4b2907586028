/**
 * Lake: Kinesis Data Firehose delivering the stream to S3 as Parquet under the dynamic-partitioning prefix
 * (delivery.ts, writer.ts), the Glue tables as Athena sees them, served by DuckDB over the lake folder
 * (query.ts; athena-query.ts runs the same interface on Athena itself), and the lake purge of deleted users
 * that Step Functions runs in AWS (user-deletion.ts, delivery-errors-purge.ts). They all reach a bucket through
 * one port (bucket-storage.ts): the bucket's folder, or a bucket on moto's S3 with a synced local copy for
 * DuckDB (s3-bucket.ts).
 */
export { AthenaLake } from './athena-query';
export {
  type BucketLocation,
  type BucketStorage,
  bucketStorage,
  DirectoryBucket,
  writeBackLocalCopy,
} from './bucket-storage';
export { type DeliveryStats, LakeDeliveryLoop, type LakeDeliveryOptions } from './delivery';
export { LocalDeliveryErrorsPurger } from './delivery-errors-purge';
export {
  formatResult,
  type LakeQueryEngine,
  type LocalLake,
  listNamedQueries,
  loadNamedQuery,
  localLakeDir,
  openLocalLake,
  type QueryResult,
} from './query';
export { S3Bucket } from './s3-bucket';
export { completeLocalDeletions } from './user-deletion';
export { writeErrorRecords, writeEventsParquet } from './writer';

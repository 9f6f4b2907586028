/**
 * Emulators: the AWS services the local runtime talks to over the network, from npm, with no account and
 * no Docker. Kinesis Data Streams is the built-in emulator (kinesis-emulator.ts, the JSON API subset the app
 * uses, cost flat as the stream grows) or kinesis-mock (npm `kinesis-local`, RECOSTREAM_KINESIS=kinesis-local);
 * DynamoDB is dynalite on a worker thread. Both persist under the data directory. `provision` creates the
 * topology's streams and tables in them, as CloudFormation creates them in AWS, and `clients.ts` makes the SDK
 * clients that talk to them. S3 is s3-directory.ts, the S3 calls the app makes over plain files under the data
 * directory (the lake folder DuckDB reads); `provisionBuckets` creates the topology's buckets in it.
 *
 * Public surface: `startKinesis`, `startKinesisEmulator`, `startKinesisMock`, `startDynamo`, `RunningEmulator`,
 * `freePort`, `provision`, `createActiveTable`, `localKinesisClient`, `localDynamoClient`, `localDocumentClient`,
 * `COMMAND_TIMEOUTS`, `startS3Directory`, `provisionBuckets`, `localS3Client`.
 */
export {
  COMMAND_TIMEOUTS,
  type LocalClientOptions,
  localDocumentClient,
  localDynamoClient,
  localKinesisClient,
} from './clients';
export { startDynamo } from './dynalite';
export { freePort, type RunningEmulator } from './emulator';
export { type KinesisEmulator, startKinesisEmulator } from './kinesis-emulator';
export { quarantineUnreadableKinesisData, startKinesisMock } from './kinesis-mock';
export { createActiveTable, provision } from './provision';
export { localS3Client, provisionBuckets } from './s3-buckets';
export { type S3DirectoryEmulator, startS3Directory } from './s3-directory';
export { startKinesis } from './start-kinesis';

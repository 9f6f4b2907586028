/**
 * Emulators: the AWS services the local runtime talks to over the network, with no account and no Docker.
 * By default Kinesis Data Streams is kinesalite and DynamoDB is dynalite (both npm, both on worker threads,
 * both persisting in LevelDB under the data directory); kinesis-mock (npm `kinesis-local`) and moto
 * (`moto_server`) are modes chosen in emulator-modes.ts and started by start-emulators.ts. `provision`
 * creates the topology's streams and tables in them, as CloudFormation creates them in AWS, and `clients.ts`
 * makes the SDK clients that talk to them. S3 is s3-directory.ts by default (the S3 calls the app makes,
 * served over plain files under the data directory, the lake folder DuckDB reads) and moto in the moto set
 * (local/lake/s3-bucket.ts syncs a copy for DuckDB); `provisionBuckets` creates the topology's buckets in
 * either. SQS is sqs-directory.ts by default (queues as JSON-lines files under the data
 * directory) and moto in the moto set; `provisionQueues` creates the topology's queues in either. SNS is
 * sns-directory.ts by default (each topic's published messages a JSON-lines file under the data directory)
 * and moto in the moto set; `provisionTopics` creates the topology's topics in either, and sns-topics.ts is
 * the one way to read what a topic received (its file, or a queue subscribed to it on moto).
 *
 * Public surface: `startEmulators`, `emulatorChoice`, `persistsAcrossRestart`, `startKinesis`, `startDynamoDb`, `startSqs`, `startKinesalite`, `startKinesisMock`,
 * `startMoto`, `findMotoServer`, `startDynamo`, `RunningEmulator`, `freePort`, `provision`,
 * `createActiveTable`, `localKinesisClient`, `localDynamoClient`, `localDocumentClient`, `localSecretsClient`,
 * `COMMAND_TIMEOUTS`, `startS3Directory`, `provisionBuckets`, `localS3Client`, `startSqsDirectory`,
 * `localSqsClient`, `provisionQueues`, `queueDepth`, `queueNameOf`, `startSns`, `startSnsDirectory`,
 * `localSnsClient`, `provisionTopics`, `TopicReader`, `directoryTopicReader`, `subscribedTopicReader`, `topicReader`,
 * `SnsNotification`.
 */
export {
  COMMAND_TIMEOUTS,
  type LocalClientOptions,
  localDocumentClient,
  localDynamoClient,
  localKinesisClient,
  localSecretsClient,
  localSnsClient,
  localSqsClient,
} from './clients';
export { startDynamo } from './dynalite';
export { freePort, type RunningEmulator } from './emulator';
export {
  type EmulatorChoice,
  type EmulatorSet,
  emulatorChoice,
  type KinesisEmulatorName,
  parseEmulatorSet,
  persistsAcrossRestart,
} from './emulator-modes';
export { startKinesalite } from './kinesalite';
export { quarantineUnreadableKinesisData, startKinesisMock } from './kinesis-mock';
export { findMotoServer, startMoto } from './moto';
export { createActiveTable, provision } from './provision';
export { localS3Client, provisionBuckets } from './s3-buckets';
export { type S3DirectoryEmulator, startS3Directory } from './s3-directory';
export { type SnsDirectoryEmulator, startSnsDirectory } from './sns-directory';
export { parseSnsNotification, type SnsNotification } from './sns-notification';
export {
  directoryTopicReader,
  provisionTopics,
  subscribedTopicReader,
  type TopicReader,
  topicReader,
} from './sns-topics';
export { type SqsDirectoryEmulator, startSqsDirectory } from './sqs-directory';
export { provisionQueues, queueDepth, queueNameOf } from './sqs-queues';
export {
  type LocalEmulators,
  startDynamoDb,
  startEmulators,
  startKinesis,
  startSns,
  startSqs,
} from './start-emulators';

/**
 * Tools: the operator's repair and import work, against the deployed stack or the local runtime alike (the
 * `recostream` commands in ../cli are their front end). Backfill rebuilds the DynamoDB feature tables from
 * stored events; quarantine replay and DLQ replay re-publish to Kinesis what the ingest API quarantined in S3
 * and what the event source mapping gave up on (S3 on-failure objects); the catalogue replay stores the
 * refused `PUT /v1/items` requests that pass now, and the catalogue reindex rebuilds the Items table's index
 * rows; the UCI importer turns a public dataset into events. Replay stores read a local folder or an S3 bucket with the same keys.
 */
export { applyBackfill, planBackfill } from './backfill';
export { reindexCatalogue } from './catalogue-reindex';
export { replayCatalogueQuarantine } from './catalogue-replay';
export { replayFailedBatches } from './dlq-replay';
export { MemoryFeatureStore } from './memory-feature-store';
export { replayQuarantine } from './quarantine-replay';
export { FileReplayStore, type ReplayStore } from './replay-store';
export { S3ReplayStore } from './s3-replay-store';
export { importUciRetail } from './uci-retail';

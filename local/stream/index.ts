/**
 * Stream: Lambda's Kinesis event source mapping (esm-poller.ts) with the semantics the template configures
 * (batch size and window, parallelization, partial batch responses, bisect, retries, maximum record age,
 * the on-failure destination in on-failure-destination.ts, tumbling windows in tumbling-windows.ts), and
 * the one shard reader (shard-reader.ts, checkpoints.ts) that it shares with the Firehose delivery of
 * ../lake: each reads the stream with its own iterators and checkpoints, as in AWS.
 */
export { type Checkpoint, CheckpointStore } from './checkpoints';
export { EventSourceMappingPoller, type PollerOptions, type PollerStats } from './esm-poller';
export { listAllShards, type ShardConsumer, type ShardProgress, ShardReader } from './shard-reader';
export { WakeableSleep } from './wakeable-sleep';

/**
 * Where kinesalite 3.3.3 answers differently from Kinesis in a way the local pipeline meets, fixed in front of
 * its action (kinesalite is loaded after this module replaces the action in the require cache):
 *
 * - GetShardIterator AT_TIMESTAMP on a shard with no record at or after the timestamp: its scan ends without
 *   calling back, so the call never answers. Kinesis answers with an iterator at the tip of the shard, which
 *   is what this gives (kinesalite's own LATEST). The local Firehose delivery (local/lake/delivery.ts) starts
 *   AT_TIMESTAMP of its first start, usually on a stream with nothing newer yet.
 */
type Callback = (error: unknown, result?: unknown) => void;
type Action = (store: KinesaliteStore, data: Record<string, unknown>, cb: Callback) => void;

interface KinesaliteStore {
  getStreamDb(name: string): {
    createReadStream(options: { gt: string; lt: string }): NodeJS.ReadableStream & { destroy(): void };
  };
}

interface KinesaliteDb {
  resolveShardId(shardId: string): { shardIx: number };
  shardIxToHex(shardIx: number): string;
}

const FIXED = Symbol.for('recostream.kinesalite.fixed');

export function fixKinesalite(): void {
  const path = require.resolve('kinesalite/actions/getShardIterator');
  const original = require(path) as Action & { [FIXED]?: true };
  if (original[FIXED]) return;
  const entry = require.cache[path];
  if (!entry) throw new Error('kinesalite: cannot fix GetShardIterator (not in the require cache)');
  const db = require('kinesalite/db') as KinesaliteDb;

  const getShardIterator: Action & { [FIXED]?: true } = (store, data, cb) => {
    const timestamp = data.Timestamp as number | undefined;
    if (data.ShardIteratorType !== 'AT_TIMESTAMP' || timestamp == null || timestamp * 1000 > Date.now())
      return original(store, data, cb);
    let shardIx: number;
    try {
      shardIx = db.resolveShardId(String(data.ShardId)).shardIx;
    } catch {
      return original(store, data, cb);
    }
    let done = false;
    const answer = (input: Record<string, unknown>) => {
      if (done) return;
      done = true;
      original(store, input, cb);
    };
    const records = store
      .getStreamDb(String(data.StreamName))
      .createReadStream({ gt: db.shardIxToHex(shardIx), lt: db.shardIxToHex(shardIx + 1) });
    records.on('data', (item: { value: { ApproximateArrivalTimestamp: number } }) => {
      if (done || item.value.ApproximateArrivalTimestamp < timestamp) return;
      records.destroy();
      answer(data);
    });
    records.on('error', () => answer(data));
    const atTip = () => answer({ ...data, ShardIteratorType: 'LATEST', Timestamp: undefined });
    records.on('end', atTip);
    records.on('close', atTip);
  };
  getShardIterator[FIXED] = true;
  entry.exports = getShardIterator;
}

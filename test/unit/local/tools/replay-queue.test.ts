/**
 * The replays' publishing queue (local/tools/replay-queue.ts): a round reports each record taken or refused,
 * stamps the taken ones with one time, and writes the ledger of each source with a record taken exactly once,
 * after its records; a dry run (no publisher) publishes nothing.
 */
import type { EventPublisher, PublishRecord } from '../../../../lambdas/ingest/kinesis-publisher';
import { FLUSH_RECORDS, type QueuedRecord, ReplayQueue } from '../../../../local/tools/replay-queue';

const NOW = new Date('2026-12-01T10:00:00.000Z');

function queued(key: string, id: string): QueuedRecord {
  return { key, record: { id, partitionKey: 'p', data: Buffer.from(id) } };
}

/** Takes every record but those whose id is in `refuse`; remembers each round. */
function publisher(refuse: ReadonlySet<string> = new Set()): EventPublisher & { rounds: string[][] } {
  const rounds: string[][] = [];
  return {
    rounds,
    async publish(records: readonly PublishRecord[]) {
      rounds.push(records.map((r) => r.id));
      const failed = records
        .filter((r) => refuse.has(r.id))
        .map((record) => ({ record, errorCode: 'ProvisionedThroughputExceededException' }));
      return { failed, retriedRecords: 0, calls: 1 };
    },
  };
}

function recorder() {
  const log: string[] = [];
  return {
    log,
    round: {
      replayed: (q: QueuedRecord, at: string) => log.push(`replayed ${q.record.id} ${at}`),
      failed: (q: QueuedRecord, failure: { errorCode: string }) =>
        log.push(`failed ${q.record.id} ${failure.errorCode}`),
      writeLedger: async (key: string) => {
        log.push(`ledger ${key}`);
      },
    },
  };
}

describe('ReplayQueue', () => {
  it('reports each record of a round and writes each touched ledger once, after its records', async () => {
    const { log, round } = recorder();
    const queue = new ReplayQueue(publisher(new Set(['b1'])), () => NOW, round);
    queue.push(queued('a', 'a1'));
    queue.push(queued('b', 'b1'));
    queue.push(queued('a', 'a2'));
    await queue.flush();

    expect(log).toEqual([
      `replayed a1 ${NOW.toISOString()}`,
      'failed b1 ProvisionedThroughputExceededException',
      `replayed a2 ${NOW.toISOString()}`,
      'ledger a',
    ]);
    expect(queue.size).toBe(0);
  });

  it('publishes a round only once FLUSH_RECORDS records wait, and the rest on flush', async () => {
    const out = publisher();
    const queue = new ReplayQueue(out, () => NOW, recorder().round);
    for (let i = 0; i < FLUSH_RECORDS - 1; i++) queue.push(queued('a', `r${i}`));
    await queue.flushWhenFull();
    expect(out.rounds).toHaveLength(0);

    queue.push(queued('a', 'last'));
    await queue.flushWhenFull();
    queue.push(queued('a', 'after'));
    await queue.flush();
    expect(out.rounds.map((r) => r.length)).toEqual([FLUSH_RECORDS, 1]);
  });

  it('publishes nothing without a publisher (a dry run)', async () => {
    const { log, round } = recorder();
    const queue = new ReplayQueue(undefined, () => NOW, round);
    queue.push(queued('a', 'a1'));
    await queue.flush();
    expect(log).toEqual([]);
  });
});

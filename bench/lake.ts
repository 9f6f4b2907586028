/**
 * The local lake at scale: 1,000,000 simulator events (default traffic shape, spread over the last
 * ~23 days ending about 3 days ago, so the named queries' 30-day window covers them) written as Parquet with the delivery
 * loop's writer, under the Firehose prefix of the synthesised template, in chunks of 100,000 (a
 * Firehose-sized flush); then the analyst funnel query (sql/named/funnel_by_day.sql) on DuckDB over
 * the files, three times. Event generation and normalisation happen before the timed writes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CanonicalEvent, normalizeEvent } from '../lambdas/shared/events';
import { buildApp } from '../lib/app-builder';
import { loadNamedQuery, openLocalLake } from '../local/lake/query';
import { writeEventsParquet } from '../local/lake/writer';
import { TrafficSimulator } from '../local/traffic/simulator';
import { table } from './markdown';
import { median, perSecond, round } from './stats';
import type { Benchmark } from './types';

const EVENTS = 1_000_000;
const CHUNK = 100_000;
const SEED = 77;
const QUERY_RUNS = 3;

function firehosePrefix(): string {
  const { app, stack } = buildApp({}, { validate: false, skipBundling: true });
  const template = app.synth().getStackByName(stack.stackName).template as {
    Resources: Record<
      string,
      { Type: string; Properties: { ExtendedS3DestinationConfiguration?: { Prefix?: unknown } } }
    >;
  };
  const stream = Object.values(template.Resources).find(
    (r) => r.Type === 'AWS::KinesisFirehose::DeliveryStream',
  );
  const prefix = stream?.Properties.ExtendedS3DestinationConfiguration?.Prefix;
  if (typeof prefix !== 'string') throw new Error('the template has no Firehose delivery stream prefix');
  return prefix;
}

export const lakeBenchmark: Benchmark = {
  name: 'lake',
  title: 'Local lake: Parquet write throughput and the funnel query on 1,000,000 events',
  async run({ log }) {
    const prefixTemplate = firehosePrefix();
    const lakeDir = mkdtempSync(join(tmpdir(), 'recostream-bench-lake-'));
    try {
      const simulator = new TrafficSimulator({
        seed: SEED,
        startTime: Date.now() - 26 * 24 * 3600 * 1000,
        meanSecondsBetweenEvents: 2,
      });
      let writeMs = 0;
      let files = 0;
      let bytes = 0;
      for (let done = 0; done < EVENTS; done += CHUNK) {
        const chunk: CanonicalEvent[] = simulator.generate(Math.min(CHUNK, EVENTS - done)).map((input) => {
          // Sent live: received 2 s after it happened (the lake partitions by the receipt time).
          const receivedAt = new Date(Date.parse(input.occurredAt) + 2000);
          const result = normalizeEvent(input, { receivedAt });
          if (!result.ok) throw new Error(`simulator produced an invalid event: ${result.rejection.message}`);
          return result.event;
        });
        const started = performance.now();
        const written = await writeEventsParquet(chunk, { bucket: lakeDir, prefixTemplate });
        writeMs += performance.now() - started;
        files += written.files.length;
        bytes += written.bytes;
        log(`lake: ${done + chunk.length} events written`);
      }
      const writeRate = round(perSecond(EVENTS, writeMs), 0);

      const lake = await openLocalLake(lakeDir);
      const funnel = loadNamedQuery('funnel_by_day');
      const count = await lake.runQuery('SELECT count(*) AS n FROM events');
      const queryMs: number[] = [];
      let days = 0;
      for (let i = 0; i < QUERY_RUNS; i++) {
        const started = performance.now();
        const result = await lake.runQuery(funnel.sql);
        queryMs.push(performance.now() - started);
        days = result.rows.length;
      }
      await lake.close();
      const rowsInLake = Number(count.rows[0]?.[0]);
      if (rowsInLake !== EVENTS) throw new Error(`the lake holds ${rowsInLake} rows, expected ${EVENTS}`);

      const data = {
        events: EVENTS,
        chunk: CHUNK,
        seed: SEED,
        writeMs: round(writeMs, 0),
        writeEventsPerSecond: writeRate,
        files,
        parquetBytes: bytes,
        bytesPerEvent: round(bytes / EVENTS, 1),
        funnelQueryMs: queryMs.map((ms) => round(ms, 0)),
        funnelQueryMedianMs: round(median(queryMs), 0),
        funnelDays: days,
      };
      const markdown = [
        table(
          ['events', 'Parquet files', 'MB', 'bytes/event', 'write events/s', 'funnel query (median of 3)'],
          [
            [
              EVENTS,
              files,
              round(bytes / 1e6, 1),
              data.bytesPerEvent,
              writeRate,
              `${data.funnelQueryMedianMs} ms`,
            ],
          ],
        ),
        '',
        `Writer: \`local/lake-writer.ts\` (DuckDB COPY to Snappy Parquet, one file per event_type/dt/hour partition), chunks of ${CHUNK.toLocaleString('en-US')} events; the funnel query (\`sql/named/funnel_by_day.sql\`, ${days} days) runs on DuckDB over all files.`,
      ].join('\n');
      return { markdown, data };
    } finally {
      rmSync(lakeDir, { recursive: true, force: true });
    }
  },
};

/**
 * The RecoStream local console. It polls `/local/health` every 2 s (one request at a time, paused while
 * the tab is hidden) and calls the public APIs like any client, so it cannot freeze the pipeline.
 */
import './styles.css';
import { type Catalogue, type ConsoleConfig, requestJson } from './api';
import { LiveChart } from './charts';
import { byId, el, timeOfDay } from './dom';
import { startExperimentPanel } from './experiment';
import { type Counters, countersOf, formatBytes, formatMs, jobsOf, sampleOf } from './health-metrics';
import { JobsPanel } from './jobs';
import { startQueryBox } from './query';
import { Storefront } from './storefront';

const POLL_MS = 2000;

interface ApiLatency {
  readonly groups: Partial<Record<'ingest' | 'recommendations', { p50: number; p95: number; p99: number }>>;
}

const count = (v: number) =>
  Math.abs(v) >= 100 ? Math.round(v).toString() : Number(v.toFixed(1)).toString();
const seconds = (ms: number) => formatMs(ms);

function createCharts() {
  const events = new LiveChart({
    key: 'events',
    title: 'Events',
    unit: 'per second',
    format: count,
    series: [
      { key: 'accepted', label: 'accepted' },
      { key: 'rejected', label: 'rejected' },
      { key: 'consumed', label: 'processed by the consumer' },
    ],
  });
  const lag = new LiveChart({
    key: 'lag',
    title: 'Consumer lag',
    unit: 'iterator age per shard',
    format: seconds,
    minMax: 1000,
    series: [],
  });
  const freshness = new LiveChart({
    key: 'freshness',
    title: 'Freshness',
    unit: 'end to end',
    format: seconds,
    minMax: 1000,
    series: [
      { key: 'lake', label: 'lake (Firehose)' },
      { key: 'profile', label: 'canary → profile' },
      { key: 'recommendation', label: 'canary → recommendations' },
    ],
  });
  const latency = new LiveChart({
    key: 'latency',
    title: 'API latency',
    unit: 'percentiles',
    format: seconds,
    note: 'as clients see it through the local gateway, last minute',
    minMax: 10,
    series: [
      { key: 'rec-p50', label: 'recommendations p50' },
      { key: 'rec-p95', label: 'p95' },
      { key: 'rec-p99', label: 'p99' },
      { key: 'ingest-p99', label: 'ingest p99' },
    ],
  });
  const errors = new LiveChart({
    key: 'errors',
    title: 'Dead letters and quarantine',
    unit: 'count',
    format: count,
    series: [
      { key: 'dlq', label: 'DLQ messages' },
      { key: 'quarantine', label: 'quarantine files' },
    ],
  });
  const lake = new LiveChart({
    key: 'lake',
    title: 'Data lake',
    unit: 'Parquet',
    format: count,
    y2Format: formatBytes,
    series: [
      { key: 'files', label: 'files' },
      { key: 'bytes', label: 'bytes', scale: 'y2' },
    ],
  });
  return { events, lag, freshness, latency, errors, lake };
}

/** `shardId-000000000001` -> `shard 1`. */
function shardLabel(id: string): string {
  const n = /^shardId-0*(\d+)$/.exec(id);
  return n ? `shard ${n[1]}` : id;
}

async function main(): Promise<void> {
  const config = await requestJson<ConsoleConfig>('/local/config');
  const charts = createCharts();
  byId('charts').replaceChildren(...Object.values(charts).map((c) => c.card));
  const jobs = new JobsPanel(byId('jobs'), config);
  const statusLine = byId('status');

  let previous: Counters | undefined;
  const poll = async () => {
    if (!document.hidden) {
      try {
        const health = await requestJson<Record<string, unknown>>('/local/health', {}, POLL_MS * 2);
        const now = Date.now();
        const s = sampleOf(health, previous, now);
        previous = countersOf(health, now);
        charts.events.push(s.t, [s.acceptedPerSec, s.rejectedPerSec, s.consumedPerSec]);
        charts.events.setNote(
          s.ingestSource === 'traffic'
            ? 'accepted/rejected: the simulated traffic as the ingest API answered it; processed: every event'
            : '',
        );
        const shards = Object.keys(s.lagMsByShard).sort();
        charts.lag.setSeries(shards.map((id) => ({ key: id, label: shardLabel(id) })));
        charts.lag.push(
          s.t,
          shards.map((id) => s.lagMsByShard[id]),
        );
        charts.freshness.push(s.t, [s.lakeFreshnessMs, s.profileFreshnessMs, s.recommendationFreshnessMs]);
        const latency = await requestJson<ApiLatency>('/local/api-latency', {}, POLL_MS * 2);
        const rec = latency.groups.recommendations;
        charts.latency.push(s.t, [rec?.p50, rec?.p95, rec?.p99, latency.groups.ingest?.p99]);
        charts.errors.push(s.t, [s.dlqMessages, s.quarantineFiles]);
        charts.lake.push(s.t, [s.lakeFiles, s.lakeBytes]);
        jobs.setSummaries(jobsOf(health));
        statusLine.textContent = `live · health at ${timeOfDay(s.t * 1000)}`;
        statusLine.className = 'ok';
      } catch (error) {
        statusLine.textContent = `health unavailable: ${(error as Error).message}`;
        statusLine.className = 'bad';
      }
    }
    window.setTimeout(() => void poll(), POLL_MS);
  };
  void poll();

  const catalogue = await requestJson<Catalogue>('/local/catalogue');
  new Storefront(config, catalogue);
  byId('catalogue-source').textContent =
    `${catalogue.items.length} items, ${catalogue.users.length} users: ${catalogue.source}`;
  startExperimentPanel(config);
  await startQueryBox(config);
}

main().catch((error: unknown) => {
  document.body.prepend(
    el('p', { class: 'bad banner' }, `The console failed to start: ${(error as Error).message}`),
  );
  throw error;
});

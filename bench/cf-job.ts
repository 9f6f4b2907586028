/**
 * The collaborative-filtering job on the local lake (DuckDB), at 1,000,000 and 5,000,000 simulator
 * events (sizes from BENCH_CF_EVENTS, e.g. `BENCH_CF_EVENTS=100000 npm run bench -- --only cf-job`):
 *
 * 1. simulator events spread over the last 30 days (users = events / 50, 5,000 items), each arriving 2 s
 *    after it happened, written as lake Parquet with the delivery loop's writer (timed separately);
 * 2. the cf job as a full recompute (state + vectors + stats steps, sql/jobs/cf_*.sql with the default
 *    settings, then the publish step's EASE solve, ease-solve.ts) and then as the nightly incremental
 *    run over the last 24 h merged with that state: wall time per step and peak process RSS (DuckDB
 *    runs in-process), sampled every 25 ms; the vectors step and the solve again on the full run's state
 *    with half the head items, for how the solve scales with n (O(n³) time, 8 n² bytes);
 * 3. the bytes Athena would scan: Parquet bytes of the partitions the incremental query reads (the
 *    three interaction event types received in the last day, plus the previous state files)
 *    against a full rescan (every interaction partition; and every event partition, for reference).
 */

import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cfNeighbourRows, cfSolveSettings } from '../lambdas/jobs/ease-solve';
import {
  type CfRunParams,
  cfQuerySteps,
  DEFAULT_CF_SETTINGS,
  RESEND_LOOKBACK_MS,
} from '../lambdas/jobs/job-sql';
import { type CanonicalEvent, normalizeEvent } from '../lambdas/shared/events';
import { EVENT_PARTITION_KEYS } from '../lambdas/shared/events/lake-columns';
import { CF_RESULTS_PREFIX, CF_STATE_PREFIX } from '../lambdas/shared/lake-layout';
import { readJsonRows, runQueryStepWithResult } from '../local/jobs/engine';
import { writeEventsParquet } from '../local/lake/writer';
import { TrafficSimulator } from '../local/traffic/simulator';
import { table } from './markdown';
import { perSecond, round } from './stats';
import type { Benchmark } from './types';

const DEFAULT_SIZES = [1_000_000, 5_000_000];
/** Events per writer call: each call writes one object per (event_type, dt, hour) partition it touches. */
const CHUNK = 500_000;
const SEED = 91;
const DAYS = 30;
const HOUR = 3_600_000;
const INTERACTION_TYPES = new Set(['product_view', 'add_to_cart', 'purchase']);
const PREFIX_TEMPLATE = `events/${EVENT_PARTITION_KEYS.map((k) => `${k.name}=!{partitionKeyFromQuery:${k.name}}/`).join('')}`;

function sizes(): number[] {
  const text = process.env.BENCH_CF_EVENTS;
  if (!text) return DEFAULT_SIZES;
  const parsed = text.split(',').map((s) => Number(s.trim()));
  if (parsed.some((n) => !Number.isSafeInteger(n) || n < 1000))
    throw new Error(`BENCH_CF_EVENTS must be a comma-separated list of integers >= 1000, got '${text}'`);
  return parsed;
}

/** Peak resident set size while `work` runs, sampled every 25 ms. */
async function withPeakRss<T>(work: () => Promise<T>): Promise<{ value: T; peakRss: number }> {
  let peakRss = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 25);
  try {
    const value = await work();
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    return { value, peakRss };
  } finally {
    clearInterval(timer);
  }
}

interface PartitionFile {
  readonly eventType: string;
  /** Start of the partition's hour, epoch ms. */
  readonly hourStart: number;
  readonly bytes: number;
}

function lakeFiles(lakeDir: string): PartitionFile[] {
  const files: PartitionFile[] = [];
  const root = join(lakeDir, 'events');
  for (const type of readdirSync(root)) {
    for (const dt of readdirSync(join(root, type))) {
      for (const hour of readdirSync(join(root, type, dt))) {
        const dir = join(root, type, dt, hour);
        const hourStart = Date.parse(`${dt.slice(3)}T${hour.slice(5)}:00:00Z`);
        for (const name of readdirSync(dir))
          files.push({
            eventType: type.slice('event_type='.length),
            hourStart,
            bytes: statSync(join(dir, name)).size,
          });
      }
    }
  }
  return files;
}

function folderBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
}

interface SizeResult {
  readonly events: number;
  readonly users: number;
  readonly writeMs: number;
  readonly lakeBytes: number;
  readonly full: {
    readonly stepsMs: Record<string, number>;
    readonly totalMs: number;
    readonly peakRssMiB: number;
  };
  readonly incremental: {
    readonly stepsMs: Record<string, number>;
    readonly totalMs: number;
    readonly peakRssMiB: number;
  };
  /** The all-SQL RP3beta model's full recompute on the same lake (the baseline of the run). */
  readonly rp3betaFull: {
    readonly stepsMs: Record<string, number>;
    readonly totalMs: number;
    readonly peakRssMiB: number;
  };
  readonly baselineRssMiB: number;
  readonly stateRows: number;
  readonly similarityRows: number;
  readonly vectorRows: number;
  /** Per head size: the vectors step's time and rows, the solve's time, the peak RSS of those runs. */
  readonly solve: ReadonlyArray<{
    readonly items: number;
    readonly vectorRows: number;
    readonly vectorsMs: number;
    readonly solveMs: number;
    readonly peakRssMiB: number;
  }>;
  readonly stats: Record<string, unknown>;
  readonly scan: {
    readonly incrementalBytes: number;
    readonly incrementalEventBytes: number;
    readonly stateBytes: number;
    readonly fullInteractionBytes: number;
    readonly allEventBytes: number;
    readonly ratioToFullInteractions: number;
    readonly ratioToAllEvents: number;
  };
}

async function runJob(
  params: CfRunParams,
  lakeDir: string,
  steps: readonly string[] = [],
): Promise<{
  stepsMs: Record<string, number>;
  totalMs: number;
  peakRss: number;
  rows: Record<string, number>;
}> {
  const stepsMs: Record<string, number> = {};
  const rows: Record<string, number> = {};
  const started = performance.now();
  const { peakRss } = await withPeakRss(async () => {
    for (const step of cfQuerySteps(params)) {
      if (steps.length > 0 && !steps.includes(step.name)) continue;
      const result = await runQueryStepWithResult(step, lakeDir);
      stepsMs[step.name] = round(result.ms, 0);
      rows[step.name] = result.rows;
    }
    // The publish step's solve (JobService.itemsOf): the result rows read back and solved.
    const solve = cfSolveSettings(params);
    if (solve) {
      const solveStarted = performance.now();
      const results = await readJsonRows(join(lakeDir, CF_RESULTS_PREFIX, `run=${params.runId}`));
      const neighbours = cfNeighbourRows(results, solve);
      stepsMs['ease-solve'] = round(performance.now() - solveStarted, 0);
      rows['ease-solve'] = neighbours.length;
    }
  });
  return { stepsMs, totalMs: round(performance.now() - started, 0), peakRss, rows };
}

function pick(run: { stepsMs: Record<string, number>; peakRss: number }) {
  return {
    vectorsMs: run.stepsMs['cf-vectors'] ?? 0,
    solveMs: run.stepsMs['ease-solve'] ?? 0,
    peakRssMiB: round(run.peakRss / 2 ** 20, 0),
  };
}

async function benchSize(events: number, log: (m: string) => void): Promise<SizeResult> {
  const lakeDir = mkdtempSync(join(tmpdir(), 'recostream-bench-cf-'));
  try {
    const now = Date.now();
    const users = Math.max(100, Math.round(events / 50));
    const simulator = new TrafficSimulator({
      seed: SEED,
      users,
      items: 5000,
      startTime: now - DAYS * 24 * HOUR,
      meanSecondsBetweenEvents: (DAYS * 24 * 3600) / events,
    });
    let writeMs = 0;
    let lakeBytes = 0;
    let lastReceived = 0;
    for (let done = 0; done < events; done += CHUNK) {
      const chunk: CanonicalEvent[] = simulator.generate(Math.min(CHUNK, events - done)).map((input) => {
        // The simulated clock may run past now (gaps are random): arrival times follow it, and the
        // window ends after the last arrival.
        const receivedAt = new Date(Date.parse(input.occurredAt) + 2000);
        lastReceived = Math.max(lastReceived, receivedAt.getTime());
        const result = normalizeEvent(input, { receivedAt });
        if (!result.ok) throw new Error(`simulator produced an invalid event: ${result.rejection.message}`);
        return result.event;
      });
      const started = performance.now();
      const written = await writeEventsParquet(chunk, { bucket: lakeDir, prefixTemplate: PREFIX_TEMPLATE });
      writeMs += performance.now() - started;
      lakeBytes += written.bytes;
      log(`cf-job: ${done + chunk.length} of ${events} events written`);
    }

    const windowTo = new Date(lastReceived + 1000).toISOString();
    const baselineRss = process.memoryUsage.rss();
    log(`cf-job: full recompute on ${events} events`);
    const full = await runJob({ ...DEFAULT_CF_SETTINGS, runId: 'full', windowTo }, lakeDir);
    log(`cf-job: full recompute ${full.totalMs} ms`);

    const windowFrom = new Date(lastReceived + 1000 - 24 * HOUR).toISOString();
    const incremental = await runJob(
      { ...DEFAULT_CF_SETTINGS, runId: 'nightly', windowFrom, previousStateRunId: 'full', windowTo },
      lakeDir,
    );
    log(`cf-job: incremental run ${incremental.totalMs} ms`);
    // The model at half the head items: the state, vectors and solve steps again (not the stats).
    const halfItems = Math.round(DEFAULT_CF_SETTINGS.easeItems / 2);
    const half = await runJob(
      { ...DEFAULT_CF_SETTINGS, runId: 'half', windowTo, easeItems: halfItems },
      lakeDir,
      ['cf-state', 'cf-vectors'],
    );
    log(`cf-job: ${halfItems} head items ${half.totalMs} ms`);
    // The baseline of the same run: RP3beta, the all-SQL model (state + similarity + stats), full recompute.
    const rp3beta = await runJob(
      { ...DEFAULT_CF_SETTINGS, runId: 'rp3beta', windowTo, model: 'rp3beta' },
      lakeDir,
    );
    log(`cf-job: RP3beta full recompute ${rp3beta.totalMs} ms`);
    const [stats] = await readJsonRows(join(lakeDir, 'jobs/cf/stats/run=full'));

    // What Athena would scan: partition pruning on event_type, dt and hour (of the receipt time), from the
    // retry horizon before the window (earlier copies of resent events); Parquet objects read whole (an
    // upper bound: Athena reads only the columns it needs).
    const files = lakeFiles(lakeDir);
    const pruneFrom = Math.floor((Date.parse(windowFrom) - RESEND_LOOKBACK_MS) / HOUR) * HOUR;
    const interactionFiles = files.filter((f) => INTERACTION_TYPES.has(f.eventType));
    const sum = (list: PartitionFile[]) => list.reduce((s, f) => s + f.bytes, 0);
    const incrementalEventBytes = sum(interactionFiles.filter((f) => f.hourStart >= pruneFrom));
    const stateBytes = folderBytes(join(lakeDir, CF_STATE_PREFIX, 'run=full'));
    const fullInteractionBytes = sum(interactionFiles);
    const allEventBytes = sum(files);
    const incrementalBytes = incrementalEventBytes + stateBytes;
    const mib = (bytes: number) => round(bytes / 2 ** 20, 0);
    return {
      events,
      users,
      writeMs: round(writeMs, 0),
      lakeBytes,
      baselineRssMiB: mib(baselineRss),
      full: { stepsMs: full.stepsMs, totalMs: full.totalMs, peakRssMiB: mib(full.peakRss) },
      incremental: {
        stepsMs: incremental.stepsMs,
        totalMs: incremental.totalMs,
        peakRssMiB: mib(incremental.peakRss),
      },
      rp3betaFull: { stepsMs: rp3beta.stepsMs, totalMs: rp3beta.totalMs, peakRssMiB: mib(rp3beta.peakRss) },
      stateRows: full.rows['cf-state'] ?? 0,
      similarityRows: full.rows['ease-solve'] ?? full.rows['cf-similarity'] ?? 0,
      vectorRows: full.rows['cf-vectors'] ?? 0,
      solve: [
        { items: halfItems, vectorRows: half.rows['cf-vectors'] ?? 0, ...pick(half) },
        { items: DEFAULT_CF_SETTINGS.easeItems, vectorRows: full.rows['cf-vectors'] ?? 0, ...pick(full) },
      ],
      stats: stats ?? {},
      scan: {
        incrementalBytes,
        incrementalEventBytes,
        stateBytes,
        fullInteractionBytes,
        allEventBytes,
        ratioToFullInteractions: round(incrementalBytes / fullInteractionBytes, 3),
        ratioToAllEvents: round(incrementalBytes / allEventBytes, 3),
      },
    };
  } finally {
    rmSync(lakeDir, { recursive: true, force: true });
  }
}

export const cfJobBenchmark: Benchmark = {
  name: 'cf-job',
  title: 'Collaborative-filtering job on the local lake (DuckDB): time, peak memory, bytes scanned',
  async run({ log }) {
    const results: SizeResult[] = [];
    for (const events of sizes()) {
      const result = await benchSize(events, log);
      log(`cf-job: ${JSON.stringify(result)}`);
      results.push(result);
    }
    const mb = (bytes: number) => round(bytes / 1e6, 1);
    const markdown = [
      table(
        [
          'events',
          'users',
          'write Parquet',
          'write events/s',
          'full job (state + vectors + stats + solve)',
          'peak RSS',
          'RP3beta full job (same run)',
          'nightly incremental job',
          'peak RSS ',
          'neighbour rows',
        ],
        results.map((r) => [
          r.events,
          r.users,
          `${round(r.writeMs / 1000, 1)} s`,
          round(perSecond(r.events, r.writeMs), 0),
          `${round(r.full.totalMs / 1000, 1)} s (${Object.values(r.full.stepsMs)
            .map((ms) => round(ms / 1000, 1))
            .join(' + ')})`,
          `${r.full.peakRssMiB} MiB`,
          `${round(r.rp3betaFull.totalMs / 1000, 1)} s (${Object.values(r.rp3betaFull.stepsMs)
            .map((ms) => round(ms / 1000, 1))
            .join(' + ')})`,
          `${round(r.incremental.totalMs / 1000, 1)} s`,
          `${r.incremental.peakRssMiB} MiB`,
          r.similarityRows,
        ]),
      ),
      '',
      table(
        [
          'events',
          'nightly scan (last 24 h received + state)',
          'full rescan (interactions)',
          'ratio',
          'all events',
          'ratio ',
        ],
        results.map((r) => [
          r.events,
          `${mb(r.scan.incrementalBytes)} MB (${mb(r.scan.incrementalEventBytes)} + ${mb(r.scan.stateBytes)} state)`,
          `${mb(r.scan.fullInteractionBytes)} MB`,
          r.scan.ratioToFullInteractions,
          `${mb(r.scan.allEventBytes)} MB`,
          r.scan.ratioToAllEvents,
        ]),
      ),
      '',
      table(
        [
          'events',
          'head items (n)',
          'vector rows',
          'vectors step',
          'solve (publish step: Gram + inverse)',
          'peak RSS',
        ],
        results.flatMap((r) =>
          r.solve.map((x) => [
            r.events,
            x.items,
            x.vectorRows,
            `${round(x.vectorsMs / 1000, 1)} s`,
            `${round(x.solveMs / 1000, 1)} s`,
            `${x.peakRssMiB} MiB`,
          ]),
        ),
      ),
      '',
      `Simulator traffic over ${DAYS} days (users = events / 50, 5,000 items), default cf settings (${DEFAULT_CF_SETTINGS.model}: EASE λ ${DEFAULT_CF_SETTINGS.easeLambda} on the ${DEFAULT_CF_SETTINGS.easeItems} items with the most users, top ${DEFAULT_CF_SETTINGS.topK}, at most ${DEFAULT_CF_SETTINGS.maxItemsPerUser} items per user). Peak RSS is the whole process (Node + DuckDB), sampled every 25 ms; the baseline before the job was ${results.map((r) => `${r.baselineRssMiB} MiB`).join(' / ')}. Scan bytes are whole Parquet objects of the partitions Athena's pruning keeps (event_type, dt, hour), an upper bound since Athena reads only the needed columns.`,
    ].join('\n');
    return { markdown, data: { sizes: results } };
  },
};

/**
 * `npm run bench [-- --only name[,name…]]`: runs the benchmarks in one process, prints markdown
 * tables to stdout (progress goes to stderr) and writes every number, with the machine it was
 * measured on, to bench/results/latest.json.
 *
 * Order: the in-process benchmarks first (quiet machine), then the ones that need the local runtime,
 * which is started once (fresh temp data dir, free port, no built-in traffic) and stopped at the end.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type LocalRuntime, startLocalRuntime } from '../local/runtime/runtime';
import { catalogueReadBenchmark } from './catalogue-read';
import { cfJobBenchmark } from './cf-job';
import { consumerBenchmark } from './consumer';
import { consumerDynamoBenchmark } from './consumer-dynamo';
import { consumerLedgerBenchmark } from './consumer-ledger';
import { freshnessBenchmark } from './freshness';
import { ingestHttpBenchmark } from './ingest-http';
import { kinesisEmulatorsBenchmark } from './kinesis-emulators';
import { lakeBenchmark } from './lake';
import { recommendApiBenchmark } from './recommend-api';
import { round } from './stats';
import type { BenchContext, Benchmark } from './types';

const BENCHMARKS: readonly Benchmark[] = [
  consumerBenchmark,
  consumerDynamoBenchmark,
  consumerLedgerBenchmark,
  // Freshness before ingest: the ingest runs leave a consumer backlog that takes minutes to drain locally.
  freshnessBenchmark,
  ingestHttpBenchmark,
  lakeBenchmark,
  recommendApiBenchmark,
  catalogueReadBenchmark,
  cfJobBenchmark,
  kinesisEmulatorsBenchmark,
];
const RESULTS_FILE = join(__dirname, 'results', 'latest.json');

interface Machine {
  readonly cpuModel: string;
  readonly cores: number;
  readonly availableParallelism: number;
  readonly memoryGiB: number;
  readonly platform: string;
  readonly arch: string;
  readonly node: string;
}

function machineInfo(): Machine {
  const cpuList = cpus();
  return {
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    availableParallelism: availableParallelism(),
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    platform: process.platform,
    arch: process.arch,
    node: process.version,
  };
}

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { only: { type: 'string' } } });
  const only = values.only
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = only?.filter((name) => !BENCHMARKS.some((b) => b.name === name)) ?? [];
  if (unknown.length > 0) {
    console.error(
      `Unknown benchmark(s): ${unknown.join(', ')}. Available: ${BENCHMARKS.map((b) => b.name).join(', ')}`,
    );
    return 2;
  }
  const selected = BENCHMARKS.filter((b) => !only || only.includes(b.name));
  const machine = machineInfo();
  const date = new Date().toISOString();

  console.log('# RecoStream benchmarks\n');
  const loadAtStart = round(loadavg()[0] ?? 0, 2);
  console.log(
    `${date} · ${machine.cpuModel} · ${machine.cores} cores · ${machine.memoryGiB} GiB · ` +
      `Node ${machine.node} (${machine.platform}/${machine.arch}) · load average (1 min) at start ${loadAtStart}\n`,
  );

  let runtime: LocalRuntime | undefined;
  let runtimeStart: Promise<LocalRuntime> | undefined;
  let dataDir: string | undefined;
  let runtimeStartMs: number | undefined;
  const cleanUp = async () => {
    const started = runtimeStart;
    runtimeStart = undefined;
    if (started) await started.then((r) => r.stop()).catch(() => undefined);
    else await runtime?.stop().catch(() => undefined);
    runtime = undefined;
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    dataDir = undefined;
  };
  process.once('SIGINT', () => {
    log('interrupted: stopping the runtime');
    void cleanUp().finally(() => process.exit(130));
  });

  const context: BenchContext = {
    log,
    runtime: () => {
      runtimeStart ??= (async () => {
        dataDir = mkdtempSync(join(tmpdir(), 'recostream-bench-'));
        log(`starting the local runtime in ${dataDir}`);
        const started = performance.now();
        runtime = await startLocalRuntime({
          dataDir,
          fresh: true,
          port: 0,
          trafficRate: 0,
          log: (m) => log(`[local] ${m}`),
        });
        runtimeStartMs = round(performance.now() - started, 0);
        log(`local runtime up in ${runtimeStartMs} ms at ${runtime.apiUrl}`);
        return runtime;
      })();
      return runtimeStart;
    },
  };

  const results: Record<string, unknown> = {};
  const failures: string[] = [];
  try {
    for (const benchmark of selected) {
      log(`running ${benchmark.name}`);
      const started = performance.now();
      try {
        const result = await benchmark.run(context);
        const seconds = round((performance.now() - started) / 1000, 1);
        console.log(`## ${benchmark.title}\n\n${result.markdown}\n`);
        results[benchmark.name] = {
          title: benchmark.title,
          measuredAt: new Date().toISOString(),
          durationSeconds: seconds,
          ...result.data,
        };
        log(`${benchmark.name} done in ${seconds} s`);
      } catch (error) {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        failures.push(benchmark.name);
        console.log(`## ${benchmark.title}\n\nFAILED: ${message.split('\n')[0]}\n`);
        log(`${benchmark.name} failed: ${message}`);
      }
    }
  } finally {
    log('stopping the local runtime');
    await cleanUp();
  }

  const load = { atStart: loadAtStart, atEnd: round(loadavg()[0] ?? 0, 2) };
  writeResults(machine, date, results, only !== undefined, { runtimeStartMs, loadAverage1m: load });
  console.log(`Results: ${RESULTS_FILE.replace(`${process.cwd()}/`, '')}`);
  return failures.length > 0 ? 1 : 0;
}

/** Writes latest.json; with --only, keeps the other benchmarks of a previous run on the same machine. */
function writeResults(
  machine: Machine,
  date: string,
  results: Record<string, unknown>,
  partial: boolean,
  extra: { runtimeStartMs?: number; loadAverage1m: { atStart: number; atEnd: number } },
): void {
  let benchmarks = results;
  if (partial && existsSync(RESULTS_FILE)) {
    try {
      const previous = JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as {
        machine?: Machine;
        benchmarks?: Record<string, unknown>;
      };
      if (JSON.stringify(previous.machine) === JSON.stringify(machine))
        benchmarks = { ...previous.benchmarks, ...results };
    } catch {
      // unreadable previous results: start over
    }
  }
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  const doc = {
    date,
    machine,
    loadAverage1m: extra.loadAverage1m,
    ...(extra.runtimeStartMs !== undefined ? { localRuntimeStartMs: extra.runtimeStartMs } : {}),
    benchmarks,
  };
  writeFileSync(RESULTS_FILE, `${JSON.stringify(doc, null, 2)}\n`);
  // Formatted as the repository's Biome config wants it, so `npm run lint` accepts the committed file.
  try {
    execFileSync(
      process.execPath,
      [require.resolve('@biomejs/biome/bin/biome'), 'format', '--write', RESULTS_FILE],
      { stdio: 'ignore' },
    );
  } catch {
    log('could not format the results file with Biome (left as plain JSON)');
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

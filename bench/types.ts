/** What every benchmark module returns to the orchestrator (bench/run.ts). */
import type { LocalRuntime } from '../local/runtime/runtime';

export interface BenchContext {
  /** Progress messages (stderr), keeping stdout for the report. */
  readonly log: (message: string) => void;
  /** The shared local runtime (started once, on first use). */
  readonly runtime: () => Promise<LocalRuntime>;
}

export interface BenchResult {
  /** Markdown printed to stdout: a heading, the table and a few notes. */
  readonly markdown: string;
  /** Every measured number, for bench/results/latest.json. */
  readonly data: Record<string, unknown>;
}

export interface Benchmark {
  readonly name: string;
  readonly title: string;
  run(context: BenchContext): Promise<BenchResult>;
}

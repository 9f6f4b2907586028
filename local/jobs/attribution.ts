/**
 * The attribution metrics job in the local runtime (in AWS: a Lambda on an EventBridge schedule, running
 * the query on Athena). The same domain job (lambdas/attribution/attribution-job.ts) and SQL, on DuckDB over
 * the local lake; published hours in the local JobRuns table (the same adapter); the metrics, which the
 * Lambda writes as EMF to CloudWatch, go to `<dataDir>/metrics/attribution.jsonl` (one line per hour,
 * placement and variant) and to `GET /local/health` under `attribution`.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  type AttributionJobResult,
  type AttributionJobSettings,
  type AttributionMetricsSink,
  type LakeSelect,
  runAttributionJob,
} from '../../lambdas/attribution/attribution-job';
import type { AttributionRow } from '../../lambdas/attribution/attribution-sql';
import { DynamoPublishedHours } from '../../lambdas/attribution/dynamo-published-hours';
import type { BucketLocation } from '../lake/bucket-storage';
import { type LakeQueryEngine, openBucketLake } from '../lake/query';

/** LakeSelect on a LakeQueryEngine (DuckDB): values as the strings Athena would return, NULL as undefined. */
export class EngineLakeSelect implements LakeSelect {
  constructor(private readonly engine: Pick<LakeQueryEngine, 'runQuery'>) {}

  async select(sql: string): Promise<Array<Array<string | undefined>>> {
    const result = await this.engine.runQuery(sql);
    return result.rows.map((row) => row.map((v) => (v === null || v === undefined ? undefined : String(v))));
  }
}

/** One metric line of the local file: what CloudWatch would hold for the hour, placement and variant. */
export interface LocalAttributionPoint extends AttributionRow {
  readonly hour: string;
}

export const LOCAL_ATTRIBUTION_METRICS_FILE = join('metrics', 'attribution.jsonl');

/** Appends each published hour's rows to the file, and keeps the last hours for the health document. */
export class FileAttributionSink implements AttributionMetricsSink {
  private readonly recent: LocalAttributionPoint[] = [];

  constructor(
    private readonly file: string,
    private readonly keep = 200,
  ) {}

  async publishHour(hourStartMs: number, rows: readonly AttributionRow[]): Promise<void> {
    const hour = new Date(hourStartMs).toISOString();
    const points = rows.map((row) => ({ hour, ...row }));
    if (points.length > 0) {
      await mkdir(dirname(this.file), { recursive: true });
      await appendFile(this.file, points.map((p) => `${JSON.stringify(p)}\n`).join(''));
    }
    this.recent.push(...points);
    this.recent.splice(0, Math.max(0, this.recent.length - this.keep));
  }

  points(): readonly LocalAttributionPoint[] {
    return this.recent;
  }
}

export interface LocalAttributionJobOptions {
  /** The lake bucket (its folder by default, the bucket on moto). */
  readonly lake: BucketLocation;
  readonly dataDir: string;
  readonly dynamo: DynamoDBDocumentClient;
  readonly jobRunsTable: string;
  readonly settings?: AttributionJobSettings;
  /** @default the wall clock */
  readonly clock?: () => Date;
}

export interface LocalAttributionJob {
  run(): Promise<AttributionJobResult>;
  health(): { lastRun?: AttributionJobResult & { at: string }; points: readonly LocalAttributionPoint[] };
}

export function localAttributionJob(options: LocalAttributionJobOptions): LocalAttributionJob {
  const sink = new FileAttributionSink(join(options.dataDir, LOCAL_ATTRIBUTION_METRICS_FILE));
  const hours = new DynamoPublishedHours(options.jobRunsTable, options.dynamo);
  const clock = options.clock ?? (() => new Date());
  let lastRun: (AttributionJobResult & { at: string }) | undefined;
  return {
    async run() {
      const now = clock();
      const lake = await openBucketLake(options.lake);
      try {
        const result = await runAttributionJob(
          { lake: new EngineLakeSelect(lake), hours, sink },
          now,
          options.settings,
        );
        lastRun = { ...result, at: now.toISOString() };
        return result;
      } finally {
        await lake.close();
      }
    },
    health: () => ({ ...(lastRun ? { lastRun } : {}), points: sink.points() }),
  };
}

/**
 * What the cost model takes from the benchmarks instead of assuming it: the consumer's DynamoDB write and
 * read units per stream record, and stream records per client event (the recommendation impressions), as
 * `npm run bench -- --only consumer-dynamo` measured them in one run, for this design (item rows summed in
 * a tumbling window) and the previous one (item rows written per batch).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const BENCH_RESULTS_FILE = join(__dirname, '..', '..', 'bench', 'results', 'latest.json');

/** The consumer's DynamoDB usage per record on the stream. */
export interface ConsumerUsage {
  readonly label: string;
  readonly writeUnitsPerRecord: number;
  readonly readUnitsPerRecord: number;
}

export interface MeasuredUsage {
  readonly measuredAt: string;
  /** Stream records per client event: 1 + the impressions the recommendation API puts on the stream. */
  readonly recordsPerEvent: number;
  /** Records summed per tumbling window in the benchmark. */
  readonly windowRecords: number;
  readonly before: ConsumerUsage;
  readonly after: ConsumerUsage;
}

const RunSchema = z.object({ writeUnitsPer1000Events: z.number(), readUnitsPer1000Events: z.number() });
const ConsumerDynamoSchema = z.object({
  measuredAt: z.string(),
  events: z.number(),
  records: z.number(),
  windowRecords: z.number(),
  ours: RunSchema,
  perBatch: RunSchema,
});

/** The usage from the bench results JSON; a clear error when the benchmark has not been run. */
export function measuredUsageFrom(results: unknown): MeasuredUsage {
  const entry = (results as { benchmarks?: Record<string, unknown> } | null)?.benchmarks?.['consumer-dynamo'];
  const parsed = ConsumerDynamoSchema.safeParse(entry);
  if (!parsed.success)
    throw new Error(
      'bench results have no consumer-dynamo run with write and read units per 1,000 records: run ' +
        `\`npm run bench -- --only consumer-dynamo\` first (${parsed.error.issues[0]?.message ?? 'missing'})`,
    );
  const data = parsed.data;
  const usage = (label: string, run: z.infer<typeof RunSchema>): ConsumerUsage => ({
    label,
    writeUnitsPerRecord: run.writeUnitsPer1000Events / 1000,
    readUnitsPerRecord: run.readUnitsPer1000Events / 1000,
  });
  return {
    measuredAt: data.measuredAt,
    recordsPerEvent: data.records / data.events,
    windowRecords: data.windowRecords,
    before: usage('item rows per batch', data.perBatch),
    after: usage(`item rows per tumbling window (${data.windowRecords} records)`, data.ours),
  };
}

export function readMeasuredUsage(file: string = BENCH_RESULTS_FILE): MeasuredUsage {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the bench results ${file}: ${(error as Error).message}`);
  }
  return measuredUsageFrom(json);
}

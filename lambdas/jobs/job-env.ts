/**
 * Wiring shared by the job handlers: the service with its DynamoDB and lake adapters, and the settings the
 * construct passes as environment variables. Read on first use, so importing a handler needs no env.
 */
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { dynamoDocumentClient } from '../shared/aws-clients';
import { numberEnv, requireEnv } from '../shared/env';
import { objectReaderFromEnv } from '../shared/object-store';
import { JOB_NAMES, type JobName } from '../shared/published';
import { DynamoJobRuns } from './dynamo-job-runs';
import { DynamoPublishedStore } from './dynamo-published-store';
import type { CfSettings, JobPlan, TrendingSettings } from './job-plan';
import { JobService } from './job-service';
import { LakeResultReader } from './lake-results';
import { runIdSuffix } from './run-id';
import { DEFAULT_GATE_THRESHOLDS, type GateThresholds } from './validation-gate';
import { DEFAULT_KEEP_VERSIONS } from './versioning';

export { JOB_FUNCTION_ENV, JOB_FUNCTIONS, type JobFunction } from './job-names';

let service: JobService | undefined;

export function jobServiceFromEnv(): JobService {
  service ??= new JobService({
    runs: new DynamoJobRuns(requireEnv('JOB_RUNS_TABLE_NAME'), dynamoDocumentClient()),
    published: new DynamoPublishedStore(
      { cf: requireEnv('SIMILARITIES_TABLE_NAME'), trending: requireEnv('TRENDING_TABLE_NAME') },
      dynamoDocumentClient(),
    ),
    results: new LakeResultReader(objectReaderFromEnv(), requireEnv('LAKE_BUCKET_NAME')),
  });
  return service;
}

export const jobNameSchema = z.enum(JOB_NAMES);

const gateSchema = z.object({
  maxInputAgeMinutes: z.number().positive(),
  maxDriftFactor: z.number().min(1),
  minRowsForDrift: z.number().int().min(0),
  minCoverage: z.number().min(0).max(1),
});

/** GATE_THRESHOLDS: JSON `{ cf?: Partial<GateThresholds>, trending?: ... }` over the defaults. */
export function gateThresholdsFromEnv(job: JobName): GateThresholds {
  const overrides = jsonEnv('GATE_THRESHOLDS') as Partial<Record<JobName, object>>;
  return gateSchema.parse({ ...DEFAULT_GATE_THRESHOLDS[job], ...overrides[job] });
}

export function keepVersionsFromEnv(): number {
  const keep = numberEnv('KEEP_VERSIONS', DEFAULT_KEEP_VERSIONS);
  if (!Number.isInteger(keep) || keep < 1)
    throw new Error(`KEEP_VERSIONS must be an integer >= 1, got ${keep}`);
  return keep;
}

export function jobSettingsFromEnv(): { cf: Partial<CfSettings>; trending: Partial<TrendingSettings> } {
  return {
    cf: jsonEnv('CF_SETTINGS') as Partial<CfSettings>,
    trending: jsonEnv('TRENDING_SETTINGS') as Partial<TrendingSettings>,
  };
}

export function newSuffix(): string {
  return runIdSuffix(() => randomInt(0, 1_000_000) / 1_000_000);
}

/** The plan as passed between the state machine's steps. */
export const jobPlanSchema = z.object({
  job: jobNameSchema,
  runId: z.string().min(1),
  windowTo: z.string().min(1),
  windowFrom: z.string().optional(),
  previousStateRunId: z.string().optional(),
  steps: z.array(
    z.object({
      name: z.string(),
      select: z.string(),
      targetPrefix: z.string(),
      format: z.enum(['PARQUET', 'JSON']),
      athenaQuery: z.string(),
    }),
  ),
  resultPrefix: z.string().min(1),
  statsPrefix: z.string().min(1),
  lastSuccessAgeSeconds: z.number().optional(),
  fullRecomputeAt: z.string().optional(),
  // A replay's instant: validate must see it to leave drift unjudged.
  asOf: z.string().optional(),
  // cf with EASE: the publish step solves the Gram rows with these.
  solve: z.object({ lambda: z.number().positive(), topK: z.number().int().positive() }).optional(),
});

export function parsePlan(event: unknown): JobPlan {
  const parsed = jobPlanSchema.safeParse(event);
  if (!parsed.success) throw new Error(`Invalid job plan: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

function jsonEnv(name: string): Record<string, unknown> {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return {};
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new Error('not a JSON object');
    return value as Record<string, unknown>;
  } catch (error) {
    throw new Error(`Environment variable ${name} must be a JSON object: ${(error as Error).message}`);
  }
}

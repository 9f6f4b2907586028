/** Step 1 of a run: plan it (id, window, query steps) and record it as running. Input: `{ job }`. */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { z } from 'zod';
import { requireEnv } from '../../shared/env';
import { JOB_DIMENSION, JOB_METRICS } from '../../shared/metric-names';
import { instrumented } from '../../shared/observability';
import { jobNameSchema, jobServiceFromEnv, jobSettingsFromEnv, newSuffix } from '../job-env';
import type { JobPlan } from '../job-plan';

const logger = new Logger();
const metrics = new Metrics();
const tracer = new Tracer();

/**
 * `options` is the execution input (the schedule sends `{ job }`; a replay may add `asOf`); `startedAt` is
 * the execution's start time, which the state machine passes from its context object (`$$.Execution.StartTime`).
 */
const inputSchema = z.object({
  job: jobNameSchema,
  options: z.object({ asOf: z.iso.datetime().optional() }).optional(),
  startedAt: z.iso.datetime().optional(),
});

export const handler = instrumented({ logger, metrics, tracer }, async (event: unknown): Promise<JobPlan> => {
  const parsed = inputSchema.safeParse(event);
  if (!parsed.success) throw new Error(`Invalid plan input: ${z.prettifyError(parsed.error)}`);
  const settings = jobSettingsFromEnv();
  const plan = await jobServiceFromEnv().plan({
    job: parsed.data.job,
    runIdSuffix: newSuffix(),
    lakeBucket: requireEnv('LAKE_BUCKET_NAME'),
    ...(parsed.data.options?.asOf ? { asOf: parsed.data.options.asOf } : {}),
    ...(parsed.data.startedAt ? { startedAt: parsed.data.startedAt } : {}),
    cfSettings: settings.cf,
    trendingSettings: settings.trending,
  });
  if (plan.lastSuccessAgeSeconds !== undefined) {
    // Per job, so the dashboard draws one line each; the staleness alarm watches the published runs.
    const perJob = metrics.singleMetric();
    perJob.addDimension(JOB_DIMENSION, plan.job);
    perJob.addMetric(JOB_METRICS.lastSuccessAgeSeconds, MetricUnit.Seconds, plan.lastSuccessAgeSeconds);
  }
  logger.info('run planned', {
    job: plan.job,
    runId: plan.runId,
    windowFrom: plan.windowFrom,
    windowTo: plan.windowTo,
  });
  return plan;
});

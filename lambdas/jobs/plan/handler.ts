/** Step 1 of a run: plan it (id, window, query steps) and record it as running. Input: `{ job }`. */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import { z } from 'zod';
import { requireEnv } from '../../shared/env';
import { JOB_DIMENSION, JOB_METRICS } from '../../shared/metric-names';
import { observability, powertools } from '../../shared/observability';
import { jobNameSchema, jobServiceFromEnv, jobSettingsFromEnv, newSuffix } from '../job-env';
import type { JobPlan } from '../job-plan';

const tools = powertools();
const { logger, metrics } = tools;

/**
 * `options` is the execution input (the schedule sends `{ job }`; a replay may add `asOf`); `startedAt` is
 * the execution's start time, which the state machine passes from its context object (`$$.Execution.StartTime`).
 */
const inputSchema = z.object({
  job: jobNameSchema,
  options: z.object({ asOf: z.iso.datetime().optional() }).optional(),
  startedAt: z.iso.datetime().optional(),
});

async function planRun(event: unknown): Promise<JobPlan> {
  const parsed = inputSchema.safeParse(event);
  if (!parsed.success) throw new Error(`Invalid plan input: ${z.prettifyError(parsed.error)}`);
  const input = parsed.data;
  const settings = jobSettingsFromEnv();
  const plan = await jobServiceFromEnv().plan({
    job: input.job,
    runIdSuffix: newSuffix(),
    lakeBucket: requireEnv('LAKE_BUCKET_NAME'),
    ...(input.options?.asOf ? { asOf: input.options.asOf } : {}),
    ...(input.startedAt ? { startedAt: input.startedAt } : {}),
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
}

export const handler = middy(planRun).use(observability(tools));

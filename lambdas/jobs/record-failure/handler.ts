/**
 * The state machines' Catch target: marks the run failed with the error Step Functions caught and returns
 * the alarm text, which the next state publishes to the alarm topic. Input: `{ job, runId?, error }`.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import { z } from 'zod';
import { observability, powertools } from '../../shared/observability';
import { jobNameSchema, jobServiceFromEnv, newSuffix } from '../job-env';
import type { FailureOutcome } from '../job-service';
import { newRunId } from '../run-id';

const tools = powertools();
const { logger, metrics } = tools;

const inputSchema = z.object({
  job: jobNameSchema,
  runId: z.string().optional(),
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
});

async function recordFailure(event: unknown): Promise<FailureOutcome> {
  const parsed = inputSchema.safeParse(event);
  if (!parsed.success) throw new Error(`Invalid failure input: ${z.prettifyError(parsed.error)}`);
  const input = parsed.data;
  const outcome = await jobServiceFromEnv().recordFailure(input, () => newRunId(new Date(), newSuffix()));
  const single = metrics.singleMetric();
  single.addDimension('job', input.job);
  single.addMetric('RunsFailed', MetricUnit.Count, 1);
  logger.error('run failed', { job: outcome.job, runId: outcome.runId, alarm: outcome.message });
  return outcome;
}

export const handler = middy(recordFailure).use(observability(tools));

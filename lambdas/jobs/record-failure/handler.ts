/**
 * The state machines' Catch target: marks the run failed with the error Step Functions caught and returns
 * the alarm text, which the next state publishes to the alarm topic. Input: `{ job, runId?, error }`.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { z } from 'zod';
import { instrumented } from '../../shared/observability';
import { jobNameSchema, jobServiceFromEnv, newSuffix } from '../job-env';
import type { FailureOutcome } from '../job-service';
import { newRunId } from '../run-id';

const logger = new Logger();
const metrics = new Metrics();
const tracer = new Tracer();

const inputSchema = z.object({
  job: jobNameSchema,
  runId: z.string().optional(),
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
});

export const handler = instrumented(
  { logger, metrics, tracer },
  async (event: unknown): Promise<FailureOutcome> => {
    const parsed = inputSchema.safeParse(event);
    if (!parsed.success) throw new Error(`Invalid failure input: ${z.prettifyError(parsed.error)}`);
    const outcome = await jobServiceFromEnv().recordFailure(parsed.data, () =>
      newRunId(new Date(), newSuffix()),
    );
    const single = metrics.singleMetric();
    single.addDimension('job', parsed.data.job);
    single.addMetric('RunsFailed', MetricUnit.Count, 1);
    logger.error('run failed', { job: outcome.job, runId: outcome.runId, alarm: outcome.message });
    return outcome;
  },
);

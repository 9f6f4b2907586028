/** Publishes a validated run: items under version = runId, pointer flip, retention. Input: the plan. */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { instrumented } from '../../shared/observability';
import { jobServiceFromEnv, keepVersionsFromEnv, parsePlan } from '../job-env';
import type { PublishOutcome } from '../job-service';

const logger = new Logger();
const metrics = new Metrics();
const tracer = new Tracer();

export const handler = instrumented(
  { logger, metrics, tracer },
  async (event: unknown): Promise<PublishOutcome> => {
    const plan = parsePlan(event);
    const outcome = await jobServiceFromEnv().publish(plan, keepVersionsFromEnv());
    const single = metrics.singleMetric();
    single.addDimension('job', plan.job);
    single.addMetric('PublishedItems', MetricUnit.Count, outcome.publishedItems);
    if (outcome.expiryErrors.length > 0)
      logger.error('some old versions could not be expired', { errors: outcome.expiryErrors });
    logger.info('run published', { ...outcome });
    return outcome;
  },
);

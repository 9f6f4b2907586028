/** Publishes a validated run: items under version = runId, pointer flip, retention. Input: the plan. */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import { observability, powertools } from '../../shared/observability';
import { jobServiceFromEnv, keepVersionsFromEnv, parsePlan } from '../job-env';
import type { PublishOutcome } from '../job-service';

const tools = powertools();
const { logger, metrics } = tools;

async function publishRun(event: unknown): Promise<PublishOutcome> {
  const plan = parsePlan(event);
  const outcome = await jobServiceFromEnv().publish(plan, keepVersionsFromEnv());
  const single = metrics.singleMetric();
  single.addDimension('job', plan.job);
  single.addMetric('PublishedItems', MetricUnit.Count, outcome.publishedItems);
  if (outcome.expiryErrors.length > 0)
    logger.error('some old versions could not be expired', { errors: outcome.expiryErrors });
  logger.info('run published', { ...outcome });
  return outcome;
}

export const handler = middy(publishRun).use(observability(tools));

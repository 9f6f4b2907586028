/** Publishes a validated run: items under version = runId, pointer flip, retention. Input: the plan. */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import { observability, powertools } from '../../shared/observability';
import { jobPlanSchema, jobServiceFromEnv, keepVersionsFromEnv } from '../job-env';
import type { JobPlan } from '../job-plan';
import type { PublishOutcome } from '../job-service';

const tools = powertools();
const { logger, metrics } = tools;

async function publishRun(plan: JobPlan): Promise<PublishOutcome> {
  const outcome = await jobServiceFromEnv().publish(plan, keepVersionsFromEnv());
  const single = metrics.singleMetric();
  single.addDimension('job', plan.job);
  single.addMetric('PublishedItems', MetricUnit.Count, outcome.publishedItems);
  if (outcome.expiryErrors.length > 0)
    logger.error('some old versions could not be expired', { errors: outcome.expiryErrors });
  logger.info('run published', { ...outcome });
  return outcome;
}

export const handler = middy(publishRun)
  .use(observability(tools))
  .use(parser({ schema: jobPlanSchema }));

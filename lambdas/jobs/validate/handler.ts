/**
 * The validation gate step: reads the run's stats, compares them with the thresholds and the active version's
 * stats, stores the checks, and emits RunsRejected (alarmed on) or RunsPassed. Input: the plan.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import { observability, powertools } from '../../shared/observability';
import { gateThresholdsFromEnv, jobServiceFromEnv, parsePlan } from '../job-env';
import { JOB_DIMENSION, PASSED_METRIC, REJECTED_METRIC } from '../job-names';
import type { ValidateOutcome } from '../job-service';

const tools = powertools();
const { logger, metrics } = tools;

async function validateRun(event: unknown): Promise<ValidateOutcome> {
  const plan = parsePlan(event);
  const outcome = await jobServiceFromEnv().validate(plan, gateThresholdsFromEnv(plan.job));
  const single = metrics.singleMetric();
  single.addDimension(JOB_DIMENSION, plan.job);
  single.addMetric(outcome.passed ? PASSED_METRIC : REJECTED_METRIC, MetricUnit.Count, 1);
  const failed = outcome.checks.filter((c) => !c.passed);
  if (failed.length > 0) logger.warn('run rejected by the validation gate', { runId: plan.runId, failed });
  else logger.info('run passed the validation gate', { runId: plan.runId });
  return outcome;
}

export const handler = middy(validateRun).use(observability(tools));

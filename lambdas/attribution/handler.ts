/**
 * The attribution metrics job in AWS: invoked hourly by an EventBridge rule (lib/attribution-metrics.ts).
 * Thin: wires the domain job (attribution-job.ts) to Athena (the LakeSql runner the lake purge uses), the
 * JobRuns table (published hours) and Powertools EMF, runs it, and reports the hours it published as
 * `AttributionHoursPublished` (the staleness alarm's metric).
 *
 * Env: JOB_RUNS_TABLE_NAME, ATHENA_WORKGROUP, GLUE_DATABASE, ATTRIBUTION_LATENESS_SECONDS,
 * ATTRIBUTION_BACKFILL_HOURS.
 */

import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { AthenaClient } from '@aws-sdk/client-athena';
import middy from '@middy/core';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Context } from 'aws-lambda';
import { AthenaSqlRunner } from '../deletion/athena-sql-runner';
import { dynamoDocumentClient } from '../shared/aws-clients';
import { numberEnv, requireEnv } from '../shared/env';
import { ATTRIBUTION_METRICS } from '../shared/metric-names';
import { observability, powertools } from '../shared/observability';
import { type AttributionJobResult, runAttributionJob } from './attribution-job';
import { DynamoPublishedHours } from './dynamo-published-hours';
import { EmfAttributionSink } from './emf-sink';

const tools = powertools();
const { logger, metrics, tracer } = tools;
let athena: AthenaClient | undefined;

export const handler = middy(async (_event: unknown, context: Context): Promise<AttributionJobResult> => {
  athena ??= tracer.captureAWSv3Client(
    new AthenaClient({ requestHandler: new NodeHttpHandler({ requestTimeout: 10_000 }) }),
  );
  const result = await runAttributionJob(
    {
      lake: new AthenaSqlRunner(athena, {
        workGroup: requireEnv('ATHENA_WORKGROUP'),
        database: requireEnv('GLUE_DATABASE'),
        remainingMs: () => context.getRemainingTimeInMillis(),
      }),
      hours: new DynamoPublishedHours(
        requireEnv('JOB_RUNS_TABLE_NAME'),
        tracer.captureAWSv3Client(dynamoDocumentClient()),
      ),
      sink: new EmfAttributionSink(metrics),
    },
    new Date(),
    {
      latenessMs: numberEnv('ATTRIBUTION_LATENESS_SECONDS', 3600) * 1000,
      backfillHours: numberEnv('ATTRIBUTION_BACKFILL_HOURS', 48),
    },
  );
  logger.info('attribution hours published', {
    published: result.published.map((h) => new Date(h).toISOString()),
    skipped: result.skipped.length,
    rows: result.rows,
  });
  // Flushed by the middleware with the invocation's time: one count per run, 0 when nothing was new.
  metrics.addMetric(ATTRIBUTION_METRICS.hoursPublished, MetricUnit.Count, result.published.length);
  return result;
}).use(observability(tools));

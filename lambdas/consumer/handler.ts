/**
 * Kinesis consumer Lambda: keeps the Profiles and ItemStats tables current, and fills catalogue items the
 * catalogue API has not described from the batch's product events (one if_not_exists update per item per
 * batch, catalogue-fill.ts; with the promotion filter of RECOMMEND_RULES, the filled items join the
 * promoted-items row like a PUT's). Thin: wiring and metrics only; the work is in BatchConsumer, FeatureUpdater and
 * DynamoCatalogueFiller.
 */

import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type {
  Context,
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamStateResponse,
} from 'aws-lambda';
import { dynamoDocumentClient } from '../shared/aws-clients';
import { requireEnv } from '../shared/env';
import { QUARANTINE_PREFIX } from '../shared/lake-layout';
import { CONSUMER_METRICS, VARIANT_DIMENSION } from '../shared/metric-names';
import { objectStoreFromEnv } from '../shared/object-store';
import { observability, powertools } from '../shared/observability';
import { indexedPromotionFilter } from '../shared/promoted-items';
import { SqsQueueSink } from '../shared/queue-sink';
import { parseRulesConfig, RULES_ENV } from '../shared/recommend-rules';
import { BatchConsumer, isWindowEvent } from './batch-consumer';
import { updaterOptionsFromEnv } from './consumer-config';
import { recommendationCountsByVariant } from './ctr-counts';
import { DynamoCatalogueFiller } from './dynamo-catalogue-fill';
import { DynamoFeatureStore } from './dynamo-feature-store';
import { DynamoShardProgress } from './dynamo-shard-progress';
import { FeatureUpdater } from './feature-updater';

const tools = powertools();
const { logger, metrics, tracer } = tools;

const dynamo = tracer.captureAWSv3Client(dynamoDocumentClient());
const store = new DynamoFeatureStore(dynamo, {
  profilesTable: requireEnv('PROFILES_TABLE_NAME'),
  itemStatsTable: requireEnv('ITEM_STATS_TABLE_NAME'),
});
const progress = new DynamoShardProgress(dynamo, requireEnv('CONSUMER_PROGRESS_TABLE_NAME'));
const catalogue = new DynamoCatalogueFiller(requireEnv('ITEMS_TABLE_NAME'), dynamo, {
  promotion: indexedPromotionFilter(parseRulesConfig(process.env[RULES_ENV])),
});
const quarantineBucket = process.env.QUARANTINE_BUCKET_NAME;
const consumer = new BatchConsumer(
  new FeatureUpdater(store, updaterOptionsFromEnv(), progress),
  new SqsQueueSink(requireEnv('DLQ_URL')),
  logger,
  () => new Date(),
  quarantineBucket
    ? {
        store: objectStoreFromEnv(),
        bucket: quarantineBucket,
        prefix: process.env.QUARANTINE_PREFIX ?? QUARANTINE_PREFIX,
      }
    : undefined,
);

async function consume(
  event: KinesisStreamEvent,
  context: Context,
): Promise<KinesisStreamBatchResponse | KinesisStreamStateResponse> {
  // With a tumbling window on the mapping, item rows are summed in the window state (item-window.ts).
  const { response, outcome, unparseable, events, appliedEvents, windowItemWrites } = isWindowEvent(event)
    ? await consumer.consumeInWindow(event, context)
    : { ...(await consumer.consume(event, context)), windowItemWrites: 0 };
  const filled = await catalogue.fill(events);
  metrics.addMetric(CONSUMER_METRICS.catalogueFillWrites, MetricUnit.Count, filled.written);
  if (filled.failed.length > 0) {
    // The batch's profiles and statistics are written; the item's next event fills it again.
    logger.warn('catalogue items not filled from events', { failed: filled.failed });
    metrics.addMetric(CONSUMER_METRICS.catalogueFillFailures, MetricUnit.Count, filled.failed.length);
  }
  metrics.addMetric('RecordsReceived', MetricUnit.Count, event.Records.length);
  metrics.addMetric('EventsApplied', MetricUnit.Count, outcome.applied);
  metrics.addMetric('EventsReplayed', MetricUnit.Count, outcome.replays);
  metrics.addMetric('EventsDuplicate', MetricUnit.Count, outcome.duplicates);
  metrics.addMetric('PoisonRecords', MetricUnit.Count, outcome.poison.length + unparseable);
  metrics.addMetric('ProfileWrites', MetricUnit.Count, outcome.profileWrites);
  metrics.addMetric('ItemWrites', MetricUnit.Count, outcome.itemWrites + windowItemWrites);
  metrics.addMetric('ProgressWrites', MetricUnit.Count, outcome.progressWrites);
  metrics.addMetric('WriteConflicts', MetricUnit.Count, outcome.conflicts);
  metrics.addMetric('StoreRetries', MetricUnit.Count, outcome.retries);
  metrics.addMetric('BatchItemFailures', MetricUnit.Count, response.batchItemFailures?.length ?? 0);
  const newest = Math.max(0, ...event.Records.map((r) => r.kinesis.approximateArrivalTimestamp));
  if (newest > 0)
    metrics.addMetric('StreamToFeatureLag', MetricUnit.Milliseconds, Date.now() - newest * 1000);
  // Per-variant CTR inputs: one single metric per variant present (a handful at most).
  for (const [variant, counts] of recommendationCountsByVariant(appliedEvents)) {
    const single = metrics.singleMetric();
    single.addDimension(VARIANT_DIMENSION, variant);
    single.addMetric(CONSUMER_METRICS.recommendationImpressions, MetricUnit.Count, counts.impressions);
    single.addMetric(CONSUMER_METRICS.recommendationClicks, MetricUnit.Count, counts.clicks);
  }
  return response;
}

export const handler = middy(consume).use(observability(tools));

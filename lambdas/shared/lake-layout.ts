/**
 * The lake bucket's layout: every top-level prefix and the Firehose prefix expressions, in one place that the
 * CDK constructs (lib/), the handlers (ingest quarantine, consumer dead letters, jobs, purge) and the local
 * stand-ins (local/) all import, so a writer and its readers cannot disagree on where data lives.
 *
 *   events/event_type=…/dt=…/hour=…/      Parquet events (Firehose; partitioned on receipt time)
 *   errors/<error-output-type>/dt=…/      records Firehose could not partition or convert (delivery-errors.ts)
 *   quarantine/dt=…/reason=…/             rejected events and dead letters (quarantine-layout.ts)
 *   items/dt=…/                           catalogue changes written by PUT /v1/items (catalogue-lake.ts)
 *   jobs/<job>/{state,results,stats}/run=…/   the batch jobs' intermediate and result files
 */
import { EVENT_PARTITION_KEYS } from './events/lake-columns';

export const EVENTS_PREFIX = 'events/';
export const DELIVERY_ERRORS_PREFIX = 'errors/';
export const QUARANTINE_PREFIX = 'quarantine/';
export const JOBS_PREFIX = 'jobs/';
export const ITEMS_PREFIX = 'items/';

export const CF_STATE_PREFIX = `${JOBS_PREFIX}cf/state/`;
export const CF_RESULTS_PREFIX = `${JOBS_PREFIX}cf/results/`;
export const CF_STATS_PREFIX = `${JOBS_PREFIX}cf/stats/`;
export const TRENDING_RESULTS_PREFIX = `${JOBS_PREFIX}trending/results/`;
export const TRENDING_STATS_PREFIX = `${JOBS_PREFIX}trending/stats/`;

/** Firehose's dynamic-partitioning prefix of the events: one `key=value/` per partition key. */
export const EVENTS_FIREHOSE_PREFIX = `${EVENTS_PREFIX}${EVENT_PARTITION_KEYS.map(
  (k) => `${k.name}=!{partitionKeyFromQuery:${k.name}}/`,
).join('')}`;

/** Firehose's error output prefix. */
export const DELIVERY_ERRORS_FIREHOSE_PREFIX = `${DELIVERY_ERRORS_PREFIX}!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/`;

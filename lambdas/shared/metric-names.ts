/**
 * Names of the custom CloudWatch metrics that the dashboard and alarms (lib/monitoring.ts) read and the
 * functions emit (Powertools EMF). Writer and reader import the same constants, so a renamed metric cannot
 * leave an alarm watching nothing. Powertools adds a `service` dimension (POWERTOOLS_SERVICE_NAME) to
 * every metric; alarms must use the same dimension set the writer uses.
 */

/** Namespace of every custom metric (RecoFunction sets POWERTOOLS_METRICS_NAMESPACE to it). */
export const METRICS_NAMESPACE = 'RecoStream';

/** `service` dimension values of the emitting functions. */
export const SERVICES = {
  /** lambdas/ingest (the Ingestion construct's function). */
  ingest: 'ingest',
  /** lambdas/consumer (the FeatureStore construct's function). */
  consumer: 'stream-consumer',
  /** lambdas/canary and lambdas/canary-key (the FreshnessCanary construct's functions). */
  canary: 'freshness-canary',
  /** lambdas/lake-pseudonymize (the DataLake construct's function). */
  lakePseudonymize: 'lake-pseudonymize',
  /** lambdas/attribution (the AttributionMetrics construct's function). */
  attribution: 'attribution-metrics',
  /** lambdas/catalogue (the ItemCatalogue construct's `PUT /v1/items` function). */
  catalogue: 'catalogue',
  /** lambdas/deletion/purge (the LakePurge construct's function). */
  lakePurge: 'lake-purge',
  /** lambdas/recommend (the RecommendationApi construct's function; the name of its folder). */
  recommend: 'recommend',
} as const;

/**
 * Recommendation API counters drawn on the dashboard (the others: RecommendMetricName in
 * lambdas/recommend/handler.ts). Per read of published rows: how many the execution environment's row cache
 * held and how many were read from the table.
 */
export const RECOMMEND_METRICS = {
  publishedRowCacheHits: 'PublishedRowCacheHits',
  publishedRowCacheMisses: 'PublishedRowCacheMisses',
} as const;

/** Ingest API counters (see IngestMetricName in lambdas/ingest/handler.ts). */
export const INGEST_METRICS = {
  accepted: 'EventsAccepted',
  /** Dimensions: service, reason. */
  rejected: 'EventsRejected',
  /** Dimensions: service, reason. */
  requestsRejected: 'RequestsRejected',
  publishFailures: 'PublishFailures',
  /** Rejected events that could not be written to quarantine/ (lost). */
  quarantineWriteFailures: 'QuarantineWriteFailures',
} as const;

/** `PUT /v1/items` counters (lambdas/catalogue/handler.ts). */
export const CATALOGUE_METRICS = {
  itemsWritten: 'CatalogueItemsWritten',
  itemWriteFailures: 'CatalogueItemWriteFailures',
  /** Refused request bodies that could not be written to quarantine/ (lost; the client still got its 4xx). */
  quarantineWriteFailures: 'QuarantineWriteFailures',
} as const;

/** The lake pseudonymiser (lambdas/lake-pseudonymize): records pseudonymised, and failed (sent to errors/). */
export const LAKE_PSEUDONYM_METRICS = {
  pseudonymized: 'LakeRecordsPseudonymized',
  failed: 'LakeRecordsPseudonymizeFailed',
} as const;

/** Stream consumer counters (lambdas/consumer/handler.ts). */
export const CONSUMER_METRICS = {
  applied: 'EventsApplied',
  poison: 'PoisonRecords',
  batchItemFailures: 'BatchItemFailures',
  streamToFeatureLag: 'StreamToFeatureLag',
  /** Dimensions: service, variant. Canary events are never counted. */
  recommendationImpressions: 'RecommendationImpressions',
  /** Dimensions: service, variant. */
  recommendationClicks: 'RecommendationClicks',
  /** Catalogue items filled from product events (one if_not_exists update each). */
  catalogueFillWrites: 'CatalogueFillWrites',
  /** Fills that failed; the item's next event fills it again. */
  catalogueFillFailures: 'CatalogueFillFailures',
} as const;

/** Dimension name of the recommendation variant in the CTR metrics. */
export const VARIANT_DIMENSION = 'variant';

/**
 * Batch jobs (lambdas/jobs). The publish step emits `PublishedItems` once per published run (service
 * `jobs-publish`): its SampleCount is the number of good runs, which the staleness alarm watches. The
 * validate step emits `RunsRejected` (service `jobs-validate`). `JobLastSuccessAgeSeconds` (now minus
 * finishedAt of the active version's run, read from JobRuns) is emitted by the plan step (service
 * `jobs-plan`) on every run, so the dashboard draws the age even while the job keeps failing.
 */
export const JOB_METRICS = {
  published: 'PublishedItems',
  rejected: 'RunsRejected',
  lastSuccessAgeSeconds: 'JobLastSuccessAgeSeconds',
} as const;
/** `service` of each job step's function (lambdas/jobs/<step>/; the BatchJobs construct sets them). */
export const JOB_SERVICES = {
  publish: 'jobs-publish',
  validate: 'jobs-validate',
  plan: 'jobs-plan',
  'record-failure': 'jobs-record-failure',
} as const;
export const JOB_DIMENSION = 'job';

/**
 * Freshness canary: milliseconds from the ingest API's 200 to the canary event being visible in the
 * profile, and in the recommendation API; `CanaryFailures` counts runs that did not see it in time.
 * Dimension: service.
 */
export const CANARY_METRICS = {
  profileFreshness: 'CanaryProfileFreshness',
  recommendationFreshness: 'CanaryRecommendationFreshness',
  failures: 'CanaryFailures',
} as const;

/**
 * What recommendations earned, per closed hour of event time (lambdas/attribution, service
 * `attribution-metrics`): one data point per hour, placement and variant, timestamped to the hour's start,
 * dimensions service, Placement, Variant. `hoursPublished` (dimension service only) counts the hours
 * published, once each: the staleness alarm watches it.
 */
export const ATTRIBUTION_METRICS = {
  impressions: 'AttributionImpressions',
  clicks: 'AttributionClicks',
  purchases: 'AttributedPurchases',
  revenue: 'AttributedRevenue',
  hoursPublished: 'AttributionHoursPublished',
} as const;
export const ATTRIBUTION_DIMENSIONS = { placement: 'Placement', variant: 'Variant' } as const;

/** The lake purge (lambdas/deletion/purge); lib/lake-purge.ts alarms on `overdue`. */
export const LAKE_PURGE_METRICS = {
  /** Pending deletion requests past their lakeDeadline (the deadline alarm watches its Maximum). */
  overdue: 'DeletionRequestsOverdue',
  pending: 'DeletionRequestsPending',
  oldestPendingAgeHours: 'OldestPendingDeletionAgeHours',
  objectsRewritten: 'LakeObjectsRewritten',
  rowsRemoved: 'LakeRowsRemoved',
  quarantineRecordsRemoved: 'QuarantineRecordsRemoved',
  deliveryErrorRecordsRemoved: 'DeliveryErrorRecordsRemoved',
  failures: 'DeletionPurgeFailures',
} as const;

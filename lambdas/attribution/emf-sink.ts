/**
 * The attribution metrics as CloudWatch metrics (Powertools Metrics, Embedded Metric Format): one EMF
 * document per hour, placement and variant, timestamped to the hour's start, dimensions service, Placement
 * and Variant, flushed at once so the next row's timestamp and dimensions cannot mix with it.
 * CloudWatch accepts EMF timestamps up to 14 days old; the job's look-back stays far inside that.
 */
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { ATTRIBUTION_DIMENSIONS, ATTRIBUTION_METRICS } from '../shared/metric-names';
import type { AttributionMetricsSink } from './attribution-job';
import type { AttributionRow } from './attribution-sql';

export type EmfMetrics = Pick<
  Metrics,
  'setTimestamp' | 'addDimensions' | 'addMetric' | 'publishStoredMetrics'
>;

export class EmfAttributionSink implements AttributionMetricsSink {
  constructor(private readonly metrics: EmfMetrics) {}

  async publishHour(hourStartMs: number, rows: readonly AttributionRow[]): Promise<void> {
    for (const row of rows) {
      this.metrics.setTimestamp(hourStartMs);
      this.metrics.addDimensions({
        [ATTRIBUTION_DIMENSIONS.placement]: row.placement,
        [ATTRIBUTION_DIMENSIONS.variant]: row.variant,
      });
      this.metrics.addMetric(ATTRIBUTION_METRICS.impressions, MetricUnit.Count, row.impressions);
      this.metrics.addMetric(ATTRIBUTION_METRICS.clicks, MetricUnit.Count, row.clicks);
      this.metrics.addMetric(ATTRIBUTION_METRICS.purchases, MetricUnit.Count, row.attributedPurchases);
      this.metrics.addMetric(ATTRIBUTION_METRICS.revenue, MetricUnit.NoUnit, row.attributedRevenue);
      this.metrics.publishStoredMetrics();
    }
  }
}

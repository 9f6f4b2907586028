/**
 * Dashboard widgets of the attribution metrics (lib/attribution-metrics.ts): per placement and variant,
 * attributed revenue and purchases, and impressions and clicks, per hour. The placements and variants are
 * data (whatever the API served), so the widgets SEARCH the dimension values instead of listing them.
 */
import { Duration } from 'aws-cdk-lib';
import { GraphWidget, type IWidget, MathExpression } from 'aws-cdk-lib/aws-cloudwatch';
import {
  ATTRIBUTION_DIMENSIONS,
  ATTRIBUTION_METRICS,
  METRICS_NAMESPACE,
  SERVICES,
} from '../../lambdas/shared/metric-names';

const HOUR = Duration.hours(1);

/** Every (Placement, Variant) series of one attribution metric, summed per hour. */
export function attributionSearch(metricName: string): MathExpression {
  const { placement, variant } = ATTRIBUTION_DIMENSIONS;
  return new MathExpression({
    expression:
      `SEARCH('{${METRICS_NAMESPACE},${placement},${variant},service} MetricName="${metricName}" ` +
      `service="${SERVICES.attribution}"', 'Sum', 3600)`,
    label: metricName,
    period: HOUR,
  });
}

export function attributionWidgets(): IWidget[] {
  return [
    new GraphWidget({
      title: 'Attributed revenue per placement and variant (per hour of purchase)',
      left: [attributionSearch(ATTRIBUTION_METRICS.revenue)],
      width: 8,
    }),
    new GraphWidget({
      title: 'Attributed purchases per placement and variant (per hour)',
      left: [attributionSearch(ATTRIBUTION_METRICS.purchases)],
      width: 8,
    }),
    new GraphWidget({
      title: 'Recommendation impressions and clicks per placement and variant (per hour)',
      left: [attributionSearch(ATTRIBUTION_METRICS.impressions)],
      right: [attributionSearch(ATTRIBUTION_METRICS.clicks)],
      width: 8,
    }),
  ];
}

/**
 * Dashboard widget of the recommendation function's published-row cache (lambdas/recommend/dynamo-reads.ts):
 * the share of neighbour and trending rows served from an execution environment's cache, and the rows read
 * from the tables. A share that stays low once environments are warm says PUBLISHED_CACHE_ENTRIES is below
 * the working set.
 */
import type { Duration } from 'aws-cdk-lib';
import { GraphWidget, MathExpression, Metric, Stats } from 'aws-cdk-lib/aws-cloudwatch';
import { METRICS_NAMESPACE, RECOMMEND_METRICS, SERVICES } from '../../lambdas/shared/metric-names';

export function rowCacheWidget(period: Duration): GraphWidget {
  const metric = (metricName: string) =>
    new Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { service: SERVICES.recommend },
      statistic: Stats.SUM,
      period,
    });
  const hits = metric(RECOMMEND_METRICS.publishedRowCacheHits);
  const misses = metric(RECOMMEND_METRICS.publishedRowCacheMisses);
  return new GraphWidget({
    title: 'RecommendationApi published-row cache hits (%)',
    left: [
      new MathExpression({
        expression: '100 * hits / MAX([hits + misses, 1])',
        usingMetrics: { hits, misses },
        label: 'rows from the cache (%)',
        period,
      }),
    ],
    right: [misses],
    width: 12,
  });
}

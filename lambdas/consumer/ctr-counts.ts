/**
 * Recommendation impressions and clicks per variant in a batch, for the CTR metrics of the dashboard.
 * Canary events and events without a variant are not counted.
 */
import { isCanaryEvent } from '../shared/canary';
import type { CanonicalEvent } from '../shared/events';

export interface VariantCounts {
  impressions: number;
  clicks: number;
}

export function recommendationCountsByVariant(events: readonly CanonicalEvent[]): Map<string, VariantCounts> {
  const counts = new Map<string, VariantCounts>();
  for (const event of events) {
    if (event.type !== 'recommendation_impression' && event.type !== 'recommendation_click') continue;
    if (isCanaryEvent(event) || !event.variant) continue;
    const entry = counts.get(event.variant) ?? { impressions: 0, clicks: 0 };
    if (event.type === 'recommendation_impression') entry.impressions++;
    else entry.clicks++;
    counts.set(event.variant, entry);
  }
  return counts;
}

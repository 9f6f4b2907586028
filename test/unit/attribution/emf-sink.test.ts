/**
 * The attribution metrics as EMF: one document per hour, placement and variant, with the hour's start as
 * its timestamp and the dimensions service, Placement and Variant, so CloudWatch files each number under
 * the hour it describes (not the hour the job ran in), and rows never share a timestamp or dimensions.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { EmfAttributionSink } from '../../../lambdas/attribution/emf-sink';
import { captureStdoutLines } from '../../support/stdout-lines';

const capture = captureStdoutLines;

const HOUR = Date.parse('2026-12-03T13:00:00.000Z');
const row = (placement: string, variant: string, n: number) => ({
  hourStartMs: HOUR,
  placement,
  variant,
  impressions: 10 * n,
  clicks: 2 * n,
  attributedPurchases: n,
  attributedUnits: 2 * n,
  attributedRevenue: 12.5 * n,
});

it('writes one EMF document per row, timestamped to the hour, with Placement and Variant', async () => {
  const metrics = new Metrics({ namespace: 'RecoStream', serviceName: 'attribution-metrics' });
  const out = capture();
  try {
    await new EmfAttributionSink(metrics).publishHour(HOUR, [
      row('for-you', 'control', 1),
      row('discover', 'treatment', 2),
    ]);
  } finally {
    out.restore();
  }
  const emf = out.lines.filter((l) => l._aws !== undefined);
  expect(emf).toHaveLength(2);
  expect(emf.map((l) => (l._aws as { Timestamp: number }).Timestamp)).toEqual([HOUR, HOUR]);
  expect(emf[1]).toMatchObject({
    service: 'attribution-metrics',
    Placement: 'discover',
    Variant: 'treatment',
    AttributionImpressions: 20,
    AttributionClicks: 4,
    AttributedPurchases: 2,
    AttributedRevenue: 25,
  });
  const aws = emf[0]?._aws as
    | { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][] }> }
    | undefined;
  const directive = aws?.CloudWatchMetrics[0];
  expect(directive?.Namespace).toBe('RecoStream');
  expect([...(directive?.Dimensions[0] ?? [])].sort()).toEqual(['Placement', 'Variant', 'service']);
});

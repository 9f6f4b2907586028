/**
 * Every alarm that watches a custom metric by its `service` dimension must name a service some function
 * emits with: Powertools takes the dimension from POWERTOOLS_SERVICE_NAME, which only the function construct
 * sets (lib/recostream-function.ts). An alarm on a service no function has watches nothing, forever green.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { METRICS_NAMESPACE, SERVICES } from '../../../lambdas/shared/metric-names';
import { buildApp } from '../../../lib/app-builder';

type Resource = { Type: string; Properties: Record<string, unknown> };
type Dimension = { Name: string; Value: unknown };

/** `service` dimension values of every RecoStream-namespace metric an alarm reads (plain or in a math expression). */
function alarmedServices(resources: Record<string, Resource>): Map<string, string[]> {
  const services = new Map<string, string[]>();
  const visit = (alarmId: string, namespace: unknown, dimensions: unknown) => {
    if (namespace !== METRICS_NAMESPACE || !Array.isArray(dimensions)) return;
    for (const d of dimensions as Dimension[]) {
      if (d.Name !== 'service' || typeof d.Value !== 'string') continue;
      services.set(d.Value, [...(services.get(d.Value) ?? []), alarmId]);
    }
  };
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::CloudWatch::Alarm') continue;
    visit(id, r.Properties.Namespace, r.Properties.Dimensions);
    for (const m of (r.Properties.Metrics ?? []) as Array<{
      MetricStat?: { Metric: Record<string, unknown> };
    }>)
      if (m.MetricStat) visit(id, m.MetricStat.Metric.Namespace, m.MetricStat.Metric.Dimensions);
  }
  return services;
}

describe('service names', () => {
  const { stack } = buildApp({}, { skipBundling: true, validate: false });
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
  const functionServices = new Set(
    Object.values(resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map(
        (r) =>
          (r.Properties.Environment as { Variables?: Record<string, string> } | undefined)?.Variables
            ?.POWERTOOLS_SERVICE_NAME,
      )
      .filter((s): s is string => s !== undefined),
  );

  it('the recommendation metrics of the dashboard name the service of the recommendation function', () => {
    expect(functionServices).toContain(SERVICES.recommend);
  });

  it('every alarmed service dimension is the POWERTOOLS_SERVICE_NAME of a function', () => {
    const alarmed = alarmedServices(resources);
    expect(alarmed.size).toBeGreaterThan(0);
    const orphans = [...alarmed].filter(([service]) => !functionServices.has(service));
    expect(orphans).toEqual([]);
  });
});

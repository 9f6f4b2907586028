import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';
import { instrumented } from '../../../lambdas/shared/observability';

const context = { functionName: 'f', awsRequestId: 'r-1' } as unknown as Context;

function setup() {
  const emitted: string[] = [];
  const warnings: string[] = [];
  const sink = {
    log: (text: string) => emitted.push(text),
    warn: (...args: unknown[]) => warnings.push(args.map(String).join(' ')),
  };
  const metrics = new Metrics({ namespace: 'Test', serviceName: 'svc', logger: sink as never });
  // Powertools writes EMF with its own console; capture it.
  (metrics as unknown as { console: typeof sink }).console = sink;
  const logger = new Logger({ serviceName: 'svc', logLevel: 'ERROR' });
  const tracer = new Tracer({ serviceName: 'svc', enabled: false });
  return { metrics, logger, tracer, emitted, warnings };
}

describe('instrumented', () => {
  it('flushes the metrics an invocation recorded, once, even when the handler throws', async () => {
    const { metrics, logger, tracer, emitted } = setup();
    const ok = instrumented({ metrics, logger, tracer }, async () => {
      metrics.addMetric('Things', MetricUnit.Count, 2);
      return 'done';
    });
    await expect(ok({}, context)).resolves.toBe('done');
    const failing = instrumented({ metrics, logger, tracer }, async () => {
      metrics.addMetric('Things', MetricUnit.Count, 1);
      throw new Error('boom');
    });
    await expect(failing({}, context)).rejects.toThrow('boom');
    expect(emitted.map((line) => JSON.parse(line).Things)).toEqual([2, 1]);
  });

  it('publishes nothing and warns about nothing when the invocation recorded no metric', async () => {
    const { metrics, logger, tracer, emitted, warnings } = setup();
    await instrumented({ metrics, logger, tracer }, async () => 'quiet')({}, context);
    expect(emitted).toEqual([]);
    expect(warnings).toEqual([]);
  });
});

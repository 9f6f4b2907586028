/**
 * The Middy chain every handler uses (`middy(fn).use(observability(tools))`): Powertools' own middlewares
 * flush the metrics an invocation recorded once, also when the handler throws, put the Lambda context on
 * every log line, and take the service name from POWERTOOLS_SERVICE_NAME (which only the function construct
 * sets), never from the code.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { observability, powertools } from '../../../lambdas/shared/observability';
import { captureStdoutLines } from '../../support/stdout-lines';

const context = {
  functionName: 'fn',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:fn',
  memoryLimitInMB: '256',
  awsRequestId: 'req-1',
} as Context;

/** The lines a Powertools instance wrote to its console (stdout), parsed. */
const capture = captureStdoutLines;

describe('observability (Powertools middlewares on a middy chain)', () => {
  const saved = { ...process.env };
  beforeEach(() => {
    process.env.POWERTOOLS_SERVICE_NAME = 'from-construct';
    process.env.POWERTOOLS_METRICS_NAMESPACE = 'Test';
    process.env.POWERTOOLS_TRACE_ENABLED = 'false';
    process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  it('flushes the metrics of each invocation once, also when the handler throws', async () => {
    const tools = powertools();
    let fail = false;
    const handler = middy(async () => {
      tools.metrics.addMetric('Things', MetricUnit.Count, fail ? 1 : 2);
      if (fail) throw new Error('boom');
      return 'done';
    }).use(observability(tools));
    const out = capture();
    try {
      await expect(handler({}, context)).resolves.toBe('done');
      fail = true;
      await expect(handler({}, context)).rejects.toThrow('boom');
    } finally {
      out.restore();
    }
    const emf = out.lines.filter((l) => l._aws !== undefined);
    expect(emf.map((l) => l.Things)).toEqual([2, 1]);
    expect(emf.map((l) => l.service)).toEqual(['from-construct', 'from-construct']);
  });

  it('puts the Lambda context and the service name on every log line', async () => {
    const tools = powertools();
    const handler = middy(async () => {
      tools.logger.info('working');
      tools.metrics.addMetric('Things', MetricUnit.Count, 1);
    }).use(observability(tools));
    const out = capture();
    try {
      await handler({}, context);
    } finally {
      out.restore();
    }
    const line = out.lines.find((l) => l.message === 'working');
    expect(line).toMatchObject({
      service: 'from-construct',
      function_request_id: 'req-1',
      function_name: 'fn',
    });
  });

  it.each([
    [true, [1]],
    [false, []],
  ])(
    'emits the ColdStart metric only when asked to (captureColdStartMetric: %s)',
    async (asked, expected) => {
      const tools = powertools();
      const handler = middy(async () => {
        tools.metrics.addMetric('Things', MetricUnit.Count, 1);
      }).use(observability(tools, { captureColdStartMetric: asked }));
      const out = capture();
      try {
        await handler({}, context);
        await handler({}, context);
      } finally {
        out.restore();
      }
      expect(out.lines.filter((l) => l.ColdStart !== undefined).map((l) => l.ColdStart)).toEqual(expected);
    },
  );
});

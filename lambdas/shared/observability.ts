/**
 * The Powertools instances of a function and the Middy middlewares that wire them, in the order every
 * handler uses: `middy(handler).use(observability(tools))`. The tracer's handler segment opens first and
 * closes last (it covers the other middlewares' work), the logger adds the Lambda context to every line and
 * clears per-invocation keys, and the metrics are flushed once per invocation, also when the handler throws.
 *
 * The service name and the metrics namespace come from the environment the function construct sets
 * (`POWERTOOLS_SERVICE_NAME`, `POWERTOOLS_METRICS_NAMESPACE`: lib/recostream-function.ts), never from here.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { MiddlewareObj } from '@middy/core';

export interface Powertools {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracer: Tracer;
}

/** One logger, metrics buffer and tracer for the function; create them once, at module scope. */
export function powertools(): Powertools {
  const logger = new Logger();
  // Powertools' own warnings (e.g. an invocation that recorded no metric) go out as structured log lines.
  const metrics = new Metrics({ logger });
  return { logger, metrics, tracer: new Tracer() };
}

export interface ObservabilityOptions {
  /**
   * Emit Powertools' `ColdStart` metric on the first invocation of each execution environment.
   * @default false
   */
  readonly captureColdStartMetric?: boolean;
}

/** Powertools' Middy middlewares for `middy(handler).use(observability(tools))`. */
export function observability(
  { logger, metrics, tracer }: Powertools,
  options: ObservabilityOptions = {},
): MiddlewareObj[] {
  return [
    captureLambdaHandler(tracer),
    injectLambdaContext(logger, { resetKeys: true }),
    logMetrics(metrics, { captureColdStartMetric: options.captureColdStartMetric ?? false }),
  ];
}

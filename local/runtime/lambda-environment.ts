/**
 * The variables every local function gets on top of its own template environment: the local region and
 * credentials, and each emulated service's endpoint (the SDK clients in `lambdas/` read AWS_ENDPOINT_URL_*, so
 * no handler knows it runs locally).
 */
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../topology';
import type { ServiceEndpoints } from './runtime';

export function lambdaEnvironment(
  endpoints: ServiceEndpoints & { s3: string; sqs: string },
): Record<string, string> {
  const passThrough = Object.fromEntries(
    Object.entries(process.env).filter(
      (e): e is [string, string] => e[1] !== undefined && !e[0].startsWith('AWS_'),
    ),
  );
  return {
    ...passThrough,
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_KINESIS: endpoints.kinesis,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    NODE_NO_WARNINGS: '1',
  };
}

/**
 * Fault injection for the local runtime: what AWS does on a bad day, without an AWS account. DynamoDB
 * throttling a share of the writes, Kinesis failing part of a `PutRecords` call, and calls that never
 * return (so a test can kill the process at a known point). Two small proxies sit between the functions
 * and the emulators (`startLocalRuntime({ functionEndpoints })`); the handlers in lambdas/ know nothing
 * of them and see exactly the answers the services send. `npm run test:faults` drives traffic through
 * them (test/faults/).
 */
import type { ServiceEndpoints } from '../runtime/runtime';
import { startAwsJsonProxy } from './aws-json-proxy';
import type { FaultInjector } from './fault-plan';

export type { AwsJsonCall, AwsJsonMiddleware, AwsJsonResponse } from './aws-json-proxy';
export { awsJsonError, startAwsJsonProxy } from './aws-json-proxy';
export { FaultInjector, type FaultPlan, type FaultStats } from './fault-plan';

export interface FaultProxies extends ServiceEndpoints {
  close(): Promise<void>;
}

/** A proxy in front of each emulator, both running `injector`'s current plan. */
export async function startFaultProxies(
  emulators: ServiceEndpoints,
  injector: FaultInjector,
): Promise<FaultProxies> {
  const [kinesis, dynamodb] = await Promise.all([
    startAwsJsonProxy({ upstream: emulators.kinesis, middlewares: [injector.kinesis] }),
    startAwsJsonProxy({ upstream: emulators.dynamodb, middlewares: [injector.dynamo] }),
  ]);
  return {
    kinesis: kinesis.endpoint,
    dynamodb: dynamodb.endpoint,
    close: async () => {
      await Promise.all([kinesis.close(), dynamodb.close()]);
    },
  };
}

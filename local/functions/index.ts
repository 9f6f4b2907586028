/**
 * Functions: AWS Lambda. Each function of the template is bundled with esbuild as `NodejsFunction` bundles it
 * for `cdk deploy`, and run in worker threads that act as warm execution environments (one invocation at a
 * time each, the function's own environment and timeout, more added on demand up to a concurrency limit).
 * Everything else in the runtime calls functions through the `Invoke` type of ../topology.
 */
export { FunctionError, FunctionHost, type FunctionHostOptions } from './function-host';

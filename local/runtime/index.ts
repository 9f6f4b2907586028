/**
 * Runtime: the whole deployed stack on one machine, as CloudFormation would create it and CloudWatch would
 * watch it. `startLocalRuntime` synthesises the CDK app, reads the topology from the template, starts the
 * emulators, provisions the streams and tables, and runs the functions behind the local gateway, event source
 * mappings, Firehose delivery and batch jobs; `GET /local/health` stands in for the CloudWatch dashboard, the
 * canary timer for the freshness canary's EventBridge rule, and a key file for the pseudonym key secret in
 * Secrets Manager. While it runs, `runtime.json` (runtime-file.ts) tells the other commands where it is.
 */
export { startLocalCanary } from './canary';
export { computeHealth, LOCAL_HEALTH_VERSION, type LocalHealth } from './health';
export { ensureLocalPseudonymKey, localPseudonymEnvironment, usesPseudonymKey } from './pseudonym-key';
export {
  type LocalRuntime,
  type LocalRuntimeOptions,
  type ServiceEndpoints,
  startLocalRuntime,
} from './runtime';
export {
  type RuntimeFile,
  RuntimeFileSchema,
  readRuntimeFile,
  removeRuntimeFile,
  runtimeFilePath,
  writeRuntimeFile,
} from './runtime-file';

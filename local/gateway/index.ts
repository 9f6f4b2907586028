/**
 * Gateway: API Gateway's REST API with Lambda proxy integrations (payload v1) and a Lambda REQUEST/TOKEN
 * authorizer, on node:http. Routes come from the template; a request is matched (routing.ts), authorized with
 * API Gateway's result cache (authorizer-cache.ts) and policy evaluation (policy.ts), turned into the proxy
 * event and the function's result back into HTTP (event-mapping.ts), with API Gateway's error answers
 * (errors.ts). The same port serves the console and the runtime's own `/local/…` endpoints behind a guard
 * against other web pages (request-guard.ts), and the API's latency percentiles stand in for its CloudWatch
 * Latency metric (api-latency.ts).
 */
export { ApiLatencyRecorder } from './api-latency';
export { crossSiteRefusal, isLoopbackHost, localRequestRefusal } from './request-guard';
export { compileRoutes, matchRoute } from './routing';
export {
  DEFAULT_INTEGRATION_TIMEOUT_MS,
  type HttpGateway,
  type HttpGatewayOptions,
  MAX_PAYLOAD_BYTES,
  startHttpGateway,
} from './server';

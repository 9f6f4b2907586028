/**
 * The Powertools environment the function construct (lib/recostream-function.ts) gives every Lambda, for tests
 * that load a handler module as Lambda does. Import it before the handler module: Powertools reads these
 * variables when the module creates its logger and metrics, and the code itself names no service or namespace.
 */
import { METRICS_NAMESPACE } from '../../lambdas/shared/metric-names';

process.env.POWERTOOLS_METRICS_NAMESPACE = METRICS_NAMESPACE;
process.env.POWERTOOLS_SERVICE_NAME ??= 'function-under-test';

/**
 * The Lambda authorizer in front of a route, with API Gateway's result cache: the identity headers must be
 * present (else 401 without invoking), `Unauthorized` thrown is a 401 and any other failure a 500, and the
 * answer is cached per identity-header values for the authorizer's TTL, the cached policy being evaluated
 * again for each new method ARN, exactly as API Gateway does.
 */
import type { IncomingMessage } from 'node:http';
import type {
  APIGatewayAuthorizerResultContext,
  APIGatewayEventRequestContextWithAuthorizer,
  APIGatewayRequestAuthorizerEvent,
  APIGatewayTokenAuthorizerEvent,
} from 'aws-lambda';
import type { Invoke, LocalAuthorizer } from '../topology';
import { ACCESS_DENIED, AUTHORIZER_FAILURE, type ErrorReply, UNAUTHORIZED } from './errors';
import { evaluatePolicy } from './policy';

/** Bound on cached authorizer answers; the oldest entry goes first when it is reached. */
const AUTHORIZER_CACHE_MAX_ENTRIES = 10_000;

/** `requestContext.authorizer` of the proxy event: the authorizer's context, principalId, integrationLatency. */
export type AuthorizerContext = Record<string, string | number>;

interface AuthorizerAnswer {
  readonly principalId: string;
  readonly policyDocument: unknown;
  /** Context as the integration sees it: values stringified, as API Gateway does for REST APIs. */
  readonly context: Readonly<Record<string, string>>;
}

export class AuthorizerCache {
  private readonly entries = new Map<string, { expiresAt: number; answer: AuthorizerAnswer }>();

  get(key: string, now: number): AuthorizerAnswer | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > now) return entry.answer;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, answer: AuthorizerAnswer, expiresAt: number): void {
    if (this.entries.size >= AUTHORIZER_CACHE_MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.delete(key);
    this.entries.set(key, { expiresAt, answer });
  }
}

/** Why an authorizer result is unusable, or undefined when it is fine. */
function authorizerAnswerFrom(result: unknown): AuthorizerAnswer | string {
  if (!result || typeof result !== 'object') return 'authorizer returned no object';
  const r = result as { principalId?: unknown; policyDocument?: unknown; context?: unknown };
  if (typeof r.principalId !== 'string' && typeof r.principalId !== 'number') return 'principalId is missing';
  if (!r.policyDocument || typeof r.policyDocument !== 'object') return 'policyDocument is missing';
  const context: Record<string, string> = {};
  if (r.context !== undefined && r.context !== null) {
    if (typeof r.context !== 'object' || Array.isArray(r.context)) return 'context must be an object';
    for (const [key, value] of Object.entries(r.context as APIGatewayAuthorizerResultContext)) {
      if (value === undefined || value === null) continue;
      if (typeof value === 'object') return `context.${key} must be a string, number or boolean`;
      context[key] = String(value);
    }
  }
  return { principalId: String(r.principalId), policyDocument: r.policyDocument, context };
}

export interface AuthorizeDeps {
  readonly invoke: Invoke;
  readonly logError: (message: string, error?: unknown) => void;
}

/** The gateway's authorize step: one cache per gateway. */
export function createAuthorize(deps: AuthorizeDeps) {
  const { invoke, logError } = deps;
  const authorizerCache = new AuthorizerCache();
  return async (
    authorizer: LocalAuthorizer,
    methodArn: string,
    req: IncomingMessage,
    request: Omit<
      APIGatewayRequestAuthorizerEvent,
      'type' | 'methodArn' | 'stageVariables' | 'requestContext' | 'pathParameters'
    > & {
      pathParameters: Record<string, string> | null;
      requestContext: APIGatewayEventRequestContextWithAuthorizer<unknown>;
    },
  ): Promise<{ ok: true; context: AuthorizerContext } | { ok: false; error: ErrorReply }> => {
    const identity: string[] = [];
    for (const name of authorizer.identityHeaders) {
      const value = req.headers[name];
      const text = Array.isArray(value) ? value.join(',') : value;
      if (!text) return { ok: false, error: UNAUTHORIZED };
      identity.push(text);
    }
    const ttlMs = authorizer.resultTtlSeconds * 1000;
    const cacheKey = ttlMs > 0 ? `${authorizer.logicalId}\u0000${identity.join('\u0000')}` : undefined;
    const started = Date.now();
    let answer = cacheKey === undefined ? undefined : authorizerCache.get(cacheKey, started);
    let latency = 0;
    if (!answer) {
      const event: APIGatewayRequestAuthorizerEvent | APIGatewayTokenAuthorizerEvent =
        authorizer.type === 'TOKEN'
          ? { type: 'TOKEN', methodArn, authorizationToken: identity[0] ?? '' }
          : {
              type: 'REQUEST',
              methodArn,
              resource: request.resource,
              path: request.path,
              httpMethod: request.httpMethod,
              headers: request.headers ?? {},
              multiValueHeaders: request.multiValueHeaders ?? {},
              queryStringParameters: request.queryStringParameters ?? {},
              multiValueQueryStringParameters: request.multiValueQueryStringParameters ?? {},
              pathParameters: request.pathParameters ?? {},
              stageVariables: {},
              requestContext: { ...request.requestContext, authorizer: undefined },
            };
      let result: unknown;
      try {
        // No integration timeout here: API Gateway applies it to integrations, not to the authorizer, which
        // its function's own timeout bounds (the function host enforces it, as Lambda does). A cold start's
        // init is therefore never cut short by the gateway (the CI run of 5870184 lost a request that way).
        result = await invoke(authorizer.functionId, event);
      } catch (error) {
        const message = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
        if (message === 'Unauthorized') return { ok: false, error: UNAUTHORIZED };
        logError(`[http-gateway] authorizer ${authorizer.functionId} failed for ${methodArn}`, error);
        return { ok: false, error: AUTHORIZER_FAILURE };
      }
      const parsed = authorizerAnswerFrom(result);
      if (typeof parsed === 'string') {
        logError(`[http-gateway] authorizer ${authorizer.functionId} returned an invalid result: ${parsed}`);
        return { ok: false, error: AUTHORIZER_FAILURE };
      }
      answer = parsed;
      latency = Date.now() - started;
      if (cacheKey !== undefined) authorizerCache.set(cacheKey, answer, started + ttlMs);
    }
    if (evaluatePolicy(answer.policyDocument, methodArn) !== 'Allow')
      return { ok: false, error: ACCESS_DENIED };
    return {
      ok: true,
      context: { ...answer.context, principalId: answer.principalId, integrationLatency: latency },
    };
  };
}

/**
 * Lambda REQUEST authorizer for the ingest API: Segment-style write keys in `Authorization: Basic`.
 * The same code guards the admin and catalogue routes, with the key roles each accepts (ACCEPTED_ROLES).
 *
 * - missing or garbled header -> throw 'Unauthorized' (API Gateway answers 401)
 * - unknown or disabled key   -> Deny policy (403)
 * - known key                 -> Allow on every method of the stage (the answer is cached per key for all
 *                                routes), principalId = key name, context { writeKeyName }
 * - store failure             -> any other error (API Gateway answers 500 and caches nothing), so a
 *                                DynamoDB hiccup never gets cached as a Deny.
 *
 * Neither the key nor the header is ever logged; a known key is identified by its name, an unknown one by
 * the first 12 hex digits of its hash (useless to an attacker, enough to match a support ticket).
 */

import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { dynamoDocumentClient } from '../shared/aws-clients';
import { requireEnv } from '../shared/env';
import { observability, powertools } from '../shared/observability';
import { buildPolicy } from './policy';
import { DynamoWriteKeyStore, type WriteKeyStore } from './write-key-store';
import { hashWriteKey, type KeyRole, parseBasicAuthorization, parseKeyRoles } from './write-keys';

/** The literal API Gateway maps to a 401 response. Any other thrown message becomes a 500. */
export const UNAUTHORIZED = 'Unauthorized';

export interface AuthorizerDeps {
  readonly store: WriteKeyStore;
  readonly logger?: Logger;
  /** Called with the decision, for metrics; never receives the key. */
  readonly onDecision?: (
    decision: 'allow' | 'deny_unknown' | 'deny_disabled' | 'deny_role' | 'unauthorized',
  ) => void;
  /**
   * Roles a key must have one of (env ACCEPTED_ROLES: the ingest authorizer `write,admin`, the admin
   * authorizer `admin`, the catalogue authorizer `admin,catalog`); undefined accepts every enabled key.
   */
  readonly acceptedRoles?: readonly KeyRole[];
}

export type AuthorizerHandler = (
  event: APIGatewayRequestAuthorizerEvent,
  context?: Context,
) => Promise<APIGatewayAuthorizerResult>;

export function createAuthorizerHandler(deps: AuthorizerDeps): AuthorizerHandler {
  const logger = deps.logger ?? new Logger();
  const decide = deps.onDecision ?? (() => {});

  return async (event) => {
    const parsed = parseBasicAuthorization(headerValue(event.headers, 'authorization'));
    if (!parsed.ok) {
      logger.info('request not authorized', { reason: parsed.reason });
      decide('unauthorized');
      throw new Error(UNAUTHORIZED);
    }

    const keyHash = hashWriteKey(parsed.writeKey);
    const record = await deps.store.get(keyHash);
    if (!record) {
      logger.info('unknown write key', { keyHashPrefix: keyHash.slice(0, 12) });
      decide('deny_unknown');
      return buildPolicy('unknown-write-key', 'Deny', event.methodArn);
    }
    if (record.disabled) {
      logger.info('disabled write key', { writeKeyName: record.name });
      decide('deny_disabled');
      return buildPolicy(record.name, 'Deny', event.methodArn);
    }
    if (deps.acceptedRoles !== undefined && !deps.acceptedRoles.includes(record.role ?? 'write')) {
      logger.info('write key lacks the required role', {
        writeKeyName: record.name,
        acceptedRoles: deps.acceptedRoles,
      });
      decide('deny_role');
      return buildPolicy(record.name, 'Deny', event.methodArn);
    }
    logger.debug('write key allowed', { writeKeyName: record.name });
    decide('allow');
    return buildPolicy(record.name, 'Allow', event.methodArn, { writeKeyName: record.name });
  };
}

/** Header names are case-insensitive; REQUEST authorizer events keep the client's spelling. */
function headerValue(headers: APIGatewayRequestAuthorizerEvent['headers'], name: string): string | undefined {
  if (!headers) return undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name && value !== undefined) return value;
  }
  return undefined;
}

const tools = powertools();
const { logger, metrics, tracer } = tools;

let authorize: AuthorizerHandler | undefined;

/** Built on the first invocation so that importing this module (tests, local runtime) needs no env. */
function authorizerFromEnv(): AuthorizerHandler {
  authorize ??= createAuthorizerHandler({
    store: new DynamoWriteKeyStore(
      requireEnv('WRITE_KEYS_TABLE_NAME'),
      tracer.captureAWSv3Client(dynamoDocumentClient()),
    ),
    logger,
    // The ingest, admin and catalogue authorizers are this same code with different ACCEPTED_ROLES.
    acceptedRoles: process.env.ACCEPTED_ROLES ? parseKeyRoles(process.env.ACCEPTED_ROLES) : undefined,
    // One decision per invocation, so a request-scoped dimension (cleared on publish) is enough.
    onDecision: (decision) => {
      metrics.addDimension('decision', decision);
      metrics.addMetric('AuthorizerDecisions', MetricUnit.Count, 1);
    },
  });
  return authorize;
}

async function authorizeRequest(
  event: APIGatewayRequestAuthorizerEvent,
  context: Context,
): Promise<APIGatewayAuthorizerResult> {
  try {
    return await authorizerFromEnv()(event, context);
  } catch (error) {
    if (!(error instanceof Error && error.message === UNAUTHORIZED)) {
      // Store errors carry table names and key hashes at most, never the key.
      logger.error('authorizer failed', error as Error);
    }
    throw error;
  }
}

export const handler = middy(authorizeRequest).use(observability(tools, { captureColdStartMetric: true }));

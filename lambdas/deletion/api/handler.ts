/**
 * DELETE /v1/users/{userId} (admin authorizer): deletes the profile now, records the deletion request
 * and answers 202 with what was deleted and when the lake rows will be gone.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { dynamoDocumentClient } from '../../shared/aws-clients';
import { requireEnv } from '../../shared/env';
import { observability, powertools } from '../../shared/observability';
import {
  type DeletionRequestStore,
  InvalidUserIdError,
  type ProfileEraser,
  requestUserDeletion,
} from '../deletion-request';
import { DynamoDeletionRequestStore, DynamoProfileEraser } from '../dynamo-deletion-store';

export function createDeleteUserHandler(deps: {
  readonly profiles: ProfileEraser;
  readonly requests: DeletionRequestStore;
  readonly logger: Logger;
  readonly now?: () => Date;
}): (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult> {
  return async (event) => {
    const requestedBy = event.requestContext?.authorizer?.writeKeyName;
    // The admin authorizer always sets it; without it the method is misconfigured, so refuse.
    if (typeof requestedBy !== 'string' || requestedBy === '')
      return json(403, { error: 'admin_required', message: 'an admin key is required' });
    try {
      const request = await requestUserDeletion(deps, {
        userId: event.pathParameters?.userId,
        requestedBy,
        now: (deps.now ?? (() => new Date()))(),
      });
      deps.logger.info('user deletion requested', {
        requestId: request.requestId,
        userIdHash: request.userIdHash,
        requestedBy,
      });
      return json(202, {
        requestId: request.requestId,
        userIdHash: request.userIdHash,
        profileExisted: request.profileExisted,
        stores: request.stores,
        lakeDeadline: request.lakeDeadline,
      });
    } catch (error) {
      if (error instanceof InvalidUserIdError)
        return json(400, { error: 'invalid_user_id', message: error.message });
      throw error;
    }
  };
}

function json(statusCode: number, body: unknown): APIGatewayProxyResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

const tools = powertools();
let deleteUser: ReturnType<typeof createDeleteUserHandler> | undefined;

async function deleteUserRequest(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  deleteUser ??= createDeleteUserHandler({
    profiles: new DynamoProfileEraser(dynamoDocumentClient(), requireEnv('PROFILES_TABLE_NAME')),
    requests: new DynamoDeletionRequestStore(
      dynamoDocumentClient(),
      requireEnv('DELETION_REQUESTS_TABLE_NAME'),
    ),
    logger: tools.logger,
  });
  return deleteUser(event);
}

export const handler = middy(deleteUserRequest).use(observability(tools));

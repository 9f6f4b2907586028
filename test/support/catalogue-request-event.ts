/** The API Gateway proxy event of a `PUT /v1/items` the catalogue authorizer let through (key name `pim`). */
import type { APIGatewayProxyEvent } from 'aws-lambda';

export const putItemsEvent = (
  body: string,
  contentType = 'application/json',
  requestId = 'req-1',
): APIGatewayProxyEvent =>
  ({
    httpMethod: 'PUT',
    resource: '/v1/items',
    path: '/v1/items',
    headers: { 'content-type': contentType },
    body,
    isBase64Encoded: false,
    requestContext: { requestId, authorizer: { writeKeyName: 'pim' } },
  }) as unknown as APIGatewayProxyEvent;

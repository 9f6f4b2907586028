/**
 * How the gateway answers when it cannot pass a request on or a function fails: API Gateway's status codes,
 * `x-amzn-ErrorType` names and messages, and the integration timeout.
 */
import type { ServerResponse } from 'node:http';

export interface ErrorReply {
  readonly status: number;
  readonly type: string;
  readonly message: string | null;
}

export const NOT_FOUND: ErrorReply = { status: 404, type: 'NotFoundException', message: 'Not Found' };
export const UNAUTHORIZED: ErrorReply = {
  status: 401,
  type: 'UnauthorizedException',
  message: 'Unauthorized',
};
export const ACCESS_DENIED: ErrorReply = {
  status: 403,
  type: 'AccessDeniedException',
  message: 'User is not authorized to access this resource',
};
export const FORBIDDEN: ErrorReply = { status: 403, type: 'ForbiddenException', message: 'Forbidden' };
export const AUTHORIZER_FAILURE: ErrorReply = {
  status: 500,
  type: 'AuthorizerConfigurationException',
  message: null,
};
export const TOO_LARGE: ErrorReply = {
  status: 413,
  type: 'RequestEntityTooLargeException',
  message: 'Request Too Long',
};
export const BAD_GATEWAY: ErrorReply = {
  status: 502,
  type: 'InternalServerErrorException',
  message: 'Internal server error',
};
export const TIMEOUT: ErrorReply = {
  status: 504,
  type: 'IntegrationTimeoutException',
  message: 'Endpoint request timed out',
};
export const INTERNAL: ErrorReply = {
  status: 500,
  type: 'InternalServerErrorException',
  message: 'Internal server error',
};

export const TIMED_OUT = Symbol('timed out');

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  if (!(ms > 0) || !Number.isFinite(ms)) return promise;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(TIMED_OUT), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

export function sendError(res: ServerResponse, requestId: string, error: ErrorReply): void {
  sendJson(res, requestId, error.status, { message: error.message }, ['x-amzn-ErrorType', error.type]);
}

export function sendJson(
  res: ServerResponse,
  requestId: string,
  status: number,
  payload: object,
  extra: string[],
): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, [
    'Content-Type',
    'application/json',
    'Content-Length',
    String(Buffer.byteLength(body)),
    'x-amzn-RequestId',
    requestId,
    ...extra,
  ]);
  res.end(body);
}

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

function reply(status: number, type: string, message: string | null): ErrorReply {
  return { status, type, message };
}

/** API Gateway answers an integration failure and its own internal error alike. */
const INTERNAL_SERVER_ERROR = ['InternalServerErrorException', 'Internal server error'] as const;

export const NOT_FOUND = reply(404, 'NotFoundException', 'Not Found');
export const UNAUTHORIZED = reply(401, 'UnauthorizedException', 'Unauthorized');
export const ACCESS_DENIED = reply(
  403,
  'AccessDeniedException',
  'User is not authorized to access this resource',
);
export const FORBIDDEN = reply(403, 'ForbiddenException', 'Forbidden');
export const AUTHORIZER_FAILURE = reply(500, 'AuthorizerConfigurationException', null);
export const TOO_LARGE = reply(413, 'RequestEntityTooLargeException', 'Request Too Long');
export const BAD_GATEWAY = reply(502, ...INTERNAL_SERVER_ERROR);
export const TIMEOUT = reply(504, 'IntegrationTimeoutException', 'Endpoint request timed out');
export const INTERNAL = reply(500, ...INTERNAL_SERVER_ERROR);

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

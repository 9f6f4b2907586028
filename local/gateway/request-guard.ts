/**
 * The guard in front of the local runtime's own endpoints (the console's `/local/…` and `/local/jobs/<job>/runs`):
 * they hand out keys and change state, and the gateway on 127.0.0.1 is reachable from any web page the
 * developer opens. A request is refused when its Host is not a loopback name (a page elsewhere reaching us by
 * DNS rebinding), or when it is a POST that is not `Content-Type: application/json` (a cross-site form or
 * no-cors fetch cannot send that without a CORS preflight, which is never granted) or whose `Origin` /
 * `Sec-Fetch-Site` says it comes from another origin.
 */
import type { IncomingMessage } from 'node:http';

export interface Refusal {
  readonly status: number;
  readonly error: string;
}

/** Why the runtime's own endpoints must not answer this request, or undefined when they may. */
export function localRequestRefusal(req: IncomingMessage): Refusal | undefined {
  if (!isLoopbackHost(req.headers.host))
    return {
      status: 403,
      error: `the console answers on 127.0.0.1 or localhost only, not ${req.headers.host}`,
    };
  return req.method === 'POST' ? crossSiteRefusal(req) : undefined;
}

/**
 * Why a state-changing request may not come from where it comes from, or undefined when it may: the body must
 * be typed JSON, and a browser's `Sec-Fetch-Site` and `Origin` must name this console's own origin. Clients
 * that send neither header (curl, the CLI, tests) are not web pages, so nothing is refused for their absence.
 */
export function crossSiteRefusal(req: IncomingMessage): Refusal | undefined {
  const type = req.headers['content-type'] ?? '';
  if (type.split(';')[0]?.trim().toLowerCase() !== 'application/json')
    return {
      status: 415,
      error: `send the body as Content-Type: application/json, not ${type === '' ? 'no content type' : type}`,
    };
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin')
    return { status: 403, error: `cross-origin request refused: Sec-Fetch-Site is ${site}` };
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${req.headers.host}`)
    return { status: 403, error: `cross-origin request refused: Origin ${origin} is not this console` };
  return undefined;
}

/** `127.0.0.1:3000`, `localhost:3000`, `[::1]:3000` (or without a port). */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  return name === '127.0.0.1' || name === 'localhost' || name === '[::1]';
}

/**
 * The ingest API's routes: one table that the API construct (lib/ingestion.ts), the WAF rules
 * (lib/api-waf.ts), the handler and the quarantine replay all read. Every route is `POST /v1/<route>`:
 * `events` is our API; `batch` and the Segment calls are Segment's HTTP Tracking API, so a Segment
 * library pointed at this API works unchanged.
 */
import { SEGMENT_CALLS } from '../shared/events';

export const INGEST_ROUTES = ['events', 'batch', ...SEGMENT_CALLS] as const;
export type IngestRoute = (typeof INGEST_ROUTES)[number];

/** The path segment every route sits under. */
export const INGEST_API_VERSION = 'v1';

export function routePath(route: IngestRoute): string {
  return `/${INGEST_API_VERSION}/${route}`;
}

/**
 * The route for an API Gateway resource (`/v1/events`) or request path. A path may carry a base-path or
 * stage prefix (`/prod/v1/events`) and a trailing slash; both are ignored.
 */
export function routeFromPath(path: string | null | undefined): IngestRoute | undefined {
  if (!path) return undefined;
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  return INGEST_ROUTES.find((route) => {
    const text = routePath(route);
    return trimmed === text || trimmed.endsWith(text);
  });
}

export function isSegmentRoute(route: IngestRoute): route is Exclude<IngestRoute, 'events'> {
  return route !== 'events';
}

/** Calls to the local gateway: the public APIs with their keys, and the console's own /local endpoints. */

export interface ConsoleConfig {
  readonly writeKey: string;
  readonly apiKey: string | null;
  readonly features: {
    readonly ingest: boolean;
    readonly recommendations: boolean;
    readonly similar: boolean;
    readonly trending: boolean;
    readonly rollback: boolean;
    readonly query: boolean;
  };
  /** Batch jobs whose runs `GET /local/jobs/<job>/runs` lists. */
  readonly jobs: readonly string[];
}

export interface CatalogueItem {
  readonly id: string;
  readonly category: string;
  readonly price: number;
  readonly popularityRank: number;
}

export interface Catalogue {
  readonly source: string;
  readonly categories: readonly string[];
  readonly items: readonly CatalogueItem[];
  readonly users: ReadonlyArray<{
    readonly id: string;
    readonly preferredCategories: ReadonlyArray<{ readonly category: string; readonly weight: number }>;
  }>;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export async function requestJson<T>(path: string, init: RequestInit = {}, timeoutMs = 15_000): Promise<T> {
  const response = await fetch(path, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = text;
  }
  if (!response.ok) {
    const b = body as { error?: unknown; message?: unknown } | undefined;
    const detail = typeof b?.error === 'string' ? b.error : typeof b?.message === 'string' ? b.message : text;
    throw new ApiError(
      response.status,
      `${init.method ?? 'GET'} ${path}: ${response.status} ${detail}`,
      body,
    );
  }
  return body as T;
}

export function postJson<T>(
  path: string,
  payload: unknown,
  headers: Record<string, string> = {},
  timeoutMs?: number,
) {
  return requestJson<T>(
    path,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(payload),
    },
    timeoutMs,
  );
}

export interface IngestReply {
  readonly accepted: number;
  readonly rejected: number;
  readonly errors?: ReadonlyArray<{ readonly index: number; readonly message: string }>;
}

/** Sends events through the public ingest API with the local write key (HTTP Basic, Segment style). */
export function sendEvents(
  config: ConsoleConfig,
  events: readonly Record<string, unknown>[],
): Promise<IngestReply> {
  return postJson<IngestReply>(
    '/v1/events',
    { events },
    { authorization: `Basic ${btoa(`${config.writeKey}:`)}` },
  );
}

/** Headers for the recommendation API: its API key once the runtime has one. */
export function apiHeaders(config: ConsoleConfig): Record<string, string> {
  return config.apiKey ? { 'x-api-key': config.apiKey } : {};
}

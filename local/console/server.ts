/**
 * The local console: a web page served by the local API gateway at `/` (same origin as the API), and the
 * local-only endpoints it needs besides the public API and `/local/health`:
 *
 *   GET  /                          the page (bundled by esbuild from console/ at start: no CDN, works offline)
 *   GET  /console/<asset>           its script and stylesheet
 *   GET  /local/config              the local write key and API key, and which API routes exist
 *   GET  /local/api-latency         public API latency percentiles (ingest, recommendations) over the last minute
 *   GET  /local/catalogue           the simulated catalogue and users (the traffic simulator's, same seed)
 *   GET  /local/queries             the named queries of sql/named
 *   POST /local/query               {sql} or {name}: read-only SQL on the local lake (see console-query.ts)
 *   POST /local/jobs/<job>/rollback {toVersion?}: only when the runtime provides a rollback function
 *
 * Handing out keys is acceptable only because the gateway listens on 127.0.0.1; local-request-guard.ts refuses
 * requests whose Host is not a loopback name (DNS rebinding) and POSTs that are not JSON from this origin.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { build } from 'esbuild';
import { DynamoJobRuns } from '../../lambdas/jobs/dynamo-job-runs';
import { rollbackJob } from '../../lambdas/jobs/job-service';
import { JOB_NAMES, type JobName } from '../../lambdas/shared/published';
import { ApiLatencyRecorder } from '../gateway/api-latency';
import { localRequestRefusal } from '../gateway/request-guard';
import type { BucketLocation } from '../lake/bucket-storage';
import { listNamedQueries, loadNamedQuery, UnknownNamedQueryError } from '../lake/query';
import type { LocalRoute, LocalTopology } from '../topology';
import { TrafficSimulator } from '../traffic/simulator';
import { ConsoleQueryRunner, QueryBusyError, QueryRefusedError, QueryTimeoutError } from './query';

export const CONSOLE_SOURCE_DIR = resolve(__dirname, '..', '..', 'console');
const MAX_BODY_BYTES = 64 * 1024;

/** The public API routes the page uses, matched on their templates with any parameter names. */
const API_FEATURES = {
  ingest: 'POST /v1/events',
  recommendations: 'GET /v1/users/{}/recommendations',
  similar: 'GET /v1/items/{}/similar',
  trending: 'GET /v1/items/trending',
} as const;
export type ApiFeature = keyof typeof API_FEATURES;

export interface ConsoleOptions {
  /** Where the bundle is written and served from, e.g. `<dataDir>/console`. */
  readonly buildDir: string;
  readonly routes: readonly LocalRoute[];
  readonly writeKey: string;
  /** The recommendation API key, once the runtime has one. */
  readonly apiKey?: () => string | undefined;
  /** The traffic simulator's seed: the storefront shows the same catalogue and users. */
  readonly simulatorSeed: number;
  /** Undefined when the app has no lake: the query box then says so. */
  readonly lake?: BucketLocation;
  /** Rolls a batch job back; undefined when the app has no batch jobs (the page then shows the CLI command). */
  readonly rollback?: (job: string, toVersion?: string) => Promise<unknown>;
  /** The batch jobs whose runs the page lists (through `GET /local/jobs/<job>/runs`); none by default. */
  readonly jobNames?: () => readonly string[];
  readonly queryTimeoutMs?: number;
  readonly queryRowLimit?: number;
}

export interface ConsoleServer {
  /** For the gateway's `extraHandlers`: true when the request was answered here. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Public API latency percentiles, measured on the requests `handle` saw pass by. */
  readonly apiLatency: ApiLatencyRecorder;
  close(): Promise<void>;
}

/** Bundles console/ (TypeScript, uPlot and its CSS) into `buildDir`: index.html, console.js, console.css. */
export async function buildConsole(buildDir: string): Promise<void> {
  mkdirSync(buildDir, { recursive: true });
  await build({
    entryPoints: { console: join(CONSOLE_SOURCE_DIR, 'src', 'main.ts') },
    bundle: true,
    outdir: buildDir,
    format: 'iife',
    target: 'es2020',
    minify: true,
    sourcemap: 'linked',
    logLevel: 'silent',
    tsconfig: join(CONSOLE_SOURCE_DIR, 'tsconfig.json'),
  });
  writeFileSync(join(buildDir, 'index.html'), readFileSync(join(CONSOLE_SOURCE_DIR, 'index.html')));
}

/**
 * The console's rollback: the batch jobs' own rollbackJob (the `recostream rollback` command's code) on the
 * JobRuns table of the template; undefined when the app has no JobRuns table.
 */
export function localJobRollback(
  topology: LocalTopology,
  dynamo: DynamoDBDocumentClient,
  afterRollback: () => Promise<void>,
): ConsoleOptions['rollback'] {
  const table = [...topology.functions.values()].find((f) => f.environment.JOB_RUNS_TABLE_NAME)?.environment
    .JOB_RUNS_TABLE_NAME;
  if (!table) return undefined;
  const runs = new DynamoJobRuns(table, dynamo);
  return async (job, toVersion) => {
    if (!(JOB_NAMES as readonly string[]).includes(job))
      throw new Error(`unknown job '${job}': one of ${JOB_NAMES.join(', ')}`);
    if (!toVersion) throw new Error('toVersion is required: the published version to make active again');
    const outcome = await rollbackJob(runs, job as JobName, toVersion, new Date());
    await afterRollback();
    return outcome;
  };
}

export function routeFeatures(routes: readonly LocalRoute[]): Record<ApiFeature, boolean> {
  const present = new Set(
    routes.map((r) => `${r.method.toUpperCase()} ${r.path.replace(/\{[^}]*\}/g, '{}').replace(/\/$/, '')}`),
  );
  return Object.fromEntries(
    Object.entries(API_FEATURES).map(([feature, route]) => [feature, present.has(route)]),
  ) as Record<ApiFeature, boolean>;
}

const ASSETS: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
  'console.js.map': 'application/json',
  'console.css.map': 'application/json',
};

export function createConsoleServer(options: ConsoleOptions): ConsoleServer {
  const queries = options.lake
    ? new ConsoleQueryRunner({
        lake: options.lake,
        timeoutMs: options.queryTimeoutMs,
        rowLimit: options.queryRowLimit,
      })
    : undefined;
  let catalogue: string | undefined;
  const features = routeFeatures(options.routes);

  const catalogueJson = (): string => {
    // Built on first use: the same seed gives the same catalogue and users as the traffic driver's.
    if (catalogue === undefined) {
      const simulator = new TrafficSimulator({ seed: options.simulatorSeed });
      catalogue = JSON.stringify({
        source: `simulated catalogue (TrafficSimulator seed ${options.simulatorSeed})`,
        categories: simulator.categories,
        items: simulator.catalogue,
        users: simulator.users.map((u) => ({ id: u.id, preferredCategories: u.preferredCategories })),
      });
    }
    return catalogue;
  };

  const apiLatency = new ApiLatencyRecorder();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    apiLatency.observe(req, res);
    if (!isConsolePath(path)) return false;
    const refusal = localRequestRefusal(req);
    if (refusal) {
      req.resume();
      sendJson(res, refusal.status, { error: refusal.error });
      return true;
    }

    if (method === 'GET' && (path === '/' || path.startsWith('/console/'))) {
      const name = path === '/' ? 'index.html' : path.slice('/console/'.length);
      const type = ASSETS[name];
      const file = join(options.buildDir, name);
      if (!type || !existsSync(file)) {
        sendJson(res, 404, { error: `no console asset ${name}` });
        return true;
      }
      const body = readFileSync(file);
      res.writeHead(200, {
        'content-type': type,
        'content-length': body.length,
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
      });
      res.end(body);
      return true;
    }

    if (method === 'GET' && path === '/local/config') {
      sendJson(res, 200, {
        writeKey: options.writeKey,
        apiKey: options.apiKey?.() ?? null,
        features: { ...features, rollback: options.rollback !== undefined, query: queries !== undefined },
        jobs: options.jobNames?.() ?? [],
      });
      return true;
    }

    if (method === 'GET' && path === '/local/api-latency') {
      sendJson(res, 200, apiLatency.snapshot());
      return true;
    }

    if (method === 'GET' && path === '/local/catalogue') {
      const body = catalogueJson();
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=3600' });
      res.end(body);
      return true;
    }

    if (method === 'GET' && path === '/local/queries') {
      sendJson(res, 200, {
        queries: listNamedQueries().map((name) => {
          const q = loadNamedQuery(name);
          return { name: q.name, description: q.description, sql: q.sql };
        }),
      });
      return true;
    }

    if (method === 'POST' && path === '/local/query') {
      await answerQuery(req, res, queries);
      return true;
    }

    const rollback = /^\/local\/jobs\/([A-Za-z0-9_-]+)\/rollback$/.exec(path);
    if (method === 'POST' && rollback) {
      const job = rollback[1] as string;
      if (!options.rollback) {
        sendJson(res, 501, {
          error: 'rollback from the console is not available in this runtime yet',
          command: `npx recostream rollback ${job}`,
        });
        return true;
      }
      const body = await readJsonBody(req, res);
      if (body === undefined) return true;
      const toVersion = typeof body.toVersion === 'string' ? body.toVersion : undefined;
      try {
        sendJson(res, 200, { result: (await options.rollback(job, toVersion)) ?? null });
      } catch (error) {
        sendJson(res, 409, { error: `rollback of ${job} failed: ${(error as Error).message}` });
      }
      return true;
    }

    sendJson(res, 405, { error: `${method} is not served on ${path}` });
    return true;
  };

  return { handle, apiLatency, close: async () => queries?.close() };
}

async function answerQuery(
  req: IncomingMessage,
  res: ServerResponse,
  queries: ConsoleQueryRunner | undefined,
): Promise<void> {
  const body = await readJsonBody(req, res);
  if (body === undefined) return;
  if (!queries) {
    sendJson(res, 404, { error: 'this app has no data lake to query' });
    return;
  }
  let sql: string;
  if (typeof body.name === 'string' && body.name !== '') {
    try {
      sql = loadNamedQuery(body.name).sql;
    } catch (error) {
      if (error instanceof UnknownNamedQueryError) {
        sendJson(res, 404, { error: error.message });
        return;
      }
      throw error;
    }
  } else if (typeof body.sql === 'string') {
    sql = body.sql;
  } else {
    sendJson(res, 400, { error: 'send {"sql": "SELECT …"} or {"name": "<named query>"}' });
    return;
  }
  try {
    sendJson(res, 200, await queries.run(sql));
  } catch (error) {
    if (error instanceof QueryRefusedError) sendJson(res, 400, { error: error.message });
    else if (error instanceof QueryBusyError) sendJson(res, 429, { error: error.message });
    else if (error instanceof QueryTimeoutError) sendJson(res, 504, { error: error.message });
    else sendJson(res, 400, { error: (error as Error).message });
  }
}

/** The JSON object body, or undefined after answering 400/413. */
async function readJsonBody(
  req: IncomingMessage,
  res: ServerResponse,
): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      sendJson(res, 413, { error: `request body over ${MAX_BODY_BYTES} bytes` });
      req.resume();
      return undefined;
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    sendJson(res, 400, { error: 'the body must be a JSON object' });
  } catch (error) {
    sendJson(res, 400, { error: `invalid JSON: ${(error as Error).message}` });
  }
  return undefined;
}

const CONSOLE_PATHS: ReadonlySet<string> = new Set([
  '/',
  '/local/config',
  '/local/api-latency',
  '/local/catalogue',
  '/local/queries',
  '/local/query',
]);

/** Paths this module answers; every other path (including other `/local/…` ones) is left to the gateway. */
function isConsolePath(path: string): boolean {
  return (
    CONSOLE_PATHS.has(path) || path.startsWith('/console/') || /^\/local\/jobs\/[^/]+\/rollback$/.test(path)
  );
}

function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

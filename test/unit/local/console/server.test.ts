/**
 * The console's server side: the bundle (built offline, uPlot's CSS included, no external URLs), the
 * local-only endpoints the page needs, and the refusals that keep them local.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildConsole,
  type ConsoleOptions,
  createConsoleServer,
  routeFeatures,
} from '../../../../local/console/server';
import { isLoopbackHost } from '../../../../local/gateway/request-guard';
import type { LocalRoute } from '../../../../local/topology';
import { TrafficSimulator } from '../../../../local/traffic/simulator';

const route = (method: string, path: string): LocalRoute => ({
  method,
  path,
  functionId: 'F',
  apiKeyRequired: false,
});
const ROUTES = [route('POST', '/v1/events'), route('GET', '/v1/users/{id}/recommendations')];

let buildDir: string;
beforeAll(async () => {
  buildDir = mkdtempSync(join(tmpdir(), 'console-build-'));
  await buildConsole(buildDir);
}, 60_000);
afterAll(() => rmSync(buildDir, { recursive: true, force: true }));

async function withServer(
  overrides: Partial<ConsoleOptions>,
  body: (call: Call, port: number) => Promise<void>,
) {
  const lakeDir = mkdtempSync(join(tmpdir(), 'console-lake-'));
  const consoleServer = createConsoleServer({
    buildDir,
    routes: ROUTES,
    writeKey: 'rs_local_write_key',
    apiKey: () => 'api-key-1',
    simulatorSeed: 7,
    lake: lakeDir,
    ...overrides,
  });
  const server: Server = createServer((req, res) => {
    void consoleServer.handle(req, res).then((handled) => {
      if (!handled) {
        res.writeHead(418);
        res.end('not mine');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    await body(
      (method, path, payload, host, headers) => call(port, method, path, payload, host, headers),
      port,
    );
  } finally {
    server.close();
    await consoleServer.close();
    rmSync(lakeDir, { recursive: true, force: true });
  }
}

type Call = (
  method: string,
  path: string,
  payload?: unknown,
  host?: string,
  headers?: Record<string, string>,
) => Promise<Reply>;

interface Reply {
  status: number;
  type: string;
  text: string;
  json: () => Record<string, unknown>;
}

/** A request as curl or a test sends it: JSON bodies typed as JSON, no Origin, no Sec-Fetch-* headers. */
function call(
  port: number,
  method: string,
  path: string,
  payload?: unknown,
  host?: string,
  headers: Record<string, string> = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const json = payload !== undefined ? { 'content-type': 'application/json' } : {};
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: { host: host ?? `127.0.0.1:${port}`, ...json, ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers['content-type'] ?? ''),
            text,
            json: () => JSON.parse(text),
          });
        });
      },
    );
    req.on('error', reject);
    if (payload !== undefined) req.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
    else req.end();
  });
}

describe('buildConsole', () => {
  it('bundles the page, its script and uPlot’s stylesheet, with no external URL', () => {
    const html = readFileSync(join(buildDir, 'index.html'), 'utf8');
    const js = readFileSync(join(buildDir, 'console.js'), 'utf8');
    const css = readFileSync(join(buildDir, 'console.css'), 'utf8');
    expect(html).toContain('<script defer src="/console/console.js"></script>');
    expect(css).toContain('.uplot'); // uPlot's own CSS, bundled
    expect(js).toContain('/local/health');
    for (const text of [html, js, css]) expect(text).not.toMatch(/(?:src|href)=["']?(?:https?:)?\/\//);
    expect(`${html}${css}`).not.toMatch(/url\(["']?https?:/);
  });
});

describe('routeFeatures', () => {
  it('recognises the API routes whatever their parameter names', () => {
    expect(routeFeatures(ROUTES)).toEqual({
      ingest: true,
      recommendations: true,
      similar: false,
      trending: false,
    });
    expect(routeFeatures([])).toEqual({
      ingest: false,
      recommendations: false,
      similar: false,
      trending: false,
    });
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1:3000', true],
    ['localhost:3000', true],
    ['localhost', true],
    ['[::1]:3000', true],
    ['evil.example:3000', false],
    ['127.0.0.1.evil.example', false],
    [undefined, false],
  ])('%s -> %s', (host, expected) => expect(isLoopbackHost(host)).toBe(expected));
});

describe('console endpoints', () => {
  it('serves the page and its assets, and leaves every other path to the gateway', async () => {
    await withServer({}, async (call) => {
      const page = await call('GET', '/');
      expect([page.status, page.type]).toEqual([200, 'text/html; charset=utf-8']);
      expect(page.text).toContain('RecoStream');
      expect((await call('GET', '/console/console.css')).type).toBe('text/css; charset=utf-8');
      expect((await call('GET', '/console/../../etc/passwd')).status).toBe(404);
      expect((await call('GET', '/local/health')).status).toBe(418);
      expect((await call('GET', '/local/other')).status).toBe(418);
      expect((await call('POST', '/v1/events', {})).status).toBe(418);
    });
  });

  it('hands out the keys and the available features, on loopback host names only', async () => {
    await withServer({}, async (call) => {
      expect((await call('GET', '/local/config')).json()).toEqual({
        writeKey: 'rs_local_write_key',
        apiKey: 'api-key-1',
        features: {
          ingest: true,
          recommendations: true,
          similar: false,
          trending: false,
          rollback: false,
          query: true,
        },
        jobs: [],
      });
      const rebound = await call('GET', '/local/config', undefined, 'attacker.example:3000');
      expect(rebound.status).toBe(403);
      expect(rebound.text).not.toContain('rs_local_write_key');
    });
  });

  it('serves the traffic simulator’s catalogue and users for the same seed', async () => {
    await withServer({}, async (call) => {
      const body = (await call('GET', '/local/catalogue')).json() as {
        items: unknown[];
        users: Array<{ id: string }>;
        categories: string[];
      };
      const simulator = new TrafficSimulator({ seed: 7 });
      expect(body.items).toEqual(simulator.catalogue);
      expect(body.users.map((u) => u.id)).toEqual(simulator.users.map((u) => u.id));
      expect(body.categories).toEqual(simulator.categories);
    });
  });

  it('runs read-only queries and names the reason of a refusal', async () => {
    await withServer({}, async (call) => {
      const ok = await call('POST', '/local/query', { sql: 'SELECT count(*) AS n FROM events' });
      expect(ok.status).toBe(200);
      expect(ok.json()).toMatchObject({ columns: ['n'], rows: [[0]], truncated: false });
      const named = await call('POST', '/local/query', { name: 'funnel_by_day' });
      expect(named.status).toBe(200);
      expect(named.json().rows).toEqual([]);
      const refused = await call('POST', '/local/query', { sql: 'CREATE TABLE t AS SELECT 1' });
      expect([refused.status, refused.json().error]).toEqual([
        400,
        'only SELECT queries run here (read-only), not CREATE',
      ]);
      const unknown = await call('POST', '/local/query', { name: 'nope' });
      expect(unknown.status).toBe(404);
      expect(unknown.json().error).toMatch(/^no named query 'nope'; available: /);
      expect((await call('POST', '/local/query', 'not json')).status).toBe(400);
      expect((await call('POST', '/local/query', { sql: 42 })).json().error).toBe(
        'send {"sql": "SELECT …"} or {"name": "<named query>"}',
      );
      const broken = await call('POST', '/local/query', { sql: 'SELECT no_such_column FROM events' });
      expect(broken.status).toBe(400);
      expect(broken.json().error).toContain('no_such_column');
    });
  });

  it('answers console POSTs only for JSON from its own origin, so another web page cannot fire them', async () => {
    await withServer({}, async (call, port) => {
      const sql = { sql: 'SELECT 1 AS one' };
      // A cross-site <form> or no-cors fetch can only send these content types without a preflight.
      for (const type of [
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
      ]) {
        const reply = await call('POST', '/local/query', sql, undefined, { 'content-type': type });
        expect([reply.status, reply.json().error]).toEqual([
          415,
          `send the body as Content-Type: application/json, not ${type}`,
        ]);
      }
      const fromElsewhere = await call('POST', '/local/query', sql, undefined, {
        origin: 'http://attacker.example',
      });
      expect([fromElsewhere.status, fromElsewhere.json().error]).toEqual([
        403,
        'cross-origin request refused: Origin http://attacker.example is not this console',
      ]);
      const crossSite = await call('POST', '/local/jobs/cf/rollback', {}, undefined, {
        'sec-fetch-site': 'cross-site',
      });
      expect([crossSite.status, crossSite.json().error]).toEqual([
        403,
        'cross-origin request refused: Sec-Fetch-Site is cross-site',
      ]);
      const otherPort = await call('POST', '/local/query', sql, undefined, { origin: 'http://127.0.0.1:1' });
      expect(otherPort.status).toBe(403);
      const fromThePage = await call('POST', '/local/query', sql, undefined, {
        origin: `http://127.0.0.1:${port}`,
        'sec-fetch-site': 'same-origin',
      });
      expect([fromThePage.status, fromThePage.json().rows]).toEqual([200, [[1]]]);
    });
  });

  it('lists the named queries', async () => {
    await withServer({}, async (call) => {
      const { queries } = (await call('GET', '/local/queries')).json() as {
        queries: Array<{ name: string }>;
      };
      expect(queries.map((q) => q.name)).toContain('funnel_by_day');
    });
  });

  it('answers rollback with the CLI command until the runtime provides a rollback function', async () => {
    await withServer({}, async (call) => {
      const reply = await call('POST', '/local/jobs/cf/rollback', {});
      expect([reply.status, reply.json().command]).toEqual([501, 'npx recostream rollback cf']);
    });
    const calls: unknown[] = [];
    await withServer(
      {
        rollback: async (job, toVersion) => {
          calls.push([job, toVersion]);
          if (job === 'trending') throw new Error('no previous version');
          return { activeVersion: 'v1' };
        },
      },
      async (call) => {
        const ok = await call('POST', '/local/jobs/cf/rollback', { toVersion: 'v1' });
        expect([ok.status, ok.json()]).toEqual([200, { result: { activeVersion: 'v1' } }]);
        const failed = await call('POST', '/local/jobs/trending/rollback', {});
        expect([failed.status, failed.json().error]).toEqual([
          409,
          'rollback of trending failed: no previous version',
        ]);
        expect(calls).toEqual([
          ['cf', 'v1'],
          ['trending', undefined],
        ]);
      },
    );
  });
});

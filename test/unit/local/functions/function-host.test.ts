/**
 * The function host's benchmark hooks: `startProfile` reports where an invocation's time went (the
 * handler, and its HTTP calls per target), and `reconfigure` gives the next invocations a new environment,
 * like a Lambda configuration update.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FunctionHost } from '../../../../local/functions/function-host';
import type { LocalFunction } from '../../../../local/topology/local-topology';

let dir: string;
let server: Server;
let host: FunctionHost;
let port: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'function-host-'));
  mkdirSync(join(dir, 'src'));
  // Calls the test server once, then answers with the variable it was configured with.
  writeFileSync(
    join(dir, 'src', 'handler.js'),
    `exports.handler = async () => {
       const response = await fetch(process.env.TARGET_URL);
       await response.text();
       return { mode: process.env.MODE ?? 'default' };
     };`,
  );
  server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  const fn: LocalFunction = {
    logicalId: 'Fn',
    entry: join(dir, 'src', 'handler.js'),
    handlerExport: 'handler',
    environment: { TARGET_URL: `http://127.0.0.1:${port}/` },
    timeoutSeconds: 30,
    memoryMb: 128,
  };
  host = new FunctionHost(new Map([['Fn', fn]]), { buildDir: join(dir, 'build'), baseEnvironment: {} });
  await host.prepare();
});

afterAll(async () => {
  await host.close();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

test('a profile records each invocation: handler time and the time spent on each HTTP target', async () => {
  const profiler = host.startProfile('Fn');
  await host.invoke('Fn', {});
  await host.invoke('Fn', {});
  profiler.stop();
  await host.invoke('Fn', {});
  expect(profiler.samples).toHaveLength(2);
  for (const sample of profiler.samples) {
    expect(Object.keys(sample.io)).toEqual([`127.0.0.1:${port}`]);
    expect(sample.io[`127.0.0.1:${port}`]).toBeGreaterThan(0);
    expect(sample.handlerMs).toBeGreaterThanOrEqual(sample.io[`127.0.0.1:${port}`] as number);
    expect(sample.invokeMs).toBeGreaterThanOrEqual(sample.handlerMs);
    expect(sample.acquireMs).toBeGreaterThanOrEqual(0);
  }
});

test('reconfigure applies a new environment from the next invocation on', async () => {
  await expect(host.invoke('Fn', {})).resolves.toEqual({ mode: 'default' });
  await host.reconfigure('Fn', { MODE: 'baseline' });
  await expect(host.invoke('Fn', {})).resolves.toEqual({ mode: 'baseline' });
  await host.reconfigure('Fn', {});
  await expect(host.invoke('Fn', {})).resolves.toEqual({ mode: 'default' });
});

describe('bundles as `cdk deploy` does', () => {
  let sandbox: string;
  let slowInits: Array<[string, number]>;
  let bundled: FunctionHost;

  beforeAll(async () => {
    sandbox = mkdtempSync(join(tmpdir(), 'function-host-bundle-'));
    mkdirSync(join(sandbox, 'src'));
    // Answers with the stack of an error it makes, so the test sees which file the trace points at.
    writeFileSync(
      join(sandbox, 'src', 'traced.js'),
      `function whereAmI() {
         return new Error('here').stack;
       }
       exports.handler = async () => ({ stack: whereAmI() });`,
    );
    const fn = (logicalId: string, environment: Record<string, string>): LocalFunction => ({
      logicalId,
      entry: join(sandbox, 'src', 'traced.js'),
      handlerExport: 'handler',
      environment,
      timeoutSeconds: 30,
      memoryMb: 128,
    });
    slowInits = [];
    bundled = new FunctionHost(
      new Map([
        ['Mapped', fn('Mapped', { NODE_OPTIONS: '--enable-source-maps' })],
        ['Plain', fn('Plain', {})],
      ]),
      {
        buildDir: join(sandbox, 'build'),
        baseEnvironment: {},
        onSlowInit: (functionId, initMs) => slowInits.push([functionId, initMs]),
        // Every init counts as slow here, so the test sees the report without a slow machine.
        slowInitMs: -1,
      },
    );
    await bundled.prepare();
  });

  afterAll(async () => {
    await bundled.close();
    rmSync(sandbox, { recursive: true, force: true });
  });

  test('minified, with a linked source map that carries no sources', () => {
    const code = readFileSync(join(sandbox, 'build', 'Mapped.js'), 'utf8');
    expect(code).not.toContain('whereAmI');
    expect(code).toMatch(/\/\/# sourceMappingURL=Mapped\.js\.map\s*$/);
    const map = JSON.parse(readFileSync(join(sandbox, 'build', 'Mapped.js.map'), 'utf8')) as {
      sources: string[];
      sourcesContent?: unknown;
    };
    expect(map.sources.some((source) => source.endsWith('traced.js'))).toBe(true);
    expect(map.sourcesContent).toBeUndefined();
  });

  test("stack traces point at the source when the function's NODE_OPTIONS enables source maps", async () => {
    const mapped = (await bundled.invoke('Mapped', {})) as { stack: string };
    expect(mapped.stack).toMatch(/traced\.js:2:\d+/);
    const plain = (await bundled.invoke('Plain', {})) as { stack: string };
    expect(plain.stack).not.toContain('traced.js');
    expect(plain.stack).toContain('Plain.js');
  });

  test('reports inits slower than the threshold, per function', () => {
    expect(slowInits.map(([functionId]) => functionId).sort()).toEqual(['Mapped', 'Plain']);
    for (const [, initMs] of slowInits) expect(initMs).toBeGreaterThan(0);
  });
});

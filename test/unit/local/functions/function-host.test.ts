/**
 * The function host's benchmark hooks: `startProfile` reports where an invocation's time went (the
 * handler, and its HTTP calls per target), and `reconfigure` gives the next invocations a new environment,
 * like a Lambda configuration update.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FunctionHost } from '../../../../local/functions';
import type { LocalFunction } from '../../../../local/topology';

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

/**
 * The traffic driver posts the simulator's events to `POST /v1/events` with the write key as Segment's Basic
 * auth, its run id on every eventId, and `occurredAt` stamped now; stop() ends it. A local node:http server
 * stands in for the ingest API; the test waits on what it received, not on time.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTrafficDriver } from '../../../../local/traffic/driver';
import { TrafficSimulator } from '../../../../local/traffic/simulator';

it('posts batches of live events with the write key until stopped', async () => {
  const received: { auth?: string; events: Record<string, unknown>[] }[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const { events } = JSON.parse(body) as { events: Record<string, unknown>[] };
      received.push({ auth: req.headers.authorization, events });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ accepted: events.length, rejected: 0 }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const driver = startTrafficDriver({
    baseUrl: `http://127.0.0.1:${port}/`,
    writeKey: 'wk_test',
    simulator: new TrafficSimulator({ seed: 5, users: 10, items: 50, startTime: 0 }),
    eventsPerSecond: 1000,
    batchSize: 10,
    runId: 'run1',
  });
  try {
    for (let i = 0; i < 100_000 && received.reduce((n, r) => n + r.events.length, 0) < 30; i++)
      await new Promise((r) => setTimeout(r, 5));
  } finally {
    await driver.stop();
    await new Promise((r) => server.close(r));
  }
  const events = received.flatMap((r) => r.events);
  expect(events.length).toBeGreaterThanOrEqual(30);
  expect(received.every((r) => r.auth === `Basic ${Buffer.from('wk_test:').toString('base64')}`)).toBe(true);
  expect(received.every((r) => r.events.length <= 10)).toBe(true);
  expect(events.every((e) => String(e.eventId).startsWith('run1-'))).toBe(true);
  expect(events.every((e) => Date.parse(String(e.occurredAt)) > Date.parse('2020-01-01'))).toBe(true);
  expect(driver.stats().accepted).toBe(events.length);
});

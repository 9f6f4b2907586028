/**
 * `npm start` (local/runtime/main.ts), with the runtime itself mocked (starting it is the integration tests'
 * business): the flags and environment variables become the runtime's options, the rules file is read into
 * the context, `--help` starts nothing, a bad flag exits 1 with its reason, and SIGTERM stops the runtime
 * before the process exits 0.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalRuntime } from '../../../../local/runtime/runtime';

const mockStop = jest.fn(async () => undefined);
jest.mock('../../../../local/runtime/runtime', () => ({
  startLocalRuntime: jest.fn(async () => ({
    apiUrl: 'http://127.0.0.1:3000',
    writeKey: 'wk',
    apiKey: 'ak',
    kinesisEndpoint: 'http://127.0.0.1:1',
    dynamoEndpoint: 'http://127.0.0.1:2',
    s3Endpoint: 'http://127.0.0.1:3',
    lakeDir: '.data/lake',
    dataDir: '.data',
    topology: { streams: new Map(), tables: new Map(), buckets: new Map() },
    tableName: () => 'Profiles',
    stop: mockStop,
  })),
}));
const start = jest.mocked(startLocalRuntime);
// parseArgs reads the worker's real argv, which a jest test cannot set: give it the argv the test sets.
jest.mock('node:util', () => {
  const actual = jest.requireActual<typeof import('node:util')>('node:util');
  return {
    ...actual,
    parseArgs: (config: Parameters<typeof actual.parseArgs>[0]) =>
      actual.parseArgs({ ...config, args: process.argv.slice(2) }),
  };
});

const saved = { argv: process.argv, env: { ...process.env }, emitWarning: process.emitWarning };
let dir: string;
let log: jest.SpyInstance;
let error: jest.SpyInstance;
let exit: jest.SpyInstance;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'npm-start-'));
  log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  exit = jest.spyOn(process, 'exit').mockImplementation((() => undefined) as typeof process.exit);
  delete process.env.PORT;
  delete process.env.TRAFFIC_RATE;
});
afterEach(() => {
  process.argv = saved.argv;
  process.env = { ...saved.env };
  process.emitWarning = saved.emitWarning;
  jest.restoreAllMocks();
  start.mockClear();
  mockStop.mockClear();
  rmSync(dir, { recursive: true, force: true });
});

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
/** The signal listeners main.ts added, taken off the process again as soon as it has started. */
let added: Record<(typeof SIGNALS)[number], NodeJS.SignalsListener[]>;

/** Runs main.ts (it starts on load) with these arguments until `done` holds: no timers, only turns of the loop. */
async function npmStart(args: string[], done: () => boolean): Promise<void> {
  const before = Object.fromEntries(SIGNALS.map((signal) => [signal, process.listeners(signal)]));
  process.argv = ['node', 'main.ts', ...args];
  jest.isolateModules(() => {
    require('../../../../local/runtime/main');
  });
  for (let turn = 0; turn < 10_000 && !done(); turn++) await new Promise(setImmediate);
  added = {
    SIGINT: process.listeners('SIGINT').filter((l) => !before.SIGINT?.includes(l)),
    SIGTERM: process.listeners('SIGTERM').filter((l) => !before.SIGTERM?.includes(l)),
  };
  for (const signal of SIGNALS) for (const listener of added[signal]) process.off(signal, listener);
  expect(done()).toBe(true);
}

const running = () => log.mock.calls.some(([text]) => String(text).includes('RecoStream is running'));

it("passes the flags to the runtime, with the rules file's text as context", async () => {
  const rules = join(dir, 'rules.json');
  writeFileSync(rules, '{"filters":{}}');
  await npmStart(
    [
      '--port',
      '4000',
      '--rate',
      '5',
      '--seed',
      '7',
      '--fresh',
      '--data-dir',
      dir,
      '--emulators',
      'moto',
      '--rules',
      rules,
    ],
    running,
  );
  expect(start).toHaveBeenCalledWith(
    expect.objectContaining({
      port: 4000,
      fresh: true,
      trafficRate: 5,
      trafficSeed: 7,
      dataDir: dir,
      emulators: 'moto',
      context: { jobGateThresholds: { cf: { minCoverage: 0.1 } }, recommendationRules: '{"filters":{}}' },
    }),
  );
});

it('reads PORT and TRAFFIC_RATE, and --no-traffic turns the traffic off', async () => {
  process.env.PORT = '3100';
  process.env.TRAFFIC_RATE = '50';
  await npmStart(['--no-traffic'], running);
  expect(start).toHaveBeenCalledWith(
    expect.objectContaining({ port: 3100, trafficRate: 0, emulators: undefined }),
  );
});

it('stops the runtime on SIGTERM, then exits 0', async () => {
  await npmStart([], running);
  expect([added.SIGINT.length, added.SIGTERM.length]).toEqual([1, 1]);
  added.SIGTERM[0]?.('SIGTERM');
  for (let turn = 0; turn < 10_000 && exit.mock.calls.length === 0; turn++) await new Promise(setImmediate);
  expect(mockStop).toHaveBeenCalledTimes(1);
  expect(exit).toHaveBeenCalledWith(0);
});

it('prints the usage for --help and starts nothing', async () => {
  await npmStart(['--help'], () => log.mock.calls.length > 0);
  expect(String(log.mock.calls[0]?.[0])).toMatch(/^Usage: npm start -- \[--port N\]/);
  expect(start).not.toHaveBeenCalled();
});

it.each([
  [['--port=-1'], /--port must be a non-negative integer, got '-1'/],
  [['--rate', 'fast'], /--rate must be a non-negative integer, got 'fast'/],
  [['--emulators', 'docker'], /unknown emulator set 'docker'/],
])('exits 1 with the reason for %j, before starting anything', async (args, reason) => {
  await npmStart(args, () => exit.mock.calls.length > 0);
  expect(exit).toHaveBeenCalledWith(1);
  expect(String(error.mock.calls[0]?.[0])).toMatch(reason);
  expect(start).not.toHaveBeenCalled();
});

// One Lambda "execution environment": loads a bundled handler once and runs one invocation at a
// time, as Lambda does. Plain JavaScript so the worker needs no TypeScript loader.
//
// Each reply also carries where the invocation's time went: the handler's own duration and, per
// `host:port` it called over HTTP (the emulators), the time at least one request to it was in flight.
// The function host's profiler (FunctionHost.startProfile) reads them; Node's diagnostics channels cost
// nothing to the handler, which knows nothing of it.

const { parentPort, workerData } = require('node:worker_threads');
const diagnostics = require('node:diagnostics_channel');

const mod = require(workerData.bundlePath);
const handler = mod[workerData.handlerExport];
if (typeof handler !== 'function') {
  throw new Error(`${workerData.bundlePath} does not export a function named ${workerData.handlerExport}`);
}

/** host:port -> { inFlight, since, ms } for the current invocation. */
let io = new Map();
const started = new WeakMap();
const start = (request, key) => {
  const now = performance.now();
  started.set(request, key);
  const entry = io.get(key) ?? { inFlight: 0, since: now, ms: 0 };
  if (entry.inFlight === 0) entry.since = now;
  entry.inFlight++;
  io.set(key, entry);
};
const finished = ({ request }) => {
  const key = started.get(request);
  if (key === undefined) return;
  started.delete(request);
  const entry = io.get(key);
  if (!entry || entry.inFlight === 0) return;
  entry.inFlight--;
  if (entry.inFlight === 0) entry.ms += performance.now() - entry.since;
};
// node:http (the AWS SDK's NodeHttpHandler) and undici (global fetch).
diagnostics.subscribe('http.client.request.start', ({ request }) =>
  start(request, String(request.getHeader('host') ?? request.host)),
);
diagnostics.subscribe('http.client.response.finish', finished);
diagnostics.subscribe('http.client.request.error', finished);
diagnostics.subscribe('undici:request:create', ({ request }) => start(request, new URL(request.origin).host));
diagnostics.subscribe('undici:request:headers', finished);
diagnostics.subscribe('undici:request:error', finished);

// Loaded: from here on an invocation's timeout runs (Lambda does not count the init phase against it).
parentPort.postMessage({ ready: true });

parentPort.on('message', async ({ id, event, context }) => {
  const deadline = Date.now() + context.timeoutMs;
  const lambdaContext = {
    ...context,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
  io = new Map();
  const begin = performance.now();
  const timing = () => ({
    handlerMs: performance.now() - begin,
    io: Object.fromEntries([...io].map(([key, entry]) => [key, entry.ms])),
  });
  try {
    const result = await handler(event, lambdaContext);
    parentPort.postMessage({ id, ok: true, result: result === undefined ? null : result, timing: timing() });
  } catch (error) {
    parentPort.postMessage({
      id,
      ok: false,
      error: { name: error?.name ?? 'Error', message: error?.message ?? String(error), stack: error?.stack },
      timing: timing(),
    });
  }
});

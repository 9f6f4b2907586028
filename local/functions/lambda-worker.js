// One Lambda "execution environment": loads a bundled handler once and runs one invocation at a
// time, as Lambda does. Plain JavaScript so the worker needs no TypeScript loader.

const { parentPort, workerData } = require('node:worker_threads');

const mod = require(workerData.bundlePath);
const handler = mod[workerData.handlerExport];
if (typeof handler !== 'function') {
  throw new Error(`${workerData.bundlePath} does not export a function named ${workerData.handlerExport}`);
}

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
  try {
    const result = await handler(event, lambdaContext);
    parentPort.postMessage({ id, ok: true, result: result === undefined ? null : result });
  } catch (error) {
    parentPort.postMessage({
      id,
      ok: false,
      error: { name: error?.name ?? 'Error', message: error?.message ?? String(error), stack: error?.stack },
    });
  }
});

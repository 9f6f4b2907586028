// dynalite (the DynamoDB emulator) on its own thread: the gateway, the Kinesis emulator, the stream
// pollers and the lake delivery share the main event loop, and DynamoDB reads and writes are the
// busiest local traffic, so they get a core of their own. Plain JavaScript: no TypeScript loader needed.

const { parentPort, workerData } = require('node:worker_threads');
const dynalite = require('dynalite');

const server = dynalite({
  createTableMs: 0,
  deleteTableMs: 0,
  updateTableMs: 0,
  ...(workerData.path ? { path: workerData.path } : {}),
});
server.once('error', (error) => parentPort.postMessage({ type: 'error', message: error.message }));
server.listen(workerData.port, '127.0.0.1', () => parentPort.postMessage({ type: 'listening' }));

parentPort.on('message', (message) => {
  if (message?.type !== 'close') return;
  server.close(() => parentPort.postMessage({ type: 'closed' }));
  server.closeAllConnections?.();
});

/**
 * dynalite (DynamoDB, pure Node) on a worker thread of its own (dynalite-worker.js): the gateway, the Kinesis
 * emulator, the stream readers and the lake delivery share the main event loop, and DynamoDB calls are the
 * busiest local traffic. With a data directory it persists in LevelDB, so a restart keeps the data.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { freePort, type RunningEmulator } from './emulator';

export async function startDynamo(options: { dataDir?: string; port?: number }): Promise<RunningEmulator> {
  const port = options.port ?? (await freePort());
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const worker = new Worker(join(__dirname, 'dynalite-worker.js'), {
    workerData: { port, path: options.dataDir },
  });
  await new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (message: { type: string; message?: string }) => {
      if (message.type === 'listening') resolve();
      if (message.type === 'error') reject(new Error(`dynalite: ${message.message}`));
    });
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: async () => {
      const closed = new Promise<void>((resolve) =>
        worker.on('message', (m: { type: string }) => m.type === 'closed' && resolve()),
      );
      worker.postMessage({ type: 'close' });
      // The LevelDB store is closed with the server; a worker that hangs is not worth waiting for.
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
      await worker.terminate();
    },
  };
}

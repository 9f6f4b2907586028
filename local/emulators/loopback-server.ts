/** Where the directory endpoints (S3, SQS, SNS) listen: an HTTP server on loopback, stopped with its connections. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningEmulator } from './emulator';

/** Listens on `port` (a free one by default) on 127.0.0.1; `stop` also closes kept-alive connections. */
export async function listenOnLoopback(server: Server, port = 0): Promise<RunningEmulator> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

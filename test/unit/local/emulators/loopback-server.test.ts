/** Where the directory endpoints listen: loopback only, a free port by default, and a stop that does not hang. */
import { createServer, request } from 'node:http';
import { listenOnLoopback } from '../../../../local/emulators/loopback-server';

function get(url: string, agent: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { agent: agent ? undefined : false, headers: { connection: 'keep-alive' } },
      (res) => {
        let body = '';
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve(body));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

it('serves on 127.0.0.1 at the endpoint it returns, and stops although a client keeps its connection open', async () => {
  const server = createServer((_req, res) => {
    res.writeHead(200, { connection: 'keep-alive' });
    res.end('ok');
  });
  const running = await listenOnLoopback(server);
  expect(running.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(await get(running.endpoint, true)).toBe('ok');
  // The kept-alive socket would keep server.close() waiting; stop closes it.
  await running.stop();
  expect(server.listening).toBe(false);
  await expect(get(running.endpoint, false)).rejects.toThrow(/ECONNREFUSED/);
});

it('fails to listen on a port that is taken, instead of answering on another', async () => {
  const first = await listenOnLoopback(createServer());
  const port = Number(new URL(first.endpoint).port);
  try {
    await expect(listenOnLoopback(createServer(), port)).rejects.toThrow(/EADDRINUSE/);
  } finally {
    await first.stop();
  }
});

/** freePort hands out a loopback port nothing listens on, so an emulator can take it. */
import { createServer } from 'node:net';
import { freePort } from '../../../../local/emulators/emulator';

it('returns a port a server can listen on', async () => {
  const port = await freePort();
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  await new Promise((resolve) => server.close(resolve));
  expect(port).toBeGreaterThan(0);
});

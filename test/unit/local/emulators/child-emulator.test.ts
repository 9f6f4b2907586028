/**
 * Child-process emulators (kinesis-mock, moto_server) are started through spawnEmulator: it returns once
 * the child answers HTTP on its port, reports a child that dies before that with the child's own output,
 * and stop() ends the child.
 */
import { createServer } from 'node:net';
import { spawnEmulator } from '../../../../local/emulators/child-emulator';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// Listens only after a pause, so readiness must be waited for, not assumed at spawn.
const SLOW_SERVER = `
  setTimeout(() => {
    require('node:http').createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');
  }, 300);
`;

it('returns once the child answers on its port, and stop() ends it', async () => {
  const port = await freePort();
  const emulator = await spawnEmulator(
    'slow-server',
    process.execPath,
    ['-e', SLOW_SERVER],
    { ...process.env, PORT: String(port) },
    port,
  );
  const answer = await fetch(`http://127.0.0.1:${port}/`);
  expect(await answer.text()).toBe('ok');
  await emulator.stop();
  expect(emulator.child.exitCode !== null || emulator.child.signalCode !== null).toBe(true);
  await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
});

it('reports a child that exits before it listens, with what it printed', async () => {
  const port = await freePort();
  await expect(
    spawnEmulator(
      'broken',
      process.execPath,
      ['-e', 'console.error("no licence token"); process.exit(3)'],
      process.env,
      port,
    ),
  ).rejects.toThrow(/^broken exited \(3\):\n.*no licence token/s);
});

it('reports a command that cannot be started', async () => {
  const port = await freePort();
  await expect(spawnEmulator('missing', '/nonexistent/moto_server', [], process.env, port)).rejects.toThrow(
    /^missing could not be started \(\/nonexistent\/moto_server\): .*ENOENT/,
  );
});

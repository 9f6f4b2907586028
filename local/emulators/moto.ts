/**
 * moto (`moto_server`, the open-source engine under LocalStack; installed with the machine's Python, not from
 * npm) as a child process on loopback. One process serves every AWS service it knows, told apart by the
 * request's signature, so the runtime starts one and points each service that uses moto at it.
 *
 * It runs in the local account (MOTO_ACCOUNT_ID), not moto's default 123456789012: the template's topic ARNs
 * (a Publish names its topic by ARN) and queue ARNs (an SNS subscription's endpoint) are in that account.
 *
 * moto keeps everything in memory: a restart of the runtime starts with empty streams, tables and queues
 * (the runtime provisions them again). It is the mode that checks our calls against someone else's reading of
 * the AWS APIs, not the one for long local runs.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { LOCAL_ACCOUNT } from '../topology';
import { spawnEmulator } from './child-emulator';
import { freePort, type RunningEmulator } from './emulator';

/** The absolute path of `moto_server` on PATH, or undefined when the machine has no moto. */
export function findMotoServer(path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'moto_server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export async function startMoto(options: { port?: number } = {}): Promise<RunningEmulator> {
  const command = findMotoServer();
  if (!command)
    throw new Error(
      "moto_server is not on PATH: the moto emulators need Python's moto with its server (pip install 'moto[server]')",
    );
  const port = options.port ?? (await freePort());
  const emulator = await spawnEmulator(
    'moto_server',
    command,
    ['-H', '127.0.0.1', '-p', String(port)],
    // In the local account, so the ARNs moto answers (topics, queues) are the topology's (localArn).
    { ...process.env, PYTHONUNBUFFERED: '1', MOTO_ACCOUNT_ID: LOCAL_ACCOUNT },
    port,
  );
  return { endpoint: `http://127.0.0.1:${port}`, stop: emulator.stop };
}

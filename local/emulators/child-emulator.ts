/**
 * An emulator that runs as a child process (kinesis-mock, moto_server): spawned with its output kept for the
 * error message, killed if this process exits first, ready once it answers HTTP on its port.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

export interface ChildEmulator {
  readonly child: ChildProcess;
  /** SIGTERM, then SIGKILL after 3 s. */
  stop(): Promise<void>;
}

export async function spawnEmulator(
  name: string,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  port: number,
): Promise<ChildEmulator> {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  // Never leave an orphaned emulator behind (or writing into the data directory), even if this process crashes.
  const killChild = () => child.kill('SIGKILL');
  process.once('exit', killChild);
  child.once('exit', () => process.removeListener('exit', killChild));
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  // A command that cannot be started (ENOENT, EACCES) has no pid; its 'error' comes on the next tick.
  if (child.pid === undefined) {
    const [error] = (await once(child, 'error')) as [Error];
    process.removeListener('exit', killChild);
    throw new Error(`${name} could not be started (${command}): ${error.message}`);
  }
  await waitUntilListening(name, port, child, () => spawnError?.message ?? output);
  return { child, stop: () => stopChild(child) };
}

async function waitUntilListening(
  name: string,
  port: number,
  child: ChildProcess,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}):\n${output()}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/`, { method: 'GET' });
      await response.arrayBuffer();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  child.kill('SIGKILL');
  throw new Error(`${name} did not listen on ${port} within 30 s:\n${output()}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

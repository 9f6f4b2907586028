/**
 * The README's first command, as a newcomer runs it: `npm start` (local/runtime/main.ts) prints the console
 * URL, the write key and the API key; the printed "Try it" event sent with the printed write key reaches the
 * user's profile, and the printed API key reads the user's recommendations (the viewed item comes back under
 * continue-shopping); Ctrl-C (SIGINT) stops everything and exits 0. Waits on conditions, never on the clock.
 *
 * The script runs node with tsx as a loader (`node --import tsx`), not the `tsx` command: that command relays a
 * SIGINT to its child and, when the child has not acknowledged it within 2 × 30 ms, kills it with SIGKILL and
 * exits 130, so under load Ctrl-C skipped the runtime's orderly stop (seen once in this test beside a bench).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

jest.setTimeout(300_000);

const ROOT = join(__dirname, '..', '..');

let child: ChildProcess;
let output = '';
let dataDir: string;
let exited: Promise<number | null>;

/** Resolves with the output once `pattern` appears in it; rejects if the process exits first. */
function outputMatching(pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = output.match(pattern);
      if (!match) return false;
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      resolve(match);
      return true;
    };
    const onData = () => void check();
    const onExit = (code: number | null) =>
      reject(new Error(`npm start exited (${code}) before ${pattern}:\n${output}`));
    if (check()) return;
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, attempts = 600): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`never happened: ${what}`);
}

function startScript(): string {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  return manifest.scripts.start as string;
}

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'recostream-npm-start-'));
  // What `npm start -- …` runs (package.json "start"), on a free port, without simulated traffic.
  const [command, ...args] = startScript().split(' ');
  expect(command).toBe('node');
  child = spawn(process.execPath, [...args, '--port', '0', '--no-traffic', '--data-dir', dataDir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env },
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
});

afterAll(async () => {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

it('prints where everything is, takes the printed example, answers with the printed key, and stops on Ctrl-C', async () => {
  await outputMatching(/Press Ctrl-C to stop\./);
  const apiUrl = (await outputMatching(/Console\s+(http:\/\/127\.0\.0\.1:\d+)\//))[1] as string;
  const writeKey = (await outputMatching(/Write key\s+(\S+)/))[1] as string;
  const apiKey = (await outputMatching(/API key\s+(\S+)/))[1] as string;
  expect(output).toContain(`Ingest API        ${apiUrl}/v1/events`);

  // The "Try it" event, with the printed write key.
  const sent = await fetch(`${apiUrl}/v1/events`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      events: [{ type: 'product_view', userId: 'alice', itemId: 'item-00042', category: 'books' }],
    }),
  });
  expect(sent.status).toBeLessThan(300);

  // Without the key the recommendation API refuses, as API Gateway does; with it, the viewed item comes back.
  const unauthorised = await fetch(`${apiUrl}/v1/users/alice/recommendations`);
  expect(unauthorised.status).toBe(403);
  const items = await until(async () => {
    const answer = await fetch(
      `${apiUrl}/v1/users/alice/recommendations?placement=continue-shopping&limit=5`,
      {
        headers: { 'x-api-key': apiKey },
      },
    );
    if (answer.status !== 200) return undefined;
    const body = (await answer.json()) as { items: Array<{ itemId: string }> };
    return body.items.length > 0 ? body.items : undefined;
  }, "alice's continue-shopping list");
  expect(items.map((i) => i.itemId)).toContain('item-00042');

  child.kill('SIGINT');
  expect(await exited).toBe(0);
  expect(output).toContain('Stopping…');
});

/**
 * kinesis-mock (npm `kinesis-local`, the Kinesis emulator LocalStack embeds) as a child process, a mode
 * (RECOSTREAM_KINESIS=kinesis-mock) next to the default kinesalite: its PutRecords slows down as the stream
 * grows (bench/kinesis-emulators.ts). It persists under the data directory, so a restart keeps the data.
 */
import { mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnEmulator } from './child-emulator';
import { freePort, type RunningEmulator } from './emulator';

export async function startKinesisMock(options: {
  dataDir?: string;
  port?: number;
}): Promise<RunningEmulator> {
  const port = options.port ?? (await freePort());
  const tlsPort = await freePort();
  const packageDir = dirname(require.resolve('kinesis-local/package.json'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KINESIS_MOCK_PLAIN_PORT: String(port),
    KINESIS_MOCK_TLS_PORT: String(tlsPort),
    // kinesis-mock reads its TLS certificate relative to the working directory unless told where it is.
    KINESIS_MOCK_CERT_PATH: join(packageDir, 'server.json'),
    CREATE_STREAM_DURATION: '0ms',
    DELETE_STREAM_DURATION: '0ms',
    UPDATE_SHARD_COUNT_DURATION: '0ms',
    START_STREAM_ENCRYPTION_DURATION: '0ms',
    LOG_LEVEL: 'WARN',
    ROOT_LOG_LEVEL: 'ERROR',
  };
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    quarantineUnreadableKinesisData(join(options.dataDir, 'kinesis-data.json'));
    Object.assign(env, {
      SHOULD_PERSIST_DATA: 'true',
      LOAD_DATA_IF_EXISTS: 'true',
      PERSIST_PATH: options.dataDir,
      PERSIST_INTERVAL: '1s',
    });
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const emulator = await spawnEmulator(
    'kinesis-local',
    process.execPath,
    [join(packageDir, 'main.js')],
    env,
    port,
  );
  return {
    endpoint,
    stop: async () => {
      // kinesis-mock writes its data file every PERSIST_INTERVAL: wait for one more write so the
      // records accepted just before shutdown survive the restart.
      if (options.dataDir) await new Promise((r) => setTimeout(r, 1500));
      await emulator.stop();
    },
  };
}

/**
 * kinesis-mock cannot start from a truncated data file (it writes the file in place). Such a file
 * is moved aside with a warning; the stream then starts empty, and the event source mapping falls
 * back to TRIM_HORIZON when its checkpoint is no longer in the stream.
 */
export function quarantineUnreadableKinesisData(path: string): boolean {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return false;
  }
  try {
    if (size > 0) {
      JSON.parse(readFileSync(path, 'utf8'));
      return false;
    }
  } catch {
    // unreadable: fall through
  }
  const aside = `${path}.unreadable-${Date.now()}`;
  renameSync(path, aside);
  process.stderr.write(
    `kinesis-local data file ${path} was unreadable; moved to ${aside}, the stream starts empty\n`,
  );
  return true;
}

/**
 * The Kinesis emulator the runtime starts: the built-in one (kinesis-emulator.ts) by default, or kinesis-mock
 * (npm `kinesis-local`) with RECOSTREAM_KINESIS=kinesis-local.
 */
import type { RunningEmulator } from './emulator';
import { startKinesisEmulator } from './kinesis-emulator';
import { startKinesisMock } from './kinesis-mock';

export async function startKinesis(options: { dataDir?: string; port?: number }): Promise<RunningEmulator> {
  if ((process.env.RECOSTREAM_KINESIS ?? 'builtin') === 'kinesis-local') return startKinesisMock(options);
  return startKinesisEmulator(options);
}

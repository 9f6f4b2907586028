/**
 * runtime.json, the one home of what a running `npm start` tells the other commands: what the writer writes
 * the readers read back, and a missing, malformed, foreign or stale file is refused with what to do.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type RuntimeFile,
  readRuntimeFile,
  removeRuntimeFile,
  runtimeFilePath,
  writeRuntimeFile,
} from '../../../../local/runtime/runtime-file';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'runtime-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const info: RuntimeFile = {
  apiUrl: 'http://127.0.0.1:3000',
  apiKey: 'key',
  kinesisEndpoint: 'http://127.0.0.1:4567',
  dynamoEndpoint: 'http://127.0.0.1:4568',
  streams: { EventsStream: 'events' },
  lakeDir: '/tmp/lake',
  failedBatchesDir: '/tmp/failed',
  tables: { Profiles: 'profiles', ItemStats: 'item-stats' },
  pid: process.pid,
};

describe('runtime.json', () => {
  it('reads back what the runtime wrote, and is gone once removed', () => {
    writeRuntimeFile(dir, info);
    expect(readRuntimeFile(dir)).toEqual(info);
    removeRuntimeFile(dir);
    expect(() => readRuntimeFile(dir)).toThrow(/not found: start the local runtime first \(npm start\)/);
  });

  it('refuses a file whose process is gone', () => {
    writeRuntimeFile(dir, info);
    expect(() => readRuntimeFile(dir, () => false)).toThrow(/stale \(process \d+ is gone\)/);
    writeFileSync(
      runtimeFilePath(dir),
      JSON.stringify({ dynamoEndpoint: 'http://127.0.0.1:1', tables: {}, pid: 2 ** 22 + 1 }),
    );
    expect(() => readRuntimeFile(dir)).toThrow(/stale/);
  });

  it('names what is wrong in a file of another shape, and refuses invalid JSON', () => {
    writeFileSync(runtimeFilePath(dir), JSON.stringify({ tables: { Profiles: 7 } }));
    expect(() => readRuntimeFile(dir)).toThrow(/dynamoEndpoint: .*tables\.Profiles: .*restart npm start/);
    writeFileSync(runtimeFilePath(dir), '{');
    expect(() => readRuntimeFile(dir)).toThrow(/is not valid JSON/);
  });

  it('is not written with a field of the wrong type', () => {
    expect(() => writeRuntimeFile(dir, { ...info, pid: 1.5 })).toThrow();
  });
});

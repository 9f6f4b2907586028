/**
 * kinesis-mock cannot start from a data file it wrote half (it writes in place): such a file is moved aside,
 * and a readable or missing one is left alone.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quarantineUnreadableKinesisData } from '../../../../local/emulators/kinesis-mock';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kinesis-mock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('moves a truncated data file aside and leaves a readable one', () => {
  const file = join(dir, 'kinesis-data.json');
  expect(quarantineUnreadableKinesisData(file)).toBe(false);

  writeFileSync(file, '{"streams":{}}');
  expect(quarantineUnreadableKinesisData(file)).toBe(false);
  expect(existsSync(file)).toBe(true);

  writeFileSync(file, '{"streams":{"ev');
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  expect(quarantineUnreadableKinesisData(file)).toBe(true);
  stderr.mockRestore();
  expect(existsSync(file)).toBe(false);
  expect(readdirSync(dir)).toEqual([expect.stringMatching(/^kinesis-data\.json\.unreadable-\d+$/)]);
});

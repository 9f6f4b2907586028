/**
 * Which engine a lake command gets from its options: option combinations that mix the local lake and
 * Athena are refused by name, Athena without a workgroup is refused with where to find one, and a local lake
 * that does not exist yet still opens (empty tables) with a warning that says where it looked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '../../../../local/cli/kit';
import { openLakeEngine } from '../../../../local/cli/lake-engine';
import { AthenaLake } from '../../../../local/lake/athena-query';

function capture(): CliIo & { errors: string[] } {
  const errors: string[] = [];
  return { errors, out: () => undefined, err: (t) => errors.push(t) };
}

const saved = { ...process.env };
beforeEach(() => {
  delete process.env.RECOSTREAM_ATHENA_WORKGROUP;
  delete process.env.RECOSTREAM_GLUE_DATABASE;
});
afterAll(() => {
  process.env = saved;
});

it.each([
  [{ athena: true, dataDir: '.data' }, '--data-dir and --lake-dir are for the local lake, not --athena'],
  [{ athena: true, lakeDir: 'lake' }, '--data-dir and --lake-dir are for the local lake, not --athena'],
  [{ athena: false, workgroup: 'wg' }, '--workgroup and --database are for Athena, not the local lake'],
  [{ athena: false, database: 'db' }, '--workgroup and --database are for Athena, not the local lake'],
  [{ athena: false, dataDir: 'a', lakeDir: 'b' }, 'give --data-dir or --lake-dir, not both'],
  [
    { athena: true },
    'Athena needs --workgroup WG (stack output AthenaWorkGroupName, or RECOSTREAM_ATHENA_WORKGROUP)',
  ],
])('refuses %j: %s', async (options, message) => {
  await expect(openLakeEngine(options, capture(), 'query')).rejects.toThrow(message);
});

it('takes the Athena workgroup from the environment when no option names it', async () => {
  process.env.RECOSTREAM_ATHENA_WORKGROUP = 'recostream-analysts';
  const io = capture();
  const { engine, release } = await openLakeEngine({ athena: true }, io, 'query');
  expect(engine).toBeInstanceOf(AthenaLake);
  release();
  expect(io.errors).toEqual([]);
});

it('opens the local lake of a data directory that has none yet, saying where it looked', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lake-engine-'));
  try {
    const io = capture();
    const { engine, release } = await openLakeEngine({ athena: false, dataDir }, io, 'experiment report');
    try {
      expect(io.errors).toEqual([
        expect.stringMatching(
          /^recostream experiment report: no lake at .*lake-engine-.* yet: the tables are empty$/,
        ),
      ]);
    } finally {
      await engine.close();
      release();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

/**
 * One file per command: each command module on its own prints its help on --help (exit 0) and refuses bad
 * arguments with exit 2 or a usage error, without touching AWS or a running runtime.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backfillCommand } from '../../../../local/cli/backfill';
import { catalogueCommand } from '../../../../local/cli/catalogue';
import { dlqCommand } from '../../../../local/cli/dlq';
import { experimentCommand } from '../../../../local/cli/experiment';
import { impressionsCommand } from '../../../../local/cli/impressions';
import { jobsCommand } from '../../../../local/cli/jobs';
import { type CliIo, isUsageError } from '../../../../local/cli/kit';
import { usage } from '../../../../local/cli/main';
import { quarantineCommand } from '../../../../local/cli/quarantine';
import { queryCommand } from '../../../../local/cli/query';
import { rollbackCommand } from '../../../../local/cli/rollback';

function capture(): CliIo & { out_: string[]; err_: string[] } {
  const out_: string[] = [];
  const err_: string[] = [];
  return { out_, err_, out: (t) => out_.push(t), err: (t) => err_.push(t) };
}

describe.each([
  ['backfill', (args: string[], io: CliIo) => backfillCommand(args, io), /recostream backfill --events/],
  ['query', (args: string[], io: CliIo) => queryCommand(args, io), /recostream query "<SQL>"/],
  [
    'quarantine',
    (args: string[], io: CliIo) => quarantineCommand(['replay', ...args], io, {}),
    /quarantine replay/,
  ],
  ['dlq', (args: string[], io: CliIo) => dlqCommand(['replay', ...args], io), /dlq replay/],
  [
    'impressions',
    (args: string[], io: CliIo) => impressionsCommand(['replay', ...args], io),
    /recostream impressions replay/,
  ],
  ['jobs', (args: string[], io: CliIo) => jobsCommand(args, io), /jobs run <cf\|trending>/],
  ['rollback', (args: string[], io: CliIo) => rollbackCommand(args, io), /rollback <similarities\|trending>/],
  [
    'experiment',
    (args: string[], io: CliIo) => experimentCommand(['report', ...args], io),
    /recostream experiment report/,
  ],
  [
    'catalogue',
    (args: string[], io: CliIo) => catalogueCommand(['reindex', ...args], io),
    /recostream catalogue reindex/,
  ],
])('recostream %s', (_name, run, helpText) => {
  it('prints its help on --help', async () => {
    const io = capture();
    expect(await run(['--help'], io)).toBe(0);
    expect(io.out_.join('\n')).toMatch(helpText);
  });

  it('refuses an unknown option', async () => {
    const io = capture();
    const outcome = await run(['--no-such-option'], io).catch((error: unknown) => error);
    if (typeof outcome === 'number') expect(outcome).toBe(2);
    else expect(isUsageError(outcome)).toBe(true);
  });
});

it('lists every command in the dispatcher usage', () => {
  const text = usage();
  for (const name of [
    'backfill',
    'query',
    'import',
    'quarantine',
    'dlq',
    'impressions',
    'jobs',
    'cost',
    'rollback',
    'experiment',
    'catalogue',
  ])
    expect(text).toMatch(new RegExp(`^  ${name} `, 'm'));
});

describe('the catalogue writers need a target and valid rules', () => {
  const refusal = (outcome: unknown) => (isUsageError(outcome) ? (outcome as Error).message : outcome);

  it('catalogue reindex: --local or --items-table, once', async () => {
    const run = (...args: string[]) => catalogueCommand(['reindex', ...args], capture()).catch(refusal);
    expect(await run()).toMatch(/give --local, or --items-table NAME/);
    expect(await run('--local', '--items-table', 'T')).toMatch(/give --local, or --items-table NAME/);
    expect(await catalogueCommand(['rebuild'], capture()).catch(refusal)).toMatch(/only one is 'reindex'/);
  });

  it('refuses a rules file that is not valid rules, before touching any table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-rules-'));
    try {
      const rules = join(dir, 'rules.json');
      writeFileSync(rules, JSON.stringify({ promotion: { filter: 'missing' } }));
      const reindex = catalogueCommand(['reindex', '--items-table', 'T', '--rules', rules], capture());
      expect(await reindex.catch(refusal)).toMatch(/--rules .*rules\.json: .*unknown filter 'missing'/);
      const replay = quarantineCommand(['replay', '--local', '--dry-run', '--rules', rules], capture(), {});
      expect(await replay.catch(refusal)).toMatch(/--rules .*rules\.json: .*unknown filter 'missing'/);
      const absent = catalogueCommand(
        ['reindex', '--items-table', 'T', '--rules', join(dir, 'none.json')],
        capture(),
      );
      expect(await absent.catch(refusal)).toMatch(/--rules .*none\.json: ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * The local purge's step for Firehose's error records (issue 13: `errors/` kept real ids for ever and was not
 * purged): lines whose decoded stream record names a purged user (or its pseudonym) go, the rest stay, and a
 * file left empty is deleted.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDeliveryErrorsPurger } from '../../../../local/lake/delivery-errors-purge';

const errorLine = (record: object) =>
  JSON.stringify({
    errorCode: 'Lambda.FunctionError',
    rawData: Buffer.from(JSON.stringify(record)).toString('base64'),
  });

let lakeDir: string;
beforeEach(() => {
  lakeDir = mkdtempSync(join(tmpdir(), 'errors-purge-'));
});
afterEach(() => rmSync(lakeDir, { recursive: true, force: true }));

it('drops the purged users’ records from every error file and deletes files left empty', async () => {
  const dir = join(lakeDir, 'errors', 'processing-failed', 'dt=2026-11-25');
  mkdirSync(dir, { recursive: true });
  const mixed = join(dir, 'a.jsonl');
  const onlyTheirs = join(dir, 'b.jsonl');
  writeFileSync(
    mixed,
    `${[
      errorLine({ type: 'page_view', userId: 'u1' }),
      errorLine({ type: 'page_view', userId: 'u2' }),
      errorLine({ type: 'page_view', user_id: 'p1_abc' }),
      'not json at all',
    ].join('\n')}\n`,
  );
  writeFileSync(onlyTheirs, `${errorLine({ events: [{ userId: 'u1' }] })}\n`);
  const outsideErrors = join(lakeDir, 'quarantine.jsonl');
  writeFileSync(outsideErrors, `${errorLine({ userId: 'u1' })}\n`);

  const result = await new LocalDeliveryErrorsPurger(lakeDir).purge(['u1', 'p1_abc']);

  expect(result).toEqual({ filesRewritten: 2, rowsRemoved: 3 });
  expect(readFileSync(mixed, 'utf8')).toBe(
    `${errorLine({ type: 'page_view', userId: 'u2' })}\nnot json at all\n`,
  );
  expect(existsSync(onlyTheirs)).toBe(false);
  expect(readFileSync(outsideErrors, 'utf8')).toContain('rawData');
  await expect(new LocalDeliveryErrorsPurger(lakeDir).purge(['u1'])).resolves.toEqual({
    filesRewritten: 0,
    rowsRemoved: 0,
  });
});

it('does nothing without users or without an errors folder', async () => {
  await expect(new LocalDeliveryErrorsPurger(lakeDir).purge([])).resolves.toEqual({
    filesRewritten: 0,
    rowsRemoved: 0,
  });
  await expect(new LocalDeliveryErrorsPurger(lakeDir).purge(['u1'])).resolves.toEqual({
    filesRewritten: 0,
    rowsRemoved: 0,
  });
});

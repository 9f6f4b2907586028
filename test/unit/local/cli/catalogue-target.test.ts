/**
 * What the catalogue-writing commands need of a deployment (local/cli/catalogue-target.ts): the Items table
 * (the running runtime's from runtime.json, or the named one on AWS) and the promotion filter a rules file
 * makes the catalogue index. Every way to get it wrong is a usage error that names the flag or the file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openItemsTable, promotionOfRulesFile } from '../../../../local/cli/catalogue-target';
import { UsageError } from '../../../../local/cli/kit';
import { writeRuntimeFile } from '../../../../local/runtime/runtime-file';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'catalogue-target-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const promoted = { match: [{ field: 'attribute', name: 'promoted', in: [true] }] };

function rulesFile(rules: unknown): string {
  const path = join(dir, 'rules.json');
  writeFileSync(path, typeof rules === 'string' ? rules : JSON.stringify(rules));
  return path;
}

describe('openItemsTable', () => {
  it('on AWS: the table named by --items-table, which is required', () => {
    expect(openItemsTable({ local: false, dataDir: dir, table: 'Items-123' }).tableName).toBe('Items-123');
    expect(() => openItemsTable({ local: false, dataDir: dir })).toThrow(
      new UsageError('--items-table NAME is required (stack output ItemsTableName)'),
    );
  });

  it("locally: the running runtime's Items table, unless another is named", () => {
    writeRuntimeFile(dir, { dynamoEndpoint: 'http://127.0.0.1:1', tables: { Items: 'local-items' } });
    expect(openItemsTable({ local: true, dataDir: dir }).tableName).toBe('local-items');
    expect(openItemsTable({ local: true, dataDir: dir, table: 'other' }).tableName).toBe('other');
  });

  it('locally: refuses a runtime without an Items table, and no runtime at all', () => {
    writeRuntimeFile(dir, { dynamoEndpoint: 'http://127.0.0.1:1', tables: {} });
    expect(() => openItemsTable({ local: true, dataDir: dir })).toThrow(/runtime\.json names no Items table/);
    const empty = mkdtempSync(join(tmpdir(), 'catalogue-target-none-'));
    try {
      expect(() => openItemsTable({ local: true, dataDir: empty })).toThrow(UsageError);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('promotionOfRulesFile', () => {
  it('is the promotion filter of the rules', () => {
    const path = rulesFile({ filters: { promoted }, promotion: { filter: 'promoted' } });
    expect(promotionOfRulesFile(path)).toEqual(promoted);
  });

  it('is undefined for rules without a promotion, or with one the catalogue cannot index', () => {
    expect(promotionOfRulesFile(rulesFile({ filters: { promoted } }))).toBeUndefined();
    const recent = { match: [{ field: 'createdAt', withinDays: 30 }] };
    expect(
      promotionOfRulesFile(rulesFile({ filters: { recent }, promotion: { filter: 'recent' } })),
    ).toBeUndefined();
  });

  it('refuses a missing file, bad JSON and invalid rules, naming the file', () => {
    expect(() => promotionOfRulesFile(join(dir, 'none.json'))).toThrow(/--rules .*none\.json: ENOENT/);
    expect(() => promotionOfRulesFile(rulesFile('{'))).toThrow(UsageError);
    expect(() => promotionOfRulesFile(rulesFile({ promotion: { filter: 'missing' } }))).toThrow(
      /--rules .*rules\.json: .*unknown filter 'missing'/,
    );
  });
});

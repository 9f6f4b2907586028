/**
 * `recostream keys`: create stores only the hash with the role and prints the key as the last line; list
 * never shows keys or hashes; revoke disables by name. The table is an in-memory KeyTable; the DynamoDB
 * adapter (list, disable with a time) is tested with aws-sdk-client-mock, and the whole command against the
 * local runtime in test/integration/catalogue.test.ts.
 */
import { DynamoDBDocumentClient, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { DynamoWriteKeyStore } from '../../../../lambdas/authorizer/write-key-store';
import { hashWriteKey, type WriteKeyRecord } from '../../../../lambdas/authorizer/write-keys';
import { type KeyTable, keysCommand } from '../../../../local/cli/keys';

function memoryTable(): KeyTable & { rows: Map<string, WriteKeyRecord> } {
  const rows = new Map<string, WriteKeyRecord>();
  return {
    rows,
    put: async (r) => {
      if (rows.has(r.keyHash)) throw new Error('exists');
      rows.set(r.keyHash, r);
    },
    list: async () => [...rows.values()],
    disable: async (h, at) => {
      const r = rows.get(h);
      if (r) rows.set(h, { ...r, disabled: true, ...(at ? { disabledAt: at.toISOString() } : {}) });
    },
  };
}

const clock = () => new Date('2026-12-03T10:00:00.000Z');

async function run(table: KeyTable, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await keysCommand(
    args,
    { out: (t) => out.push(t), err: (t) => err.push(t) },
    { openTable: () => table, clock },
  );
  return { code, out, err };
}

it('creates a key: only the hash is stored, with its role; the key is the last line', async () => {
  const table = memoryTable();
  const { code, out } = await run(table, 'create', '--role', 'catalog', '--name', 'pim', '--table', 'T');
  expect(code).toBe(0);
  const key = out.at(-1) as string;
  expect(key).toMatch(/^rs_[A-Za-z0-9_-]{43}$/);
  expect([...table.rows.values()]).toEqual([
    { keyHash: hashWriteKey(key), name: 'pim', createdAt: '2026-12-03T10:00:00.000Z', role: 'catalog' },
  ]);
  expect(JSON.stringify([...table.rows.values()])).not.toContain(key);
});

it('stores an ordinary write key without a role attribute and names it by default', async () => {
  const table = memoryTable();
  expect((await run(table, 'create', '--role', 'write', '--local')).code).toBe(0);
  const [row] = [...table.rows.values()];
  expect(row?.role).toBeUndefined();
  expect(row?.name).toMatch(/^write-2026-12-03-[0-9a-f]{6}$/);
});

it('refuses a second enabled key of the same name, a bad role and a missing target', async () => {
  const table = memoryTable();
  await run(table, 'create', '--role', 'admin', '--name', 'ops', '--local');
  const again = await run(table, 'create', '--role', 'admin', '--name', 'ops', '--local');
  expect(again.code).toBe(1);
  expect(again.err.join()).toContain("an enabled key named 'ops' exists");
  expect((await run(table, 'create', '--role', 'root', '--local')).err.join()).toContain(
    '--role must be one of write, admin, catalog',
  );
  expect((await run(table, 'list')).code).toBe(2);
  expect((await run(table, 'list', '--local', '--table', 'T')).code).toBe(2);
  expect(table.rows.size).toBe(1);
});

it('lists names, roles and dates, never keys or hashes; revoke disables by name', async () => {
  const table = memoryTable();
  const created = await run(table, 'create', '--role', 'admin', '--name', 'ops', '--local');
  await run(table, 'create', '--role', 'write', '--name', 'web', '--local');
  const key = created.out.at(-1) as string;

  const revoked = await run(table, 'revoke', 'ops', '--local');
  expect(revoked.code).toBe(0);
  expect(revoked.out.join()).toContain("revoked 'ops' (1 key)");
  expect([...table.rows.values()].find((r) => r.name === 'ops')).toMatchObject({
    disabled: true,
    disabledAt: '2026-12-03T10:00:00.000Z',
  });

  const listed = (await run(table, 'list', '--local')).out.join('\n');
  expect(listed).toMatch(/ops\s+admin\s+2026-12-03T10:00:00.000Z\s+revoked 2026-12-03T10:00:00.000Z/);
  expect(listed).toMatch(/web\s+write\s+2026-12-03T10:00:00.000Z\s+enabled/);
  expect(listed).not.toContain(key);
  expect(listed).not.toContain(hashWriteKey(key).slice(0, 12));

  expect((await run(table, 'revoke', 'ops', '--local')).code).toBe(1); // nothing enabled left
  // The name is free again once revoked.
  expect((await run(table, 'create', '--role', 'admin', '--name', 'ops', '--local')).code).toBe(0);
});

describe('DynamoWriteKeyStore list and disable', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  beforeEach(() => ddb.reset());

  it('scans every page and reads roles exactly', async () => {
    ddb
      .on(ScanCommand)
      .resolvesOnce({
        Items: [{ keyHash: 'h1', name: 'a', createdAt: 'x', role: 'catalog' }],
        LastEvaluatedKey: { keyHash: 'h1' },
      })
      .resolvesOnce({ Items: [{ keyHash: 'h2', name: 'b', createdAt: 'y', role: 'Admin' }] });
    await expect(new DynamoWriteKeyStore('wk').list()).resolves.toEqual([
      { keyHash: 'h1', name: 'a', createdAt: 'x', role: 'catalog' },
      { keyHash: 'h2', name: 'b', createdAt: 'y' }, // "Admin" is not a role: an ordinary key
    ]);
    expect(ddb).toHaveReceivedCommandTimes(ScanCommand, 2);
  });

  it('records when a key was disabled', async () => {
    ddb.on(UpdateCommand).resolves({});
    await new DynamoWriteKeyStore('wk').disable('h1', new Date('2026-12-03T10:00:00Z'));
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { keyHash: 'h1' },
      UpdateExpression: 'SET disabled = :disabled, disabledAt = :at',
      ExpressionAttributeValues: { ':disabled': true, ':at': '2026-12-03T10:00:00.000Z' },
    });
  });
});

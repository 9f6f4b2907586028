/**
 * `recostream keys create|list|revoke`: API keys of the ingest, admin and catalogue routes, against the
 * running local runtime (`--local`, its WriteKeys table and DynamoDB endpoint from <data-dir>/runtime.json)
 * or AWS (`--table`, the stack output WriteKeysTableName). Only the key's hash is stored (the contract in
 * lambdas/authorizer/write-keys.ts, which the authorizers read); `create` prints the key once, as the last
 * line of its output, so `KEY=$(npx recostream keys create … | tail -1)` captures it.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoWriteKeyStore } from '../../lambdas/authorizer/write-key-store';
import {
  KEY_ROLES,
  type KeyRole,
  newWriteKey,
  type WriteKeyRecord,
} from '../../lambdas/authorizer/write-keys';
import { COMMAND_TIMEOUTS, localDocumentClient } from '../emulators';
import { localRuntime } from './kit';

interface Io {
  out(text: string): void;
  err(text: string): void;
}

const OK = 0;
const FAILED = 1;
const USAGE = 2;

export const KEYS_HELP = `Usage: recostream keys create --role write|admin|catalog [--name NAME] [target]
       recostream keys list [target]
       recostream keys revoke NAME [target]

  create   makes a new random key and stores only its SHA-256 hash; prints the key as the LAST line of
           its output (shown once, never stored). Roles: write (ingest routes), admin (ingest routes,
           DELETE /v1/users/{userId}, PUT /v1/items), catalog (PUT /v1/items only). The name (default
           <role>-<date>-<random>) must not belong to an enabled key.
  list     names, roles, creation and revocation dates (never keys or hashes).
  revoke   disables every enabled key of that name (history kept). The catalogue and admin routes refuse
           it at once; the ingest routes may accept it for up to the authorizer cache TTL (300 s).

Target (one of)
  --local            the running local runtime (npm start)
  --data-dir DIR     its data directory (with --local) [.data]
  --table NAME       on AWS: the WriteKeys table (stack output WriteKeysTableName), through the default
                     AWS credentials chain and region`;

/** What the command needs of the WriteKeys table (DynamoWriteKeyStore; tests use an in-memory one). */
export interface KeyTable {
  put(record: WriteKeyRecord): Promise<void>;
  list(): Promise<WriteKeyRecord[]>;
  disable(keyHash: string, at?: Date): Promise<void>;
}

export interface KeysCommandDeps {
  /** Opens the table of the chosen target. @default the local runtime's or AWS's WriteKeys table */
  readonly openTable?: (target: { local: boolean; dataDir: string; table?: string }) => KeyTable;
  readonly clock?: () => Date;
}

export async function keysCommand(
  args: readonly string[],
  io: Io,
  deps: KeysCommandDeps = {},
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      role: { type: 'string' },
      name: { type: 'string' },
      local: { type: 'boolean', default: false },
      'data-dir': { type: 'string', default: '.data' },
      table: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.out(KEYS_HELP);
    return OK;
  }
  const usage = (message: string) => {
    io.err(`recostream keys: ${message}\n\n${KEYS_HELP}`);
    return USAGE;
  };
  const [action, ...rest] = positionals;
  if (action !== 'create' && action !== 'list' && action !== 'revoke') {
    return usage(`expected 'create', 'list' or 'revoke', got '${action ?? ''}'`);
  }
  if (values.local === (values.table !== undefined)) {
    return usage('pass --local (the running npm start) or --table NAME (stack output WriteKeysTableName)');
  }
  const clock = deps.clock ?? (() => new Date());
  const open = deps.openTable ?? openWriteKeysTable;

  if (action === 'create') {
    if (rest.length > 0) return usage(`unexpected argument '${rest[0]}'`);
    if (!isRole(values.role)) return usage(`--role must be one of ${KEY_ROLES.join(', ')}`);
    const name = values.name ?? defaultName(values.role, clock());
    if (!/^[A-Za-z0-9._@:+-]{1,128}$/.test(name)) {
      return usage(`--name must be 1-128 letters, digits or . _ @ : + -, got '${name}'`);
    }
    const table = open({ local: values.local, dataDir: values['data-dir'], table: values.table });
    const existing = (await table.list()).filter((r) => r.name === name && !r.disabled);
    if (existing.length > 0) {
      io.err(
        `recostream keys create: an enabled key named '${name}' exists; revoke it or choose another name`,
      );
      return FAILED;
    }
    const { key, record } = newWriteKey(name, clock(), values.role);
    await table.put(record);
    io.out(`created ${values.role} key '${name}' (${record.createdAt}); only its hash is stored:`);
    io.out(key);
    return OK;
  }
  if (values.role !== undefined || values.name !== undefined) {
    return usage(`--role and --name belong to 'create'`);
  }
  const table = open({ local: values.local, dataDir: values['data-dir'], table: values.table });
  if (action === 'list') {
    if (rest.length > 0) return usage(`unexpected argument '${rest[0]}'`);
    io.out(formatKeys(await table.list()));
    return OK;
  }
  const [name, ...extra] = rest;
  if (name === undefined || extra.length > 0) return usage('revoke takes exactly one key NAME');
  const matching = (await table.list()).filter((r) => r.name === name && !r.disabled);
  if (matching.length === 0) {
    io.err(`recostream keys revoke: no enabled key named '${name}' (see: recostream keys list)`);
    return FAILED;
  }
  const at = clock();
  for (const record of matching) await table.disable(record.keyHash, at);
  io.out(
    `revoked '${name}' (${matching.length} key${matching.length === 1 ? '' : 's'}) at ${at.toISOString()}`,
  );
  return OK;
}

/** One line per key, oldest first; never the key or its hash. */
export function formatKeys(records: readonly WriteKeyRecord[]): string {
  if (records.length === 0) return '(no keys)';
  const rows = [...records]
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name))
    .map((r) => [
      r.name,
      r.role ?? 'write',
      r.createdAt,
      r.disabled ? `revoked${r.disabledAt ? ` ${r.disabledAt}` : ''}` : 'enabled',
    ]);
  const header = ['NAME', 'ROLE', 'CREATED', 'STATUS'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function isRole(value: string | undefined): value is KeyRole {
  return (KEY_ROLES as readonly string[]).includes(value ?? '');
}

function defaultName(role: KeyRole, now: Date): string {
  return `${role}-${now.toISOString().slice(0, 10)}-${randomBytes(3).toString('hex')}`;
}

function openWriteKeysTable(target: { local: boolean; dataDir: string; table?: string }): KeyTable {
  if (!target.local) {
    return new DynamoWriteKeyStore(
      target.table as string,
      DynamoDBDocumentClient.from(new DynamoDBClient({})),
    );
  }
  const info = localRuntime(target.dataDir);
  const name = info.tables.WriteKeys;
  if (!name) throw new Error(`${target.dataDir}/runtime.json names no WriteKeys table: restart npm start`);
  return new DynamoWriteKeyStore(
    name,
    localDocumentClient(info.dynamoEndpoint, { timeouts: COMMAND_TIMEOUTS }),
  );
}

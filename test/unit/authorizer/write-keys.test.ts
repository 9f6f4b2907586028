/**
 * Write-key domain functions: the hash is stable SHA-256 hex (it is the table's partition key, so it must
 * never change), generated keys carry 256 random bits, and the Basic header parser accepts exactly what
 * Segment's libraries send while rejecting garbled input without ever echoing the key.
 */
import { createHash } from 'node:crypto';
import {
  basicAuthorizationFor,
  generateWriteKey,
  hashWriteKey,
  newWriteKey,
  parseBasicAuthorization,
} from '../../../lambdas/authorizer/write-keys';

describe('hashWriteKey', () => {
  it('is the SHA-256 hex digest of the UTF-8 key', () => {
    expect(hashWriteKey('rs_abc')).toBe(createHash('sha256').update('rs_abc').digest('hex'));
    expect(hashWriteKey('rs_abc')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('generateWriteKey', () => {
  it('is rs_ followed by 32 random bytes in base64url', () => {
    const key = generateWriteKey();
    expect(key).toMatch(/^rs_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key.slice(3), 'base64url')).toHaveLength(32);
  });

  it('does not repeat', () => {
    const keys = new Set(Array.from({ length: 100 }, generateWriteKey));
    expect(keys.size).toBe(100);
  });
});

describe('newWriteKey', () => {
  it('returns the key once and a record holding only its hash', () => {
    const { key, record } = newWriteKey('web-shop', new Date('2024-05-01T00:00:00Z'));
    expect(record).toEqual({
      keyHash: hashWriteKey(key),
      name: 'web-shop',
      createdAt: '2024-05-01T00:00:00.000Z',
    });
    expect(JSON.stringify(record)).not.toContain(key);
  });

  it('requires a name', () => {
    expect(() => newWriteKey(' ')).toThrow('write key name must not be empty');
  });
});

describe('parseBasicAuthorization', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');

  it('takes the user name of Basic credentials as the key (Segment sends "<key>:")', () => {
    expect(parseBasicAuthorization(`Basic ${b64('rs_key:')}`)).toEqual({ ok: true, writeKey: 'rs_key' });
    expect(parseBasicAuthorization(basicAuthorizationFor('rs_other'))).toEqual({
      ok: true,
      writeKey: 'rs_other',
    });
  });

  it('ignores a password and accepts a value without a colon', () => {
    expect(parseBasicAuthorization(`Basic ${b64('rs_key:secret')}`)).toEqual({
      ok: true,
      writeKey: 'rs_key',
    });
    expect(parseBasicAuthorization(`Basic ${b64('rs_key')}`)).toEqual({ ok: true, writeKey: 'rs_key' });
  });

  it('treats the scheme case-insensitively', () => {
    expect(parseBasicAuthorization(`basic ${b64('rs_key:')}`)).toEqual({ ok: true, writeKey: 'rs_key' });
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['another scheme', `Bearer ${b64('rs_key:')}`],
    ['no credentials', 'Basic'],
    ['not base64', 'Basic rs_key:'],
    ['bad base64 padding', 'Basic abc'],
    ['empty user name', `Basic ${b64(':password')}`],
    ['control characters', `Basic ${b64('rs\u0000key:')}`],
    ['too long', `Basic ${b64(`${'k'.repeat(300)}:`)}`],
  ])('rejects %s', (_label, header) => {
    const parsed = parseBasicAuthorization(header);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).not.toContain('rs_key');
  });
});

import {
  isPseudonym,
  lakeIdentifier,
  PseudonymKeyError,
  PseudonymRecordError,
  parsePseudonymKey,
  pseudonymize,
  pseudonymizeEvent,
  pseudonymizeRecord,
} from '../../../lambdas/shared/pseudonym';

// Expected digests computed independently with `printf '<id>' | openssl dgst -sha256 -hmac '<key>'`.
const KEY_TEXT = 'local-test-key-0123456789abcdef0123456789';
const KEY = parsePseudonymKey(KEY_TEXT);
const ALICE = 'p1_a3d34e18c2829a3fb6adea1e4870d82bce419cfaae320b418ee368cb3c26e46c';
const ANON_42 = 'p1_a93cc7525fb8254f2166563bb7d14d402974abdb3a74cb7fad156ce07fbfa920';

describe('pseudonymize', () => {
  it('is HMAC-SHA256 in hex behind the p1_ prefix (RFC 4231 test case 2)', () => {
    expect(pseudonymize(Buffer.from('Jefe'), 'what do ya want for nothing?')).toBe(
      'p1_5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('matches the openssl vectors for a user id and an anonymous id', () => {
    expect(pseudonymize(KEY, 'alice')).toBe(ALICE);
    expect(pseudonymize(KEY, 'anon-42')).toBe(ANON_42);
  });

  it('depends on the key', () => {
    expect(pseudonymize(parsePseudonymKey(`${KEY_TEXT}x`), 'alice')).not.toBe(ALICE);
  });

  it('recognises its own output only', () => {
    expect(isPseudonym(ALICE)).toBe(true);
    expect(isPseudonym('p1_abc')).toBe(false);
    expect(isPseudonym('alice')).toBe(false);
    expect(isPseudonym(undefined)).toBe(false);
  });

  it('keeps canary ids, which every job filters by their prefix', () => {
    expect(lakeIdentifier(KEY, 'canary#probe-1')).toBe('canary#probe-1');
    expect(lakeIdentifier(KEY, 'alice')).toBe(ALICE);
  });
});

describe('parsePseudonymKey', () => {
  it('refuses keys shorter than 32 characters, naming the length', () => {
    expect(() => parsePseudonymKey('short')).toThrow(
      new PseudonymKeyError('pseudonym key must be at least 32 characters, got 5'),
    );
    expect(() => parsePseudonymKey(undefined)).toThrow(PseudonymKeyError);
  });

  it('trims surrounding whitespace (a key file ends with a newline)', () => {
    expect(pseudonymize(parsePseudonymKey(`${KEY_TEXT}\n`), 'alice')).toBe(ALICE);
  });
});

describe('pseudonymizeEvent', () => {
  it('replaces userId and anonymousId and leaves every other field alone', () => {
    const event = { type: 'product_view', userId: 'alice', anonymousId: 'anon-42', itemId: 'alice', n: 1 };
    expect(pseudonymizeEvent(event, KEY)).toEqual({
      type: 'product_view',
      userId: ALICE,
      anonymousId: ANON_42,
      itemId: 'alice',
      n: 1,
    });
    expect(event.userId).toBe('alice');
  });

  it('keeps absent, null and empty ids as they are', () => {
    expect(pseudonymizeEvent({ anonymousId: 'anon-42', userId: null }, KEY)).toEqual({
      anonymousId: ANON_42,
      userId: null,
    });
    expect(pseudonymizeEvent({ userId: '' }, KEY)).toEqual({ userId: '' });
  });

  it('rejects non-objects and non-string ids with the reason', () => {
    expect(() => pseudonymizeEvent([1], KEY)).toThrow(
      new PseudonymRecordError('record is not a JSON object'),
    );
    expect(() => pseudonymizeEvent({ userId: 7 }, KEY)).toThrow(
      new PseudonymRecordError('userId must be a string, got number'),
    );
  });

  it('parses record bytes and reports invalid JSON', () => {
    expect(JSON.parse(pseudonymizeRecord(Buffer.from('{"userId":"alice"}'), KEY))).toEqual({ userId: ALICE });
    expect(() => pseudonymizeRecord(Buffer.from('{oops'), KEY)).toThrow(/^record is not valid JSON: /);
  });
});

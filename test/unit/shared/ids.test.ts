/**
 * One id contract for every entry point. Before: ingest and DELETE accepted control characters, lone
 * surrogates and any Unicode, while the lake purge refused them, so such a user could never be purged;
 * and a userId "anon#x" shared the profile of anonymous visitor x. Here every entry point (the ingest
 * normaliser behind our API and Segment's, DELETE /v1/users/{userId}, the recommendation API's path and
 * the purge) is asked about the same ids and must agree, and the reserved prefixes hold.
 */
import { validateUserId } from '../../../lambdas/deletion/deletion-request';
import { validatePurgeId } from '../../../lambdas/deletion/purge-sql';
import { parseIngestRequest } from '../../../lambdas/ingest/ingest-request';
import { parseParameters, UserPathSchema } from '../../../lambdas/recommend/api-schemas';
import { normalizeEvent } from '../../../lambdas/shared/events';

const receivedAt = new Date('2026-11-26T03:00:00.000Z');

type Verdict = { ok: true; id: string } | { ok: false; reason?: string };

function ingest(userId: string, allowCanaryUserIds = false): Verdict {
  const result = normalizeEvent(
    { type: 'product_view', userId, itemId: 'i-1' },
    { receivedAt, allowCanaryUserIds },
  );
  return result.ok
    ? { ok: true, id: result.event.userId as string }
    : { ok: false, reason: result.rejection.code };
}

function remove(userId: string): Verdict {
  try {
    return { ok: true, id: validateUserId(userId) };
  } catch {
    return { ok: false };
  }
}

function purge(userId: string): Verdict {
  try {
    return { ok: true, id: validatePurgeId(userId) };
  } catch {
    return { ok: false };
  }
}

function recommend(userId: string): Verdict {
  const parsed = parseParameters(UserPathSchema, { userId }, 'path');
  return parsed.ok ? { ok: true, id: parsed.value.userId } : { ok: false };
}

const NFD = 'Jose\u0301';
const NFC = 'José';

describe('the same ids are accepted and refused at every entry point', () => {
  it.each([
    ['plain', 'alice', 'alice'],
    ['quotes and unicode', "o'brien-ünïcode-😀", "o'brien-ünïcode-😀"],
    ['256 characters', 'x'.repeat(256), 'x'.repeat(256)],
    ['NFD, stored as NFC', NFD, NFC],
  ])('accepts %s', (_name, id, stored) => {
    for (const entry of [ingest, remove, recommend]) expect(entry(id)).toEqual({ ok: true, id: stored });
    // The purge receives what was stored, and accepts it.
    expect(purge(stored)).toEqual({ ok: true, id: stored });
  });

  it.each([
    ['a line feed (C0)', 'a\nb'],
    ['NUL', 'a\u0000'],
    ['DEL', 'a\u007f'],
    ['a C1 control', 'a\u0085b'],
    ['a lone high surrogate', 'a\ud800'],
    ['a lone low surrogate', '\udc00a'],
    ['257 characters', 'x'.repeat(257)],
  ])('refuses %s everywhere, as invalid_id at ingest', (_name, id) => {
    expect(ingest(id)).toEqual({ ok: false, reason: 'invalid_id' });
    for (const entry of [remove, recommend, purge]) expect(entry(id)).toEqual({ ok: false });
  });

  it('names the rule in the message', () => {
    const result = normalizeEvent({ type: 'page_view', userId: 'a\u0007b' }, { receivedAt });
    expect(result).toEqual({
      ok: false,
      rejection: {
        code: 'invalid_id',
        field: 'userId',
        message: 'userId: must not contain control characters (U+0007 at position 1)',
      },
    });
    expect(() => validateUserId('a\ud800')).toThrow(
      'userId must be well-formed Unicode (it contains a lone surrogate)',
    );
  });

  it('the purge refuses a stored id that is not NFC (it never rewrites what it deletes)', () => {
    expect(() => validatePurgeId(NFD)).toThrow('userId must be in Unicode normalization form NFC');
  });

  it('applies the text rules to the other ids of an event too', () => {
    const result = normalizeEvent(
      { type: 'product_view', userId: 'u', itemId: 'item\u0000', sessionId: `s${NFD}` },
      { receivedAt },
    );
    expect(result).toMatchObject({ ok: false, rejection: { code: 'invalid_id', field: 'itemId' } });
    const session = normalizeEvent({ type: 'page_view', userId: 'u', sessionId: `s${NFD}` }, { receivedAt });
    expect(session).toMatchObject({ ok: true, event: { sessionId: `s${NFC}` } });
  });
});

describe('reserved prefixes', () => {
  it('anon#: a userId cannot take an anonymous visitor profile, at ingest or DELETE', () => {
    expect(ingest('anon#x')).toEqual({ ok: false, reason: 'reserved_id' });
    expect(remove('anon#x')).toEqual({ ok: false });
    // The same visitor as an anonymousId is fine, and the recommendation API reads its profile by that key.
    expect(normalizeEvent({ type: 'page_view', anonymousId: 'x' }, { receivedAt }).ok).toBe(true);
    expect(recommend('anon#x')).toEqual({ ok: true, id: 'anon#x' });
    expect(recommend('anon#')).toEqual({ ok: false });
    expect(recommend('anon#a\u0000')).toEqual({ ok: false });
  });

  it('canary#: only from the canary', () => {
    expect(ingest('canary#default#1234')).toEqual({ ok: false, reason: 'reserved_id' });
    expect(ingest('canary#default#1234', true)).toEqual({ ok: true, id: 'canary#default#1234' });
    // Reading and deleting canary users stays possible.
    expect(recommend('canary#default#1234').ok).toBe(true);
    expect(remove('canary#default#1234').ok).toBe(true);
  });

  it("the ingest request allows canary# only when it comes with the canary's key", () => {
    const body = JSON.stringify({ events: [{ type: 'page_view', userId: 'canary#x#1' }] });
    const parse = (fromCanary: boolean) =>
      parseIngestRequest({
        route: 'events',
        headers: { 'content-type': 'application/json' },
        body,
        receivedAt,
        fromCanary,
      });
    const outsider = parse(false);
    expect(outsider.ok && outsider.batch.errors).toEqual([
      {
        index: 0,
        code: 'reserved_id',
        field: 'events[0].userId',
        message: 'userId: the prefix canary# is reserved for the freshness canary',
      },
    ]);
    const canary = parse(true);
    expect(canary.ok && canary.batch.accepted).toHaveLength(1);
  });
});

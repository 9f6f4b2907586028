import {
  checkRollbackTarget,
  type StoredRunRecord,
  versionsToExpire,
} from '../../../lambdas/jobs/versioning';
import type { RunStatus } from '../../../lambdas/shared/published';

const run = (
  runId: string,
  status: RunStatus = 'published',
  extra: Partial<StoredRunRecord> = {},
): StoredRunRecord => ({
  job: 'cf',
  runId,
  status,
  startedAt: '2026-11-26T00:00:00Z',
  ...extra,
});

describe('retention', () => {
  const runs = ['v1', 'v2', 'v3', 'v4', 'v5'].map((v) => run(`2026-11-0${v.slice(1)}T02-00-00Z-aaaa`));

  it('expires exactly the live versions beyond the newest N', () => {
    expect(versionsToExpire(runs, '2026-11-05T02-00-00Z-aaaa', 3)).toEqual([
      '2026-11-02T02-00-00Z-aaaa',
      '2026-11-01T02-00-00Z-aaaa',
    ]);
    expect(versionsToExpire(runs, '2026-11-05T02-00-00Z-aaaa', 5)).toEqual([]);
  });

  it('ignores rejected, failed and already expired runs, and never expires the active version', () => {
    const mixed = [
      ...runs,
      run('2026-11-06T02-00-00Z-aaaa', 'rejected'),
      run('2026-11-07T02-00-00Z-aaaa', 'failed'),
    ].map((r) => (r.runId.startsWith('2026-11-01') ? { ...r, expiredAt: '2026-11-04T00:00:00Z' } : r));
    // After a rollback to v2, v2 stays although it is beyond the newest 3.
    expect(versionsToExpire(mixed, '2026-11-02T02-00-00Z-aaaa', 3)).toEqual([]);
    expect(versionsToExpire(mixed, '2026-11-05T02-00-00Z-aaaa', 2)).toEqual([
      '2026-11-03T02-00-00Z-aaaa',
      '2026-11-02T02-00-00Z-aaaa',
    ]);
  });

  it('refuses keep < 1', () => {
    expect(() => versionsToExpire(runs, undefined, 0)).toThrow('keep must be an integer >= 1, got 0');
  });
});

describe('rollback rules', () => {
  const pointer = {
    job: 'cf' as const,
    runId: 'ACTIVE' as const,
    activeVersion: 'b',
    updatedAt: '',
    revision: 2,
  };
  it.each([
    ['x', undefined, "cf: no run 'x' (see `recostream jobs list cf`)"],
    [
      'a',
      run('a', 'published', { expiredAt: '2026-11-20T00:00:00Z' }),
      "cf: version 'a' expired at 2026-11-20T00:00:00Z; its items are gone",
    ],
    [
      'a',
      run('a', 'rejected'),
      "cf: run 'a' is rejected, not a published version; only published versions can be restored",
    ],
    [
      'a',
      run('a', 'failed'),
      "cf: run 'a' is failed, not a published version; only published versions can be restored",
    ],
    ['b', run('b'), "cf: version 'b' is already active"],
  ])('refuses %s (%#)', (target, record, message) => {
    expect(() => checkRollbackTarget('cf', target, record, pointer)).toThrow(message);
  });

  it('accepts a live published or rolled-back version', () => {
    expect(() => checkRollbackTarget('cf', 'a', run('a'), pointer)).not.toThrow();
    expect(() => checkRollbackTarget('cf', 'a', run('a', 'rolled_back'), pointer)).not.toThrow();
  });
});

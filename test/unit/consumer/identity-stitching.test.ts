/**
 * Identity stitching through the feature updater (identity-stitching.ts): a visitor's history reaches the
 * user exactly once, whatever is redelivered, replayed, reordered or raced. The visitor's events travel on
 * one shard (partition key anonymousId), the user's on another (partition key userId), as in production.
 */
import type { StreamRecord } from '../../../lambdas/consumer/feature-updater';
import { FeatureUpdater } from '../../../lambdas/consumer/feature-updater';
import { TOTAL_BUCKET } from '../../../lambdas/consumer/item-stats';
import { identityLinkOf, MAX_LINKED_ANONYMOUS_IDS } from '../../../lambdas/shared/identity';
import type { Profile } from '../../../lambdas/shared/profile-record';
import { at, event, records } from '../../support/events';
import { InMemoryFeatureStore } from '../../support/in-memory-feature-store';
import { TEST_UPDATER_OPTIONS } from '../../support/updater-options';

const VISITOR_SHARD = 'shardId-000000000001';
const USER_SHARD = 'shardId-000000000002';
const noDeadLetter = async () => undefined;

const view = (itemId: string, minute: number, eventId?: string) =>
  event({
    type: 'product_view',
    anonymousId: 'v1',
    itemId,
    category: 'lighting',
    occurredAt: at(minute),
    ...(eventId ? { eventId } : {}),
  });

/** Three views before login, on the visitor's shard. */
const browsing = () =>
  records([view('lamp', 1, 'a-1'), view('lamp', 2, 'a-2'), view('shade', 3, 'a-3')], VISITOR_SHARD, 1);
/** The identify call at login, and a view after it, on the user's shard. */
const login = () =>
  records(
    [
      event({
        type: 'custom',
        name: 'identify',
        userId: 'u1',
        anonymousId: 'v1',
        properties: {},
        occurredAt: at(4),
        eventId: 'u-1',
      }),
      event({
        type: 'product_view',
        userId: 'u1',
        itemId: 'desk',
        category: 'office',
        occurredAt: at(5),
        eventId: 'u-2',
      }),
    ],
    USER_SHARD,
    1,
  );
/** A view sent anonymously after the login (an old tab), on the visitor's shard. */
const lateVisit = () => records([view('bulb', 6, 'a-4')], VISITOR_SHARD, 10);

async function apply(store: InMemoryFeatureStore, ...batches: StreamRecord[][]) {
  const outcomes = [];
  for (const batch of batches)
    outcomes.push(await new FeatureUpdater(store, TEST_UPDATER_OPTIONS).process(batch, noDeadLetter));
  return outcomes;
}

const user = (store: InMemoryFeatureStore) => store.profiles.get('u1') as Profile;
const views = (store: InMemoryFeatureStore, itemId: string) =>
  store.items.get(`${itemId}\u0000${TOTAL_BUCKET}`)?.counts.views ?? 0;

describe('identity links', () => {
  it('come from identify (both ids) and from alias (previousId), not from one id alone', () => {
    expect(
      identityLinkOf(
        event({ type: 'custom', name: 'identify', userId: 'u', anonymousId: 'a', properties: {} }),
      ),
    ).toEqual({ anonymousId: 'a', userId: 'u' });
    expect(
      identityLinkOf(event({ type: 'custom', name: 'alias', userId: 'u', properties: { previousId: 'a' } })),
    ).toEqual({ anonymousId: 'a', userId: 'u' });
    expect(
      identityLinkOf(
        event({ type: 'custom', name: 'alias', userId: 'u', properties: { previousId: 'a\u0000' } }),
      ),
    ).toBeUndefined();
    expect(identityLinkOf(view('x', 1))).toBeUndefined();
  });
});

describe('identity stitching in the feature updater', () => {
  it('merges the visitor’s history into the user at login, and sends later visitor events to the user', async () => {
    const store = new InMemoryFeatureStore();
    await apply(store, browsing(), login(), lateVisit());
    expect(store.profiles.get('anon#v1')?.linkedTo).toBe('u1');
    expect(user(store).linkedAnonymous).toEqual(['v1']);
    expect(user(store).counts.product_view).toBe(5);
    expect(user(store).browsed?.lamp?.views).toBe(2);
    expect(user(store).browsed?.bulb?.views).toBe(1);
    // The frozen visitor profile kept its history and took nothing after the link.
    expect(store.profiles.get('anon#v1')?.counts.product_view).toBe(3);
  });

  it('ends in the same profile when the link arrives before the visitor’s events', async () => {
    const inOrder = new InMemoryFeatureStore();
    await apply(inOrder, browsing(), login(), lateVisit());
    const reordered = new InMemoryFeatureStore();
    // (A shard delivers in sequence order: only the two shards' batches can swap.)
    await apply(reordered, login(), browsing(), lateVisit());
    for (const field of ['counts', 'browsed', 'recent', 'affinities', 'firstEventAt', 'lastEventAt'] as const)
      expect(user(reordered)[field]).toEqual(user(inOrder)[field]);
    expect(views(reordered, 'lamp')).toBe(2);
  });

  it('changes nothing when every batch, the link included, is redelivered, in any order', async () => {
    const store = new InMemoryFeatureStore();
    await apply(store, browsing(), login(), lateVisit());
    const once = store.snapshot();
    const outcomes = await apply(store, lateVisit(), login(), browsing(), login(), browsing(), lateVisit());
    expect(store.snapshot()).toEqual(once);
    expect(outcomes.reduce((n, o) => n + o.applied, 0)).toBe(0);
    expect(outcomes.reduce((n, o) => n + o.profileWrites, 0)).toBe(0);
  });

  it('does not count again a visitor event resent after the link (same eventId, a new record)', async () => {
    const store = new InMemoryFeatureStore();
    await apply(store, browsing(), login());
    const before = store.snapshot();
    const resent = records([view('lamp', 2, 'a-2')], VISITOR_SHARD, 20);
    const [outcome] = await apply(store, resent);
    expect(outcome?.duplicates).toBe(1);
    expect(user(store).counts.product_view).toBe(4);
    expect(views(store, 'lamp')).toBe(2);
    expect(store.snapshot().profiles).toEqual(before.profiles);
  });

  it('keeps the first link when the visitor later logs in as someone else', async () => {
    const store = new InMemoryFeatureStore();
    const other = records(
      [
        event({
          type: 'custom',
          name: 'identify',
          userId: 'u2',
          anonymousId: 'v1',
          properties: {},
          occurredAt: at(7),
          eventId: 'x-1',
        }),
      ],
      'shardId-000000000003',
      1,
    );
    await apply(store, browsing(), login(), other, lateVisit());
    expect(store.profiles.get('anon#v1')?.linkedTo).toBe('u1');
    expect(store.profiles.get('u2')?.linkedAnonymous).toBeUndefined();
    expect(store.profiles.get('u2')?.counts).toEqual({ custom: 1 });
    expect(user(store).browsed?.bulb?.views).toBe(1);
  });

  it('redelivers the visitor’s batch when the link is written while it is folded, and applies it to the user', async () => {
    const store = new InMemoryFeatureStore();
    const put = store.putProfile.bind(store);
    let raced = false;
    // The link lands between the visitor batch's read and its write (another shard's consumer).
    store.putProfile = async (profile, expected) => {
      if (!raced && profile.userId === 'anon#v1' && profile.linkedTo === undefined) {
        raced = true;
        await apply(store, login());
      }
      return put(profile, expected);
    };
    const [first] = await apply(store, browsing());
    expect(first?.failedFromIndex).toBe(0);
    await apply(store, browsing()); // Lambda redelivers the failed records
    const clean = new InMemoryFeatureStore();
    await apply(clean, login(), browsing());
    expect(user(store).counts).toEqual(user(clean).counts);
    expect(user(store).browsed).toEqual(user(clean).browsed);
    expect(store.profiles.get('anon#v1')?.counts).toEqual({});
  });

  it('ends in the clean state after a crash at any write of the login batch and a full retry', async () => {
    const clean = new InMemoryFeatureStore();
    await apply(clean, browsing(), login(), lateVisit());
    const probe = new InMemoryFeatureStore();
    await apply(probe, browsing());
    const before = probe.writes;
    await apply(probe, login());
    const loginWrites = probe.writes - before;
    expect(loginWrites).toBeGreaterThan(2);
    for (let crashAfter = 0; crashAfter < loginWrites; crashAfter++) {
      const store = new InMemoryFeatureStore();
      await apply(store, browsing());
      store.writeBudget = store.writes + crashAfter;
      const [crashed] = await apply(store, login());
      expect(crashed?.failedFromIndex).toBeDefined();
      store.writeBudget = Number.POSITIVE_INFINITY;
      await apply(store, login(), lateVisit());
      const { profiles, items } = store.snapshot();
      expect({ profiles, items }).toEqual(clean.snapshot());
    }
  });

  it('reads the visitor’s profile only while the link is new (Segment sends both ids on every call after login)', async () => {
    const store = new InMemoryFeatureStore();
    await apply(store, browsing(), login());
    const reads: string[][] = [];
    const get = store.getProfiles.bind(store);
    store.getProfiles = async (keys) => {
      reads.push([...keys]);
      return get(keys);
    };
    const afterLogin = records(
      [event({ type: 'page_view', userId: 'u1', anonymousId: 'v1', occurredAt: at(9), eventId: 'u-3' })],
      USER_SHARD,
      5,
    );
    await apply(store, afterLogin);
    expect(reads).toEqual([['u1']]);
    expect(user(store).counts.page_view).toBe(1);
  });

  it('stops linking a user at the bound, so the list stays within what a deletion purges', async () => {
    const store = new InMemoryFeatureStore();
    const links = Array.from({ length: MAX_LINKED_ANONYMOUS_IDS + 2 }, (_, i) =>
      event({
        type: 'custom',
        name: 'identify',
        userId: 'u1',
        anonymousId: `d${i}`,
        properties: {},
        occurredAt: at(1),
      }),
    );
    await apply(store, records(links, USER_SHARD, 1));
    expect(user(store).linkedAnonymous).toHaveLength(MAX_LINKED_ANONYMOUS_IDS);
    expect(store.profiles.get(`anon#d${MAX_LINKED_ANONYMOUS_IDS}`)).toBeUndefined();
  });
});

/**
 * The freshness canary's measurement, with no AWS in it: send one marked event through the public
 * ingest API, then poll until the profile shows it (its eventId in the profile's event ledger) and, when
 * the recommendation API is checked, until its answer for the canary user reflects the view. The clock
 * starts when the request is sent, so the figures are what a client experiences end to end.
 *
 * Every run uses a new canary user (`canary#<name>#<run>`): a user who viewed the same item a minute ago
 * would already get "because you viewed <item>", so only a fresh user makes the recommendation answer
 * prove that *this* event arrived. Each run leaves one small profile, which the Profiles TTL expires.
 */
import { randomUUID } from 'node:crypto';
import { reasonText } from '../recommend/scoring';
import { CANARY_USER_PREFIX } from '../shared/canary';

export interface CanaryEvent {
  readonly type: 'product_view';
  readonly eventId: string;
  readonly userId: string;
  readonly itemId: string;
  readonly occurredAt: string;
}

export interface CanaryPorts {
  /** Posts the event to the ingest API; throws when it is not accepted. */
  send(event: CanaryEvent): Promise<void>;
  /** Whether the user's profile has applied the event. */
  profileHasEvent(userId: string, eventId: string): Promise<boolean>;
  /**
   * An item with published neighbours for the event to view, so the recommendation API can reflect it;
   * undefined when nothing is published yet (the recommendation check is then skipped, not failed).
   * Absent: the recommendation API is not checked.
   */
  pickItem?(): Promise<string | undefined>;
  /** Whether the recommendation API's answer for the user reflects the event's view. */
  recommendationsReflect?(userId: string, event: CanaryEvent): Promise<boolean>;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

export interface CanaryOptions {
  /** Names the canary users `canary#<name>#<run>` (e.g. the region). */
  readonly name: string;
  /** Give up after this long (must stay under the schedule interval). @default 45_000 */
  readonly timeoutMs?: number;
  /** @default 200 */
  readonly pollIntervalMs?: number;
}

export interface CanaryResult {
  readonly ok: boolean;
  readonly userId: string;
  readonly eventId: string;
  /** The item the event viewed. */
  readonly itemId: string;
  /** Sent -> visible in the profile. */
  readonly profileVisibleMs?: number;
  /** Sent -> reflected by the recommendation API. */
  readonly recommendationVisibleMs?: number;
  /** Why the recommendation API was not measured in this run (not a failure). */
  readonly recommendationSkipped?: string;
  readonly error?: string;
}

/** The item a canary event views when no item with neighbours is known. */
export const CANARY_PLACEHOLDER_ITEM = `${CANARY_USER_PREFIX}item`;
export const NOTHING_PUBLISHED = 'no published item with neighbours yet';

export function canaryEvent(
  name: string,
  now: Date,
  id: string = randomUUID(),
  itemId: string = CANARY_PLACEHOLDER_ITEM,
): CanaryEvent {
  return {
    type: 'product_view',
    eventId: `canary-${id}`,
    userId: `${CANARY_USER_PREFIX}${name}#${id.slice(0, 8)}`,
    itemId,
    occurredAt: now.toISOString(),
  };
}

/** Whether a recommendation answer shows the view: an item recommended "because you viewed <itemId>". */
export function answerReflectsView(
  items: ReadonlyArray<Readonly<Record<string, unknown>>>,
  itemId: string,
): boolean {
  const expected = reasonText('viewed', itemId);
  return items.some((item) => item.reason === expected);
}

export async function measureFreshness(ports: CanaryPorts, options: CanaryOptions): Promise<CanaryResult> {
  const timeoutMs = options.timeoutMs ?? 45_000;
  const pollMs = options.pollIntervalMs ?? 200;
  const reflect = ports.recommendationsReflect;
  // Picked before the clock starts: the figure is ingest -> visible, not the lookup.
  let picked: { itemId?: string; skipped?: string; error?: string } = {};
  if (ports.pickItem && reflect) {
    try {
      const itemId = await ports.pickItem();
      picked = itemId === undefined ? { skipped: NOTHING_PUBLISHED } : { itemId };
    } catch (error) {
      picked = { error: `could not pick an item for the recommendation check: ${message(error)}` };
    }
  }
  const started = ports.now();
  const event = canaryEvent(options.name, new Date(started), randomUUID(), picked.itemId);
  const base = {
    userId: event.userId,
    eventId: event.eventId,
    itemId: event.itemId,
    ...(picked.skipped !== undefined ? { recommendationSkipped: picked.skipped } : {}),
  };
  try {
    await ports.send(event);
  } catch (error) {
    return { ...base, ok: false, error: `ingest refused the canary event: ${message(error)}` };
  }
  const waitFor = async (check: () => Promise<boolean>, what: string): Promise<number | string> => {
    for (;;) {
      if (await check()) return ports.now() - started;
      if (ports.now() - started >= timeoutMs) return `not visible in the ${what} after ${timeoutMs} ms`;
      await ports.sleep(pollMs);
    }
  };
  let profileVisibleMs: number | undefined;
  try {
    const profile = await waitFor(() => ports.profileHasEvent(event.userId, event.eventId), 'profile');
    if (typeof profile === 'string') return { ...base, ok: false, error: profile };
    profileVisibleMs = profile;
    if (picked.error !== undefined) return { ...base, ok: false, profileVisibleMs, error: picked.error };
    if (!reflect || picked.itemId === undefined) return { ...base, ok: true, profileVisibleMs };
    const reco = await waitFor(
      () =>
        reflect(event.userId, event).catch((error: unknown) => {
          throw new Error(`recommendation API check failed: ${message(error)}`);
        }),
      'recommendation API',
    );
    if (typeof reco === 'string') return { ...base, ok: false, profileVisibleMs, error: reco };
    return { ...base, ok: true, profileVisibleMs, recommendationVisibleMs: reco };
  } catch (error) {
    return {
      ...base,
      ok: false,
      ...(profileVisibleMs !== undefined ? { profileVisibleMs } : {}),
      error: message(error),
    };
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Continue shopping: items the user viewed or added to the cart and has not bought since, newest
 * first. A cart line counts `events.add_to_cart` (3 by default), a view `events.product_view` (1), each
 * decayed with `reminderHalfLifeHours` from its latest time. What the stream consumer knows seconds after
 * the click and a nightly job never does: for the next purchase it is the strongest signal there is.
 */
import type { CandidatePool } from './candidate-pool';
import { decay } from './cf-signal';
import type { ReasonDetail } from './reasons';
import type { BlendWeights, ProfileView } from './scoring-model';

export interface ReminderCandidate {
  readonly itemId: string;
  readonly strength: number;
  readonly detail: ReasonDetail;
}

export function reminderCandidates(
  profile: ProfileView | undefined,
  now: number,
  weights: BlendWeights,
): ReminderCandidate[] {
  if (!profile) return [];
  // Runs on every for-you request: the browsing list and the cart are read in place, not copied.
  const boughtAt = new Map<string, string>();
  for (const p of profile.purchased) boughtAt.set(p.itemId, p.at);
  const halfLife = weights.reminderHalfLifeHours * 3_600_000;
  const viewWeight = weights.events.product_view ?? 0;
  const cartWeight = weights.events.add_to_cart ?? 0;
  const out: ReminderCandidate[] = [];
  const consider = (itemId: string, views: number, carts: number, viewedAt?: string, cartedAt?: string) => {
    const latest = latestOf(viewedAt, cartedAt);
    if (latest === undefined) return;
    const bought = boughtAt.get(itemId);
    if (bought !== undefined && bought >= latest) return;
    const strength =
      (cartedAt !== undefined ? cartWeight * decay(now, cartedAt, halfLife) : 0) +
      (viewedAt !== undefined ? viewWeight * decay(now, viewedAt, halfLife) : 0);
    if (!(strength > 0)) return;
    const carted = cartedAt !== undefined && cartedAt === latest;
    out.push({
      itemId,
      strength,
      detail: {
        kind: 'reminder',
        action: carted ? 'carted' : 'viewed',
        times: carted ? carts : views,
        at: latest,
      },
    });
  };
  const browsed = profile.browsed ?? {};
  const cart = profile.cart;
  for (const itemId in browsed) {
    const b = browsed[itemId] as NonNullable<ProfileView['browsed']>[string];
    // A cart line newer than the browsing list's own cart time wins (the list may lag the cart).
    const line = Object.hasOwn(cart, itemId) ? cart[itemId] : undefined;
    if (line !== undefined && (b.cartedAt === undefined || b.cartedAt < line.at))
      consider(itemId, b.views, Math.max(1, b.carts), b.viewedAt, line.at);
    else consider(itemId, b.views, b.carts, b.viewedAt, b.cartedAt);
  }
  // Cart lines the browsing list no longer holds (or older profiles without it) still remind.
  for (const itemId in cart) {
    if (Object.hasOwn(browsed, itemId)) continue;
    consider(itemId, 0, 1, undefined, (cart[itemId] as ProfileView['cart'][string]).at);
  }
  return out;
}

/** Adds reminders to the pool, `weight` times their strength (not rescaled: an old view stays weak). */
export function addReminders(
  pool: CandidatePool,
  candidates: readonly ReminderCandidate[],
  weight: number,
): void {
  if (!(weight > 0)) return;
  for (const c of candidates)
    pool.add(c.itemId, weight * c.strength, { kind: 'reminder', detail: c.detail }, undefined);
}

function latestOf(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a > b ? a : b;
}

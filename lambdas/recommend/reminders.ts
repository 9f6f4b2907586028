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
  const boughtAt = new Map(profile.purchased.map((p) => [p.itemId, p.at]));
  const halfLife = weights.reminderHalfLifeHours * 3_600_000;
  const viewWeight = weights.events.product_view ?? 0;
  const cartWeight = weights.events.add_to_cart ?? 0;
  const touched = new Map<string, { views: number; carts: number; viewedAt?: string; cartedAt?: string }>();
  for (const [itemId, b] of Object.entries(profile.browsed ?? {})) touched.set(itemId, { ...b });
  // Cart lines the browsing list no longer holds (or older profiles without it) still remind.
  for (const [itemId, line] of Object.entries(profile.cart)) {
    const b = touched.get(itemId) ?? { views: 0, carts: 0 };
    if (b.cartedAt === undefined || b.cartedAt < line.at)
      touched.set(itemId, { ...b, carts: Math.max(1, b.carts), cartedAt: line.at });
  }
  const out: ReminderCandidate[] = [];
  for (const [itemId, b] of touched) {
    const latest = latestOf(b.viewedAt, b.cartedAt);
    if (latest === undefined) continue;
    const bought = boughtAt.get(itemId);
    if (bought !== undefined && bought >= latest) continue;
    const strength =
      (b.cartedAt !== undefined ? cartWeight * decay(now, b.cartedAt, halfLife) : 0) +
      (b.viewedAt !== undefined ? viewWeight * decay(now, b.viewedAt, halfLife) : 0);
    if (!(strength > 0)) continue;
    const carted = b.cartedAt !== undefined && b.cartedAt === latest;
    out.push({
      itemId,
      strength,
      detail: {
        kind: 'reminder',
        action: carted ? 'carted' : 'viewed',
        times: carted ? b.carts : b.views,
        at: latest,
      },
    });
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

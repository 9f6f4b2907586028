/**
 * Buy again: how likely the user is to order an item they bought before, from what the profile keeps
 * per item (orders containing it, first and latest order time) and the user's orders as a whole.
 *
 *   propensity(i) = count(i)^γ · 2^(−age(i) / (h · interval(i)))
 *   interval(i)   = (latest − first) / (count(i) − 1)      the item's own repurchase interval, or
 *                   the user's typical interval between orders, or 30 days when neither is known
 *
 * γ = repurchaseCountExponent, h = repurchaseHalfLifeIntervals. An item bought every week and last bought
 * three weeks ago has faded more than one bought every quarter and last bought three weeks ago.
 */
import type { CandidatePool } from './candidate-pool';
import type { BlendWeights, ProfileView } from './scoring-model';

const DAY_MS = 86_400_000;
const DEFAULT_INTERVAL_MS = 30 * DAY_MS;

export interface RepurchaseCandidate {
  readonly itemId: string;
  readonly propensity: number;
  readonly count: number;
  readonly lastAt: string;
}

export function repurchaseCandidates(
  profile: ProfileView | undefined,
  now: number,
  weights: BlendWeights,
): RepurchaseCandidate[] {
  if (!profile) return [];
  const orders = profile.orders;
  const userInterval =
    orders && orders.count >= 2
      ? (Date.parse(orders.lastAt) - Date.parse(orders.firstAt)) / (orders.count - 1)
      : undefined;
  const out: RepurchaseCandidate[] = [];
  for (const p of profile.purchased) {
    const count = p.count ?? 1;
    const last = Date.parse(p.at);
    if (!Number.isFinite(last)) continue;
    const first = p.firstAt === undefined ? Number.NaN : Date.parse(p.firstAt);
    const own = count >= 2 && Number.isFinite(first) ? (last - first) / (count - 1) : undefined;
    const interval = Math.max(DAY_MS, own ?? userInterval ?? DEFAULT_INTERVAL_MS);
    const age = Math.max(0, now - last);
    const propensity =
      count ** weights.repurchaseCountExponent *
      2 ** (-age / (weights.repurchaseHalfLifeIntervals * interval));
    if (propensity > 0) out.push({ itemId: p.itemId, propensity, count, lastAt: p.at });
  }
  return out;
}

/** Adds repurchase candidates to the pool, scaled so the likeliest gets `weight`. */
export function addRepurchases(
  pool: CandidatePool,
  candidates: readonly RepurchaseCandidate[],
  weight: number,
): void {
  if (!(weight > 0)) return;
  let max = 0;
  for (const c of candidates) if (c.propensity > max) max = c.propensity;
  if (!(max > 0)) return;
  for (const c of candidates) {
    pool.add(
      c.itemId,
      (weight * c.propensity) / max,
      { kind: 'repurchase', detail: { kind: 'repurchase', count: c.count, lastAt: c.lastAt } },
      undefined,
    );
  }
}

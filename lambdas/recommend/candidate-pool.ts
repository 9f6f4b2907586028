/**
 * Candidates and their contributions, and the last step every placement shares: exclusions, the
 * category filter, the per-category cap, the limit, the exploration slots of new arrivals, and the reason
 * of each item (its single largest contribution). Scores are compared after rounding to 1e-9 and ties broken by item id, so the same
 * input always gives the same list.
 */
import { type ReasonDetail, reasonText } from './reasons';
import type { ProfileView, ReasonKind, Recommendation, ScoringOptions } from './scoring-model';

interface Candidate {
  readonly itemId: string;
  score: number;
  /** Collaborative filtering, before it is scaled (`addCollaborativeRaw`, `scaleCollaborative`). */
  cf: number;
  cfBest: number;
  cfWhy: Contribution | undefined;
  /** Largest single contribution and what it was. */
  best: number;
  kind: ReasonKind;
  ref: string | undefined;
  detail: ReasonDetail | undefined;
  category: string | undefined;
}

/** Tie-break order of reasons when two contributions are equal. */
const KIND_ORDER: Readonly<Record<ReasonKind, number>> = {
  reminder: 0,
  repurchase: 1,
  bought: 2,
  cart: 3,
  viewed: 4,
  trending: 5,
  popular: 6,
  new: 7,
  promoted: 8,
};

export interface Contribution {
  readonly kind: ReasonKind;
  readonly ref?: string;
  readonly detail?: ReasonDetail;
}

export class CandidatePool {
  private readonly candidates = new Map<string, Candidate>();
  private cfMax = 0;

  /** Adds `total` to the item's score; `best` (default: total) competes for the item's reason. */
  add(
    itemId: string,
    total: number,
    why: Contribution,
    category: string | undefined,
    best: number = total,
  ): void {
    if (!(total > 0)) return;
    const c = this.candidates.get(itemId);
    if (!c) {
      this.candidates.set(itemId, {
        itemId,
        score: total,
        cf: 0,
        cfBest: 0,
        cfWhy: undefined,
        best,
        kind: why.kind,
        ref: why.ref,
        detail: why.detail,
        category,
      });
      return;
    }
    this.compete(c, best, why);
    c.category ??= category;
    c.score += total;
  }

  /**
   * Collects one collaborative-filtering contribution at its raw size; `scaleCollaborative` then scales
   * every item's sum at once (one pass, no second map: this is the hot loop of a request).
   */
  addCollaborativeRaw(itemId: string, value: number, why: Contribution, category: string | undefined): void {
    let c = this.candidates.get(itemId);
    if (!c) {
      c = {
        itemId,
        score: 0,
        cf: 0,
        cfBest: 0,
        cfWhy: undefined,
        best: 0,
        kind: why.kind,
        ref: why.ref,
        detail: undefined,
        category,
      };
      this.candidates.set(itemId, c);
    } else c.category ??= category;
    c.cf += value;
    if (c.cf > this.cfMax) this.cfMax = c.cf;
    // Contributions come strongest source first, so an equal one keeps the stronger source.
    if (compareScores(c.cfBest, value) > 0) {
      c.cfBest = value;
      c.cfWhy = why;
    }
  }

  /** Adds the collected collaborative sums, scaled so the largest is `weight`. */
  scaleCollaborative(weight: number): void {
    if (!(this.cfMax > 0)) return;
    const scale = weight / this.cfMax;
    for (const c of this.candidates.values()) {
      if (!(c.cf > 0) || c.cfWhy === undefined) continue;
      const best = c.cfBest * scale;
      if (c.score === 0) {
        c.best = best;
        c.kind = c.cfWhy.kind;
        c.ref = c.cfWhy.ref;
      } else this.compete(c, best, c.cfWhy);
      c.score += c.cf * scale;
      c.cf = 0;
    }
    this.cfMax = 0;
  }

  private compete(c: Candidate, best: number, why: Contribution): void {
    if (!isStronger(best, why, c)) return;
    c.best = best;
    c.kind = why.kind;
    c.ref = why.ref;
    c.detail = why.detail;
  }

  get size(): number {
    return this.candidates.size;
  }

  /**
   * The ranked list: `excluded` items and items outside `category` dropped, at most `categoryCap` per
   * category, `limit` items, of which at least `explorationSlots` are new arrivals (reason `new`) when there
   * are such candidates (exploration.ts). `categoryOf` (the user's own interactions) wins over the
   * published category.
   */
  finish(
    opts: Pick<ScoringOptions, 'limit' | 'category' | 'categoryCap'> & { readonly explorationSlots?: number },
    excluded: ReadonlySet<string>,
    categoryOf: ReadonlyMap<string, string>,
    now: number,
  ): Recommendation[] {
    const eligible: Candidate[] = [];
    for (const c of this.candidates.values()) {
      if (!(c.score > 0) || excluded.has(c.itemId)) continue;
      c.category = categoryOf.get(c.itemId) ?? c.category;
      if (opts.category !== undefined && c.category !== opts.category) continue;
      eligible.push(c);
    }
    // Without a category cap only the best `limit` can be returned: select them instead of sorting all.
    const ranked =
      opts.categoryCap === undefined ? topK(eligible, opts.limit) : eligible.sort(compareCandidates);
    const perCategory = new Map<string, number>();
    const result: Candidate[] = [];
    for (const c of ranked) {
      if (result.length >= opts.limit) break;
      if (!withinCap(c, perCategory, opts.categoryCap)) continue;
      result.push(c);
    }
    const slots = Math.min(opts.explorationSlots ?? 0, opts.limit);
    if (slots > 0) reserveExploration(result, eligible, slots, opts.limit, opts.categoryCap);
    return result.map((c) => ({
      itemId: c.itemId,
      score: round6(c.score),
      reason: reasonText(c.kind, c.ref, c.detail, now),
      reasonKind: c.kind,
      ...(c.ref !== undefined ? { reasonRef: c.ref } : {}),
      ...(c.category !== undefined ? { category: c.category } : {}),
    }));
  }
}

function lowestNotNew(result: readonly Candidate[]): number {
  for (let i = result.length - 1; i >= 0; i--) if ((result[i] as Candidate).kind !== 'new') return i;
  return -1;
}

/** Counts `c` against the category cap when there is room for it. */
function withinCap(c: Candidate, perCategory: Map<string, number>, cap: number | undefined): boolean {
  if (cap === undefined || c.category === undefined) return true;
  const used = perCategory.get(c.category) ?? 0;
  if (used >= cap) return false;
  perCategory.set(c.category, used + 1);
  return true;
}

/**
 * The exploration slots: when `result` (best first) holds fewer than `slots` new arrivals, the best other
 * new arrivals of `eligible` take the last places, displacing the lowest items that are not new arrivals
 * (an empty place is filled first), within the category cap.
 */
function reserveExploration(
  result: Candidate[],
  eligible: readonly Candidate[],
  slots: number,
  limit: number,
  cap: number | undefined,
): void {
  let missing = slots - result.filter((c) => c.kind === 'new').length;
  if (missing <= 0) return;
  const chosen = new Set(result);
  const picks = eligible.filter((c) => c.kind === 'new' && !chosen.has(c)).sort(compareCandidates);
  for (const pick of picks) {
    if (missing <= 0) break;
    const displaced = result.length < limit ? -1 : lowestNotNew(result);
    if (result.length >= limit && displaced < 0) break;
    const out = displaced >= 0 ? result[displaced] : undefined;
    if (cap !== undefined && pick.category !== undefined && out?.category !== pick.category) {
      const used = result.filter((c) => c.category === pick.category).length;
      if (used >= cap) continue;
    }
    if (displaced >= 0) result.splice(displaced, 1);
    result.push(pick);
    missing--;
  }
}

/** The items a request leaves out of the user's own: purchases inside the window, cart lines, explicit ids. */
export function exclusionsOf(
  profile: ProfileView | undefined,
  now: number,
  opts: ScoringOptions,
): Set<string> {
  const excluded = new Set(opts.excludeItems);
  if (!profile) return excluded;
  if (opts.exclude.has('purchased')) {
    const since = now - opts.purchasedWindowDays * 86_400_000;
    for (const p of profile.purchased) if (Date.parse(p.at) >= since) excluded.add(p.itemId);
  }
  if (opts.exclude.has('cart')) for (const itemId of Object.keys(profile.cart)) excluded.add(itemId);
  return excluded;
}

/** Everything the user interacted with: bought, viewed or carted, in the cart, in the recent interactions. */
export function interactedItems(profile: ProfileView | undefined): Set<string> {
  const items = new Set<string>();
  if (!profile) return items;
  for (const p of profile.purchased) items.add(p.itemId);
  for (const r of profile.recent) items.add(r.itemId);
  for (const itemId of Object.keys(profile.browsed ?? {})) items.add(itemId);
  for (const itemId of Object.keys(profile.cart)) items.add(itemId);
  return items;
}

/** What the user's own interactions say about items' categories (first seen, most recent first). */
export function ownCategories(profile: ProfileView | undefined): Map<string, string> {
  const categories = new Map<string, string>();
  for (const r of profile?.recent ?? []) {
    if (r.category !== undefined && !categories.has(r.itemId)) categories.set(r.itemId, r.category);
  }
  return categories;
}

function isStronger(value: number, why: Contribution, current: Candidate): boolean {
  const byValue = compareScores(current.best, value);
  if (byValue !== 0) return byValue > 0;
  const byKind = KIND_ORDER[why.kind] - KIND_ORDER[current.kind];
  if (byKind !== 0) return byKind < 0;
  return compareIds(why.ref ?? '', current.ref ?? '') < 0;
}

function compareCandidates(a: Candidate, b: Candidate): number {
  return compareScores(a.score, b.score) || compareIds(a.itemId, b.itemId);
}

/** The best `k` candidates in order: insertion into a sorted buffer, most candidates rejected by one comparison. */
function topK(candidates: readonly Candidate[], k: number): Candidate[] {
  const best: Candidate[] = [];
  if (k <= 0) return best;
  for (const c of candidates) {
    if (best.length === k && compareCandidates(c, best[k - 1] as Candidate) >= 0) continue;
    let i = best.length - 1;
    while (i >= 0 && compareCandidates(c, best[i] as Candidate) < 0) i--;
    best.splice(i + 1, 0, c);
    if (best.length > k) best.pop();
  }
  return best;
}

/** Descending by value, equal within 1e-9. */
export function compareScores(a: number, b: number): number {
  const d = b - a;
  return Math.abs(d) <= 1e-9 ? 0 : d;
}

export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

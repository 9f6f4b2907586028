/**
 * Candidates and their contributions, and the last step every placement shares: exclusions, the
 * category filter, the per-category cap, the limit, the exploration slots of new arrivals, and the reason
 * of each item (its single largest contribution). Scores are compared after rounding to 1e-9 and ties broken by item id, so the same
 * input always gives the same list.
 */
import { type ItemIndex, itemIndex } from './item-index';
import { CollaborativeSums, NumberedSlots } from './numbered-scratch';
import { type ReasonDetail, reasonText } from './reasons';
import type { ProfileView, ReasonKind, Recommendation, ScoringOptions } from './scoring-model';

/** Mutable, and reused by the next request of the index once the pool is finished (numbered-scratch.ts). */
interface Candidate {
  /** The item's number in the pool's ItemIndex. */
  id: number;
  itemId: string;
  score: number;
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

/**
 * The candidates of one request, keyed by item number (item-index.ts). Collaborative filtering, hundreds of
 * contributions per request, is summed in typed arrays (numbered-scratch.ts); an item only it proposed
 * becomes a candidate object when another signal adds to it, when the user's own category applies, or when
 * it can still make the page (`finish`). A pool serves one `recommend` call: `finish` ends it.
 */
export class CandidatePool {
  private readonly candidates: NumberedSlots<Candidate>;
  private sums: CollaborativeSums | undefined;
  private readonly sources: Contribution[] = [];
  /** The factor of the collaborative sums once scaled; undefined before `scaleCollaborative`. */
  private cfScale: number | undefined;

  constructor(readonly index: ItemIndex = itemIndex()) {
    this.candidates = new NumberedSlots(index);
  }

  /** Adds `total` to the item's score; `best` (default: total) competes for the item's reason. */
  add(
    itemId: string,
    total: number,
    why: Contribution,
    category: string | undefined,
    best: number = total,
  ): void {
    if (total > 0) this.addNumbered(this.index.idOf(itemId), total, why, category, best);
  }

  /** `add` for item number `id` of the pool's index (lists numbered once: ItemIndex.idsOf). */
  addNumbered(
    id: number,
    total: number,
    why: Contribution,
    category: string | undefined,
    best: number = total,
  ): void {
    if (!(total > 0)) return;
    const c = this.candidates.get(id) ?? this.fromCollaborative(id);
    if (!c) {
      this.candidates.set(id, this.candidate(id, total, best, why, category));
      return;
    }
    this.compete(c, best, why);
    c.category ??= category;
    c.score += total;
  }

  /** Registers a collaborative-filtering source (the reason its contributions give); returns its number. */
  collaborativeSource(why: Contribution): number {
    return this.sources.push(why) - 1;
  }

  /**
   * Collects one collaborative-filtering contribution at its raw size: `value` for item number `id` from
   * source number `source`, in category number `categoryId` (-1: none). `scaleCollaborative` then scales
   * every item's sum at once. This is the hot loop of a request: no object per contribution.
   */
  addCollaborativeRaw(id: number, value: number, source: number, categoryId: number): void {
    if (this.cfScale !== undefined) throw new Error('collaborative contributions after scaleCollaborative');
    if (!(value > 0)) return;
    this.sums ??= new CollaborativeSums(this.index);
    this.sums.add(id, value, source, categoryId);
  }

  /** Adds the collected collaborative sums, scaled so the largest is `weight`. */
  scaleCollaborative(weight: number): void {
    const sums = this.sums;
    if (!sums || !(sums.max > 0) || this.cfScale !== undefined) return;
    const scale = weight / sums.max;
    this.cfScale = scale;
    // Candidates that exist already take their share now; the others are read from the sums when needed.
    this.candidates.forEach((c) => {
      const sum = sums.sumOf(c.id);
      if (!(sum > 0)) return;
      c.category ??= this.index.categoryAt(sums.categoryIdOf(c.id));
      const source = sums.sourceOf(c.id);
      if (source < 0) return;
      this.compete(c, sums.bestOf(c.id) * scale, this.sources[source] as Contribution);
      c.score += sum * scale;
    });
  }

  /**
   * The candidate of an item only collaborative filtering proposed so far, made from its scaled sum;
   * undefined when it has none (or the sums are not scaled yet).
   */
  private fromCollaborative(id: number): Candidate | undefined {
    const { sums, cfScale } = this;
    if (!sums || cfScale === undefined) return undefined;
    const source = sums.sourceOf(id);
    if (source < 0 || !(sums.sumOf(id) > 0)) return undefined;
    const why = this.sources[source] as Contribution;
    const c = this.candidate(
      id,
      sums.sumOf(id) * cfScale,
      sums.bestOf(id) * cfScale,
      why,
      this.index.categoryAt(sums.categoryIdOf(id)),
    );
    this.candidates.set(id, c);
    return c;
  }

  /** A candidate object: one a finished request left behind, overwritten, else a new one. */
  private candidate(
    id: number,
    score: number,
    best: number,
    why: Contribution,
    category: string | undefined,
  ): Candidate {
    const itemId = this.index.itemAt(id);
    const c = this.candidates.recycled();
    if (!c) return { id, itemId, score, best, kind: why.kind, ref: why.ref, detail: why.detail, category };
    c.id = id;
    c.itemId = itemId;
    c.score = score;
    c.best = best;
    c.kind = why.kind;
    c.ref = why.ref;
    c.detail = why.detail;
    c.category = category;
    return c;
  }

  private compete(c: Candidate, best: number, why: Contribution): void {
    if (!isStronger(best, why, c)) return;
    c.best = best;
    c.kind = why.kind;
    c.ref = why.ref;
    c.detail = why.detail;
  }

  /**
   * The ranked list: `excluded` items and items outside `category` dropped, at most `categoryCap` per
   * category, `limit` items, of which at least `explorationSlots` are new arrivals (reason `new`) when there
   * are such candidates (exploration.ts). `categoryOf` (the user's own interactions) wins over the
   * published category. Ends the pool: its arrays go back for the next request.
   */
  finish(
    opts: Pick<ScoringOptions, 'limit' | 'category' | 'categoryCap'> & { readonly explorationSlots?: number },
    excluded: ReadonlySet<string>,
    categoryOf: ReadonlyMap<string, string>,
    now: number,
  ): Recommendation[] {
    // Both inputs are small (the user's own items): look their candidates up, not every candidate in them.
    const out = new Set<number>();
    for (const itemId of excluded) {
      const id = this.index.existingIdOf(itemId);
      if (id !== undefined) out.add(id);
    }
    for (const [itemId, category] of categoryOf) {
      const id = this.index.existingIdOf(itemId);
      const c = id === undefined ? undefined : (this.candidates.get(id) ?? this.fromCollaborative(id));
      if (c) c.category = category;
    }
    const isEligible = (c: Candidate) =>
      c.score > 0 && !out.has(c.id) && (opts.category === undefined || c.category === opts.category);
    // Without a category cap only the best `limit` can be returned: select them instead of sorting all, and
    // make a candidate of an item only collaborative filtering proposed only when it beats the last place.
    let ranked: Candidate[];
    if (opts.categoryCap === undefined) {
      ranked = [];
      this.candidates.forEach((c) => {
        if (isEligible(c)) offerTop(ranked, c, opts.limit);
      });
      this.offerCollaborativeOnly(ranked, opts.limit, out, opts.category);
    } else {
      ranked = this.candidates.filter(isEligible);
      this.offerCollaborativeOnly(ranked, Number.POSITIVE_INFINITY, out, opts.category);
      ranked.sort(compareCandidates);
    }
    const perCategory = new Map<string, number>();
    const result: Candidate[] = [];
    for (const c of ranked) {
      if (result.length >= opts.limit) break;
      if (!withinCap(c, perCategory, opts.categoryCap)) continue;
      result.push(c);
    }
    const slots = Math.min(opts.explorationSlots ?? 0, opts.limit);
    if (slots > 0) {
      // Only new arrivals can take an exploration slot (collaborative filtering never proposes one as new).
      const arrivals = this.candidates.filter((c) => c.kind === 'new' && isEligible(c));
      reserveExploration(result, arrivals, slots, opts.limit, opts.categoryCap);
    }
    // Read before the release: the candidate objects are the next request's to reuse.
    const recommendations = result.map((c) => ({
      itemId: c.itemId,
      score: round6(c.score),
      reason: reasonText(c.kind, c.ref, c.detail, now),
      reasonKind: c.kind,
      ...(c.ref !== undefined ? { reasonRef: c.ref } : {}),
      ...(c.category !== undefined ? { category: c.category } : {}),
    }));
    this.candidates.release();
    this.sums?.release();
    return recommendations;
  }

  /**
   * Offers every eligible item only collaborative filtering proposed to `best` (kept in order, at most `k`;
   * an unbounded `k` takes them all, unordered).
   */
  private offerCollaborativeOnly(
    best: Candidate[],
    k: number,
    out: ReadonlySet<number>,
    category: string | undefined,
  ): void {
    const { sums, cfScale } = this;
    if (!sums || cfScale === undefined || k <= 0) return;
    const wanted = category === undefined ? undefined : this.index.categoryIdOf(category);
    for (let t = 0; t < sums.touchedCount; t++) {
      const id = sums.touchedAt(t);
      if (this.candidates.get(id) !== undefined || sums.sourceOf(id) < 0 || out.has(id)) continue;
      const score = sums.sumOf(id) * cfScale;
      if (!(score > 0) || (wanted !== undefined && sums.categoryIdOf(id) !== wanted)) continue;
      if (best.length >= k) {
        const last = best[k - 1] as Candidate;
        const byScore = compareScores(score, last.score);
        if (byScore > 0 || (byScore === 0 && compareIds(this.index.itemAt(id), last.itemId) >= 0)) continue;
      }
      const c = this.fromCollaborative(id) as Candidate;
      if (k === Number.POSITIVE_INFINITY) best.push(c);
      else insertRanked(best, c, k);
    }
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
 * The exploration slots: when `result` (best first) holds fewer than `slots` new arrivals, the best others
 * of `arrivals` (the eligible new arrivals) take the last places, displacing the lowest items that are not
 * new arrivals (an empty place is filled first), within the category cap.
 */
function reserveExploration(
  result: Candidate[],
  arrivals: readonly Candidate[],
  slots: number,
  limit: number,
  cap: number | undefined,
): void {
  let missing = slots - result.filter((c) => c.kind === 'new').length;
  if (missing <= 0) return;
  const chosen = new Set(result);
  const picks = arrivals.filter((c) => !chosen.has(c)).sort(compareCandidates);
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

/**
 * Offers `c` to `best`, the best `k` candidates in order: insertion into a sorted buffer, most candidates
 * rejected by one comparison.
 */
function offerTop(best: Candidate[], c: Candidate, k: number): void {
  if (k <= 0) return;
  if (best.length === k && compareCandidates(c, best[k - 1] as Candidate) >= 0) return;
  insertRanked(best, c, k);
}

/** Inserts `c` into `best` (in order) at its place, keeping at most `k`. */
function insertRanked(best: Candidate[], c: Candidate, k: number): void {
  let i = best.length - 1;
  while (i >= 0 && compareCandidates(c, best[i] as Candidate) < 0) i--;
  best.splice(i + 1, 0, c);
  if (best.length > k) best.pop();
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

/**
 * Recommendation scoring: a pure function of a profile view, the neighbour lists the batch job published,
 * trending lists and the options. No I/O and no clock: the API handler and the offline evaluator call the
 * same code with the same inputs and get the same ranking.
 *
 *   score(c) =   Σ_sources  w(s) · sim(s, c)                          item-to-item CF ("because you viewed s")
 *              + Σ_top cats trending · share(cat) · trend(c, cat) / max   ("trending in cat")
 *              + popular · trend(c, global) / max                          ("popular")
 *
 *   w(s) = Σ over the user's recent interactions with s of  events[type] · 2^(−age / recencyHalfLife)
 *        + purchaseHistory · 2^(−age of the purchase / purchaseHalfLife)   for items in `purchased`
 *
 * Sources are the `maxSources` items with the largest w(s) (ties: item id), so the neighbour reads are
 * bounded; `sourceItemsFor` lists them for the handler to fetch before calling `recommend`.
 * The reason of a candidate is its single largest contribution. Ties in score are broken by item id, and
 * scores are compared after rounding to 1e-9 so floating-point noise cannot reorder equal candidates.
 */
import type { EventType } from '../shared/events/schema';

/** What scoring reads of a profile (lambdas/consumer/profile.ts `Profile` is assignable to it). */
export interface ProfileView {
  readonly userId: string;
  /** Most recent first. */
  readonly recent: ReadonlyArray<{
    readonly type: EventType;
    readonly itemId: string;
    readonly category?: string;
    /** ISO-8601 event time. */
    readonly at: string;
  }>;
  readonly purchased: ReadonlyArray<{ readonly itemId: string; readonly at: string }>;
  readonly cart: Readonly<Record<string, { readonly quantity: number; readonly at: string }>>;
  /** Decayed category weights: `score` as of `at` (epoch ms). */
  readonly affinities: Readonly<Record<string, { readonly score: number; readonly at: number }>>;
  readonly session?: { readonly id: string; readonly startedAt: string; readonly lastAt: string };
}

/** One neighbour of a source item (lambdas/shared/published.ts `Neighbour`). */
export interface NeighbourView {
  readonly itemId: string;
  readonly score: number;
  readonly category?: string;
}

/** One entry of a trending list (published.ts `TrendingItem.items`), best first. */
export interface TrendingEntry {
  readonly itemId: string;
  readonly score: number;
  readonly category?: string;
}

export interface TrendingLists {
  readonly global: readonly TrendingEntry[];
  /** Category -> its trending list. */
  readonly byCategory: ReadonlyMap<string, readonly TrendingEntry[]>;
}

/** The blend: what a variant changes. */
export interface BlendWeights {
  /** Weight of one recent interaction with a source item, per event type (absent: 0, not a source). */
  readonly events: Readonly<Partial<Record<EventType, number>>>;
  /** Half-life of a recent interaction's weight, hours. */
  readonly recencyHalfLifeHours: number;
  /** Weight of one past purchase as a source. */
  readonly purchaseHistory: number;
  /** Half-life of a past purchase's weight, days. */
  readonly purchaseHalfLifeDays: number;
  /** Weight of the trending lists of the user's top categories. */
  readonly trending: number;
  /** Weight of the global trending (or popular) list. */
  readonly popular: number;
  /** How many of the user's top categories contribute their trending list. */
  readonly topCategories: number;
  /** Half-life used to rank category affinities at read time, days (the consumer's default is 14). */
  readonly affinityHalfLifeDays: number;
}

export const DEFAULT_WEIGHTS: BlendWeights = {
  events: { product_view: 1, recommendation_click: 2, add_to_cart: 3, purchase: 5 },
  recencyHalfLifeHours: 24,
  purchaseHistory: 1,
  purchaseHalfLifeDays: 90,
  trending: 0.5,
  popular: 0.1,
  topCategories: 3,
  affinityHalfLifeDays: 14,
};

export type ExclusionKind = 'purchased' | 'cart';

export interface ScoringOptions {
  readonly limit: number;
  /** Which of the user's own items to leave out. */
  readonly exclude: ReadonlySet<ExclusionKind>;
  /** Items the caller hides explicitly. */
  readonly excludeItems: ReadonlySet<string>;
  /** Only items known to be in this category. */
  readonly category?: string;
  /** At most this many items per (known) category. */
  readonly categoryCap?: number;
  /** Purchases older than this many days are not excluded by `purchased`. */
  readonly purchasedWindowDays: number;
  /** Bound on source items (and so on neighbour lists read). */
  readonly maxSources: number;
  /** Only the interactions of the current session count (anonymous visitors). */
  readonly sessionOnly: boolean;
  readonly weights: BlendWeights;
}

export const DEFAULT_OPTIONS: ScoringOptions = {
  limit: 10,
  exclude: new Set<ExclusionKind>(['purchased', 'cart']),
  excludeItems: new Set(),
  purchasedWindowDays: 365,
  maxSources: 20,
  sessionOnly: false,
  weights: DEFAULT_WEIGHTS,
};

export interface ScoringInput {
  readonly profile?: ProfileView;
  /** Neighbour lists by source item id (at least those `sourceItemsFor` names; extra ones are ignored). */
  readonly neighbours: ReadonlyMap<string, readonly NeighbourView[]>;
  readonly trending: TrendingLists;
  /** Fallback for the global list when no trending version is published (e.g. all-time counters). */
  readonly popular?: readonly TrendingEntry[];
  /** Epoch ms. */
  readonly now: number;
  readonly options?: Partial<ScoringOptions>;
}

export type ReasonKind = 'bought' | 'cart' | 'viewed' | 'trending' | 'popular';

export interface Recommendation {
  readonly itemId: string;
  /** Rounded to 6 decimals. */
  readonly score: number;
  /** Human readable, e.g. "because you viewed item-42". */
  readonly reason: string;
  readonly reasonKind: ReasonKind;
  /** The source item (CF) or category (trending) behind the reason. */
  readonly reasonRef?: string;
  readonly category?: string;
}

export interface Source {
  readonly itemId: string;
  readonly weight: number;
  /** The interaction kind that contributed most to the weight. */
  readonly kind: 'bought' | 'cart' | 'viewed';
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Tie-break order of reasons when two contributions are equal. */
const KIND_ORDER: Readonly<Record<ReasonKind, number>> = {
  bought: 0,
  cart: 1,
  viewed: 2,
  trending: 3,
  popular: 4,
};

/** The options with defaults for every absent (or explicitly undefined) field. */
export function withDefaults(options: Partial<ScoringOptions> | undefined): ScoringOptions {
  if (!options) return DEFAULT_OPTIONS;
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  return { ...DEFAULT_OPTIONS, ...given };
}

/**
 * The source items of a profile, strongest first, at most `maxSources`. The handler reads exactly these
 * items' neighbour lists (one bounded BatchGetItem).
 */
export function sourceItemsFor(
  profile: ProfileView | undefined,
  now: number,
  options?: Partial<ScoringOptions>,
): Source[] {
  if (!profile) return [];
  const opts = withDefaults(options);
  const { weights } = opts;
  const byItem = new Map<string, { weight: number; parts: Map<Source['kind'], number> }>();
  const add = (itemId: string, kind: Source['kind'], weight: number) => {
    if (!(weight > 0)) return;
    let entry = byItem.get(itemId);
    if (!entry) {
      entry = { weight: 0, parts: new Map() };
      byItem.set(itemId, entry);
    }
    entry.weight += weight;
    entry.parts.set(kind, (entry.parts.get(kind) ?? 0) + weight);
  };

  const sessionStart = opts.sessionOnly ? profile.session?.startedAt : undefined;
  const inSession = sessionStart ? profile.recent.filter((r) => r.at >= sessionStart) : profile.recent;
  // A visitor whose session has no item interaction yet still gets their earlier ones.
  const recent = inSession.length > 0 ? inSession : profile.recent;
  const recencyHalfLife = weights.recencyHalfLifeHours * HOUR_MS;
  for (const interaction of recent) {
    const base = weights.events[interaction.type] ?? 0;
    add(interaction.itemId, kindOf(interaction.type), base * decay(now, interaction.at, recencyHalfLife));
  }
  if (!opts.sessionOnly) {
    const purchaseHalfLife = weights.purchaseHalfLifeDays * DAY_MS;
    for (const purchase of profile.purchased) {
      add(purchase.itemId, 'bought', weights.purchaseHistory * decay(now, purchase.at, purchaseHalfLife));
    }
  }

  return [...byItem]
    .map(([itemId, { weight, parts }]) => ({ itemId, weight, kind: strongestKind(parts) }))
    .sort((a, b) => compareScores(a.weight, b.weight) || compareIds(a.itemId, b.itemId))
    .slice(0, Math.max(0, opts.maxSources));
}

/** The categories whose trending lists scoring uses: the user's top categories, plus the requested one. */
export function trendingCategoriesFor(
  profile: ProfileView | undefined,
  now: number,
  options?: Partial<ScoringOptions>,
): string[] {
  const opts = withDefaults(options);
  const top = topCategories(profile, now, opts.weights).map((c) => c.category);
  if (opts.category !== undefined && !top.includes(opts.category)) top.push(opts.category);
  return top;
}

/** Ranks candidates for a user (or for nobody: cold start gets the trending and popular lists). */
export function recommend(input: ScoringInput): Recommendation[] {
  const opts = withDefaults(input.options);
  const { weights } = opts;
  const { profile, now } = input;
  const candidates = new Map<string, Candidate>();
  const contribute = (
    itemId: string,
    value: number,
    kind: ReasonKind,
    ref: string | undefined,
    category: string | undefined,
  ) => {
    if (!(value > 0)) return;
    let c = candidates.get(itemId);
    if (!c) {
      c = { itemId, score: 0, best: value, kind, ref, category };
      candidates.set(itemId, c);
    } else {
      if (isStronger(value, kind, ref, c)) {
        c.best = value;
        c.kind = kind;
        c.ref = ref;
      }
      c.category ??= category;
    }
    c.score += value;
  };

  for (const source of sourceItemsFor(profile, now, opts)) {
    for (const n of input.neighbours.get(source.itemId) ?? []) {
      if (n.itemId === source.itemId) continue;
      contribute(n.itemId, source.weight * n.score, source.kind, source.itemId, n.category);
    }
  }

  const top = topCategories(profile, now, weights);
  const shares = new Map(top.map((c) => [c.category, c.share]));
  if (opts.category !== undefined && !shares.has(opts.category)) shares.set(opts.category, 1);
  for (const [category, share] of [...shares].sort(([a], [b]) => compareIds(a, b))) {
    addList(input.trending.byCategory.get(category) ?? [], weights.trending * share, (entry, value) =>
      contribute(entry.itemId, value, 'trending', category, entry.category ?? category),
    );
  }
  const global = input.trending.global.length > 0 ? input.trending.global : (input.popular ?? []);
  addList(global, weights.popular, (entry, value) =>
    contribute(entry.itemId, value, 'popular', undefined, entry.category),
  );

  // What the user's own interactions say about an item's category wins over the published lists.
  const recentCategories = new Map<string, string>();
  for (const r of profile?.recent ?? []) {
    if (r.category !== undefined && !recentCategories.has(r.itemId))
      recentCategories.set(r.itemId, r.category);
  }
  const excluded = exclusionsOf(profile, now, opts);
  const eligible: Candidate[] = [];
  for (const c of candidates.values()) {
    if (excluded.has(c.itemId)) continue;
    c.category = recentCategories.get(c.itemId) ?? c.category;
    if (opts.category !== undefined && c.category !== opts.category) continue;
    eligible.push(c);
  }
  // Without a category cap only the best `limit` can be returned: select them instead of sorting all.
  const ranked =
    opts.categoryCap === undefined ? topK(eligible, opts.limit) : eligible.sort(compareCandidates);

  const perCategory = new Map<string, number>();
  const result: Recommendation[] = [];
  for (const c of ranked) {
    if (result.length >= opts.limit) break;
    const category = c.category;
    if (opts.categoryCap !== undefined && category !== undefined) {
      const used = perCategory.get(category) ?? 0;
      if (used >= opts.categoryCap) continue;
      perCategory.set(category, used + 1);
    }
    result.push({
      itemId: c.itemId,
      score: round6(c.score),
      reason: reasonText(c.kind, c.ref),
      reasonKind: c.kind,
      ...(c.ref !== undefined ? { reasonRef: c.ref } : {}),
      ...(category !== undefined ? { category } : {}),
    });
  }
  return result;
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

/** GET /v1/items/{itemId}/similar: the item's published neighbours, best first. */
export function similarItems(
  itemId: string,
  neighbours: readonly NeighbourView[],
  options: { readonly limit: number; readonly excludeItems?: ReadonlySet<string> },
): Recommendation[] {
  return neighbours
    .filter((n) => n.itemId !== itemId && !options.excludeItems?.has(n.itemId) && n.score > 0)
    .sort((a, b) => compareScores(a.score, b.score) || compareIds(a.itemId, b.itemId))
    .slice(0, options.limit)
    .map((n) => ({
      itemId: n.itemId,
      score: round6(n.score),
      reason: `similar to ${itemId}`,
      reasonKind: 'viewed' as const,
      reasonRef: itemId,
      ...(n.category !== undefined ? { category: n.category } : {}),
    }));
}

/** GET /v1/items/trending: a trending list as recommendations. */
export function trendingItems(
  entries: readonly TrendingEntry[],
  options: { readonly limit: number; readonly category?: string },
): Recommendation[] {
  const kind: ReasonKind = options.category === undefined ? 'popular' : 'trending';
  return [...entries]
    .sort((a, b) => compareScores(a.score, b.score) || compareIds(a.itemId, b.itemId))
    .slice(0, options.limit)
    .map((e) => {
      const category = e.category ?? options.category;
      return {
        itemId: e.itemId,
        score: round6(e.score),
        reason: reasonText(kind, options.category),
        reasonKind: kind,
        ...(options.category !== undefined ? { reasonRef: options.category } : {}),
        ...(category !== undefined ? { category } : {}),
      };
    });
}

export function reasonText(kind: ReasonKind, ref: string | undefined): string {
  switch (kind) {
    case 'bought':
      return `because you bought ${ref}`;
    case 'cart':
      return `because you added ${ref} to your cart`;
    case 'viewed':
      return `because you viewed ${ref}`;
    case 'trending':
      return `trending in ${ref}`;
    case 'popular':
      return 'popular';
  }
}

interface Candidate {
  readonly itemId: string;
  score: number;
  /** Largest single contribution and what it was. */
  best: number;
  kind: ReasonKind;
  ref: string | undefined;
  category: string | undefined;
}

function isStronger(value: number, kind: ReasonKind, ref: string | undefined, current: Candidate): boolean {
  const byValue = compareScores(current.best, value);
  if (byValue !== 0) return byValue > 0;
  const byKind = KIND_ORDER[kind] - KIND_ORDER[current.kind];
  if (byKind !== 0) return byKind < 0;
  return compareIds(ref ?? '', current.ref ?? '') < 0;
}

/** Adds a best-first list, each entry scaled by its score relative to the list's best. */
function addList(
  list: readonly TrendingEntry[],
  weight: number,
  add: (entry: TrendingEntry, value: number) => void,
): void {
  if (!(weight > 0) || list.length === 0) return;
  let max = 0;
  for (const entry of list) if (entry.score > max) max = entry.score;
  if (!(max > 0)) return;
  for (const entry of list) add(entry, (weight * entry.score) / max);
}

function topCategories(
  profile: ProfileView | undefined,
  now: number,
  weights: BlendWeights,
): Array<{ category: string; share: number }> {
  if (!profile || weights.topCategories <= 0) return [];
  const halfLife = weights.affinityHalfLifeDays * DAY_MS;
  const ranked = Object.entries(profile.affinities)
    .map(([category, a]) => ({ category, value: a.score * 2 ** (-Math.max(0, now - a.at) / halfLife) }))
    .filter((c) => c.value > 0)
    .sort((a, b) => compareScores(a.value, b.value) || compareIds(a.category, b.category))
    .slice(0, weights.topCategories);
  const total = ranked.reduce((sum, c) => sum + c.value, 0);
  return ranked.map((c) => ({ category: c.category, share: c.value / total }));
}

function exclusionsOf(profile: ProfileView | undefined, now: number, opts: ScoringOptions): Set<string> {
  const excluded = new Set(opts.excludeItems);
  if (!profile) return excluded;
  if (opts.exclude.has('purchased')) {
    const since = now - opts.purchasedWindowDays * DAY_MS;
    for (const p of profile.purchased) if (Date.parse(p.at) >= since) excluded.add(p.itemId);
  }
  if (opts.exclude.has('cart')) for (const itemId of Object.keys(profile.cart)) excluded.add(itemId);
  return excluded;
}

function kindOf(type: EventType): Source['kind'] {
  if (type === 'purchase') return 'bought';
  if (type === 'add_to_cart') return 'cart';
  return 'viewed';
}

function strongestKind(parts: ReadonlyMap<Source['kind'], number>): Source['kind'] {
  let best: Source['kind'] = 'viewed';
  let bestValue = -1;
  for (const kind of ['bought', 'cart', 'viewed'] as const) {
    const value = parts.get(kind) ?? 0;
    if (compareScores(bestValue, value) > 0) {
      best = kind;
      bestValue = value;
    }
  }
  return best;
}

/** 2^(−age/halfLife); events from the future (clock skew) count as now. */
function decay(now: number, atIso: string, halfLifeMs: number): number {
  const at = Date.parse(atIso);
  if (!Number.isFinite(at)) return 0;
  return 2 ** (-Math.max(0, now - at) / halfLifeMs);
}

/** Descending by value, equal within 1e-9. */
function compareScores(a: number, b: number): number {
  const d = b - a;
  return Math.abs(d) <= 1e-9 ? 0 : d;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

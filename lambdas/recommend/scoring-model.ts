/**
 * What scoring reads and what it can be told: the profile view, the published lists, the placements,
 * the blend weights and the request options, with their defaults. Types and constants only; the
 * functions live in scoring.ts and the signal modules it composes.
 */
import type { EventType } from '../shared/events/schema';
import { DEFAULT_EXPLORATION_CONFIG } from '../shared/exploration-config';
import type { ProfileView } from '../shared/profile-record';
import type { ArrivalAttributes } from './arrival-ranking';

/** The intents a list serves (GET /v1/users/{id}/recommendations?placement=). */
export const PLACEMENTS = ['for-you', 'buy-again', 'continue-shopping', 'discover'] as const;
export type Placement = (typeof PLACEMENTS)[number];
export const DEFAULT_PLACEMENT: Placement = 'for-you';

/** What scoring reads of a profile (the record's home: lambdas/shared/profile-record.ts). */
export type { ProfileView };

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

/**
 * The blend: what a variant changes. The defaults were chosen by `npm run evaluate -- --uci DIR --tune` on
 * validation splits of the UCI data (docs/recommendations.md#tuning), except `reminders`: that data has no
 * views or carts, so it is set so that a view in the last hours outranks the likeliest repurchase.
 */
export interface BlendWeights {
  /** Weight of one recent interaction with a source item, per event type (absent: 0, not a source). */
  readonly events: Readonly<Partial<Record<EventType, number>>>;
  /** Half-life of a recent interaction's weight, hours. */
  readonly recencyHalfLifeHours: number;
  /** Weight of one past purchase as a source. */
  readonly purchaseHistory: number;
  /** Half-life of a past purchase's weight as a source, days. */
  readonly purchaseHalfLifeDays: number;
  /** Collaborative filtering, scaled so the user's best neighbour scores this much. */
  readonly cf: number;
  /** Repurchase propensity (for-you), scaled so the user's likeliest repurchase scores this much. */
  readonly repurchase: number;
  /** Propensity grows with the item's order count to this power. */
  readonly repurchaseCountExponent: number;
  /** Propensity halves every this many typical intervals between the user's orders of the item. */
  readonly repurchaseHalfLifeIntervals: number;
  /** Weight of browsing reminders (viewed or carted, not bought since) in for-you; a cart counts `events.add_to_cart`, a view `events.product_view`. */
  readonly reminders: number;
  /** Half-life of a reminder, hours. */
  readonly reminderHalfLifeHours: number;
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
  purchaseHalfLifeDays: 120,
  cf: 1,
  repurchase: 2,
  repurchaseCountExponent: 1,
  repurchaseHalfLifeIntervals: 1000,
  reminders: 8,
  reminderHalfLifeHours: 24,
  trending: 0.5,
  popular: 0.1,
  topCategories: 3,
  affinityHalfLifeDays: 14,
};

export type ExclusionKind = 'purchased' | 'cart';

/** One item of a category's new-arrivals list (lambdas/shared/new-arrivals.ts). */
export interface NewArrivalView {
  readonly itemId: string;
  /** Epoch ms of the item's createdAt. */
  readonly createdAt: number;
}

/**
 * Cold start (exploration): items of the catalogue younger than `maxAgeDays` reach the lists through their
 * category before anyone interacted with them, like Amazon Personalize's explorationWeight and
 * explorationItemAgeCutOff. They score below collaborative evidence, and `slots` of the first `limit` are
 * kept for them when there are such candidates.
 */
export interface ExplorationOptions {
  /** New-arrival items guaranteed among the first `limit`; 0 turns new arrivals off. */
  readonly slots: number;
  /** An item is a new arrival while younger than this, days (its createdAt in the catalogue). */
  readonly maxAgeDays: number;
  /** Score of a brand-new arrival in a category holding all of the user's affinity; falls to 0 at maxAgeDays. */
  readonly weight: number;
}

/** The deployment's defaults (lambdas/shared/exploration-config.ts). */
export const DEFAULT_EXPLORATION: ExplorationOptions = DEFAULT_EXPLORATION_CONFIG;

export interface ScoringOptions {
  readonly placement: Placement;
  readonly limit: number;
  /** Which of the user's own items to leave out (default per placement: `defaultExclusions`). */
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
  /** New arrivals (cold start); only applied to the `newArrivals` the input carries. */
  readonly exploration: ExplorationOptions;
}

/**
 * What a placement leaves out when the caller does not say: for-you and continue-shopping show the
 * user's own items on purpose (repurchases, reminders); buy-again leaves out what is already in the cart.
 * Discover leaves out everything the user interacted with whatever `exclude` says.
 */
export function defaultExclusions(placement: Placement): ReadonlySet<ExclusionKind> {
  return new Set<ExclusionKind>(placement === 'buy-again' ? ['cart'] : []);
}

export const DEFAULT_OPTIONS: Omit<ScoringOptions, 'exclude'> = {
  placement: DEFAULT_PLACEMENT,
  limit: 10,
  excludeItems: new Set(),
  purchasedWindowDays: 365,
  maxSources: 100,
  sessionOnly: false,
  weights: DEFAULT_WEIGHTS,
  exploration: DEFAULT_EXPLORATION,
};

/** A source item of collaborative filtering (cf-signal.ts): whose neighbour lists count, and how much. */
export interface Source {
  readonly itemId: string;
  readonly weight: number;
  /** The interaction kind that contributed most to the weight. */
  readonly kind: 'bought' | 'cart' | 'viewed';
}

export interface ScoringInput {
  readonly profile?: ProfileView;
  /**
   * The source items the neighbour reads were planned from: `sourceItemsFor` of the same profile, time and
   * options. Passed on so a request ranks them once; computed when absent.
   */
  readonly sources?: readonly Source[];
  /** Neighbour lists by source item id (at least those `sourceItemsFor` names; extra ones are ignored). */
  readonly neighbours: ReadonlyMap<string, readonly NeighbourView[]>;
  readonly trending: TrendingLists;
  /** Fallback for the global list when no trending version is published (e.g. all-time counters). */
  readonly popular?: readonly TrendingEntry[];
  /** New-arrivals lists by category (at least those `trendingCategoriesFor` names); absent: no cold start. */
  readonly newArrivals?: ReadonlyMap<string, readonly NewArrivalView[]>;
  /** Catalogue rows that rank the new arrivals by attributes (arrival-ranking.ts); absent: by recency. */
  readonly newArrivalAttributes?: ArrivalAttributes;
  /** Epoch ms. */
  readonly now: number;
  readonly options?: Partial<ScoringOptions>;
}

/**
 * Why an item is shown: neighbours of something the user bought, carted or viewed; trending; popular;
 * a repurchase ("you bought this 3 times, last 12 days ago"); a reminder ("you viewed this 2 hours ago");
 * new in a category the user likes, before anyone interacted with it ("new in garden").
 */
export type ReasonKind =
  | 'bought'
  | 'cart'
  | 'viewed'
  | 'trending'
  | 'popular'
  | 'repurchase'
  | 'reminder'
  | 'new'
  | 'promoted';

export interface Recommendation {
  readonly itemId: string;
  /** Rounded to 6 decimals. */
  readonly score: number;
  /** Human readable, e.g. "because you viewed item-42", "you bought this 3 times, last 12 days ago". */
  readonly reason: string;
  readonly reasonKind: ReasonKind;
  /** The source item (CF) or category (trending) behind the reason. */
  readonly reasonRef?: string;
  readonly category?: string;
}

/** The options with defaults for every absent (or explicitly undefined) field. */
export function withDefaults(options: Partial<ScoringOptions> | undefined): ScoringOptions {
  const given = Object.fromEntries(Object.entries(options ?? {}).filter(([, value]) => value !== undefined));
  const merged = { ...DEFAULT_OPTIONS, ...given } as Omit<ScoringOptions, 'exclude'> & {
    exclude?: ReadonlySet<ExclusionKind>;
  };
  return { ...merged, exclude: merged.exclude ?? defaultExclusions(merged.placement) };
}

/**
 * What each endpoint reads and computes, against a port (`RecommendationReads`) that the DynamoDB adapter
 * implements and tests fake. No AWS imports: reads are planned from the profile (bounded source items,
 * a few trending scopes), issued in parallel, and handed to the pure scoring functions; the ranked
 * candidates then go through the catalogue (catalogue-filter.ts: unavailable items out, titles and prices in).
 */

import type { CatalogueEntry } from '../shared/catalogue';
import { ANONYMOUS_PROFILE_PREFIX } from '../shared/ids';
import { categoryOfTrendingScope, GLOBAL_TRENDING_SCOPE, trendingScope } from '../shared/published';
import { attributesChangeOrder, recentReferenceItems } from './arrival-ranking';
import { exclusionsOf } from './candidate-pool';
import {
  type CatalogueInformedRanking,
  type CatalogueRecommendation,
  rankAvailable,
  withHidden,
} from './catalogue-filter';
import { arrivalsToRank } from './exploration';
import type { PromotedOffer } from './rules/promoted-candidates';
import { rankingWindow } from './rules/ranking';
import type { RequestRules } from './rules/request-rules';
import {
  DEFAULT_EXPLORATION,
  defaultExclusions,
  type ExclusionKind,
  type ExplorationOptions,
  type NeighbourView,
  type NewArrivalView,
  type Placement,
  type ProfileView,
  recommend,
  type ScoringOptions,
  similarItems,
  sourceItemsFor,
  type TrendingEntry,
  trendingCategoriesFor,
  trendingItems,
  usesPublishedLists,
  withDefaults,
} from './scoring';
import { categoryShares } from './trending-signal';

export interface ActiveVersions {
  readonly cf?: string;
  readonly trending?: string;
}

export interface RecommendationReads {
  /** The stored profile, or undefined when the user has none. */
  profile(userId: string): Promise<ProfileView | undefined>;
  /** Active versions of the batch results (cached by the adapter). */
  activeVersions(): Promise<ActiveVersions>;
  /** Neighbour lists of these items in `version` (items without a list are absent from the map). */
  neighbours(itemIds: readonly string[], version: string): Promise<Map<string, readonly NeighbourView[]>>;
  /** Trending lists by scope (`global`, `category#<c>`) in `version`. */
  trending(scopes: readonly string[], version: string): Promise<Map<string, readonly TrendingEntry[]>>;
  /** All-time popular items, for when no trending version exists yet. */
  popular(limit: number): Promise<readonly TrendingEntry[]>;
  /** Catalogue rows of these items (absent when not catalogued); read per request, never cached. */
  catalogue(itemIds: readonly string[]): Promise<ReadonlyMap<string, CatalogueEntry>>;
  /** The promoted-items row (the items matching the promotion filter), newest first; one read per request. */
  promotedItems(): Promise<readonly NewArrivalView[]>;
  /** The new-arrivals lists of these categories, newest first (absent: none); one read per request. */
  newArrivals(categories: readonly string[]): Promise<ReadonlyMap<string, readonly NewArrivalView[]>>;
}

export interface ModelVersion {
  readonly cf: string | null;
  readonly trending: string | null;
}

export interface ServiceResult {
  readonly items: readonly CatalogueRecommendation[];
  readonly model: ModelVersion;
}

/** Anonymous visitors' profiles are keyed `anon#<anonymousId>` by the consumer (profileKeyOf). */
export const ANONYMOUS_PREFIX = ANONYMOUS_PROFILE_PREFIX;

export function isAnonymous(userId: string): boolean {
  return userId.startsWith(ANONYMOUS_PREFIX);
}

/**
 * The profile recommendations for `userId` read: its own, or for an anonymous visitor linked to a user
 * (lambdas/shared/identity.ts) the user's, which holds the visitor's merged history.
 */
export async function linkedProfile(
  reads: RecommendationReads,
  userId: string,
): Promise<ProfileView | undefined> {
  const own = await reads.profile(userId);
  if (own?.linkedTo === undefined) return own;
  return (await reads.profile(own.linkedTo)) ?? own;
}

export interface UserRequest {
  readonly userId: string;
  readonly placement: Placement;
  readonly limit: number;
  readonly exclude?: readonly (ExclusionKind | 'none')[];
  readonly excludeItems?: readonly string[];
  readonly category?: string;
  readonly categoryCap?: number;
  readonly now: number;
  /** Filters, boosts and promotion of the request (rules/request-rules.ts). @default none */
  readonly rules?: RequestRules;
  readonly scoring: Pick<ScoringOptions, 'weights'> & Partial<ScoringOptions>;
}

export async function userRecommendations(
  reads: RecommendationReads,
  request: UserRequest,
): Promise<ServiceResult> {
  const [profile, versions] = await Promise.all([
    linkedProfile(reads, request.userId),
    reads.activeVersions(),
  ]);
  const options: Partial<ScoringOptions> = {
    ...request.scoring,
    placement: request.placement,
    limit: request.limit,
    exclude: exclusionsFrom(request.exclude, request.placement),
    excludeItems: new Set(request.excludeItems ?? []),
    // A visitor linked to a user is served the user's (merged) profile, in full.
    sessionOnly: isAnonymous(profile?.userId ?? request.userId),
    ...(request.category !== undefined ? { category: request.category } : {}),
    ...(request.categoryCap !== undefined ? { categoryCap: request.categoryCap } : {}),
  };
  // buy-again and continue-shopping come from the profile alone: no published list is read for them.
  const published = usesPublishedLists(request.placement);
  const sourceItems = sourceItemsFor(profile, request.now, options);
  const sources = sourceItems.map((s) => s.itemId);
  const categories = trendingCategoriesFor(profile, request.now, options);
  const scopes = [GLOBAL_TRENDING_SCOPE, ...categories.map((c) => trendingScope(c))];
  const exploration = request.scoring.exploration ?? DEFAULT_EXPLORATION;
  // Promoted items from outside the ranking, for the placements ranked from published lists.
  const offersPromoted = published && request.rules?.promotion?.indexed === true;
  const [neighbours, trending, newArrivals, promotedItems] = await Promise.all([
    versions.cf && sources.length > 0 ? reads.neighbours(sources, versions.cf) : new Map(),
    versions.trending && published
      ? reads.trending(scopes, versions.trending)
      : new Map<string, readonly TrendingEntry[]>(),
    published && exploration.slots > 0 && categories.length > 0
      ? reads.newArrivals(categories)
      : new Map<string, readonly NewArrivalView[]>(),
    offersPromoted ? reads.promotedItems() : [],
  ]);
  const global = trending.get(GLOBAL_TRENDING_SCOPE) ?? [];
  const popular =
    global.length === 0 && published
      ? await reads.popular(Math.max(rankingWindow(request.limit, request.rules), request.limit * 3, 30))
      : [];
  const byCategory = new Map<string, readonly TrendingEntry[]>();
  for (const [scope, list] of trending) {
    const category = categoryOfTrendingScope(scope);
    if (category !== undefined) byCategory.set(category, list);
  }
  // New arrivals ranked by the attributes of the user's most recent items: their rows and the arrivals'
  // come with the first catalogue read of the ranking.
  const reference = newArrivals.size > 0 ? recentReferenceItems(profile) : [];
  const byAttributes = attributeRanking(
    arrivalsToRank(newArrivals.values(), request.now, exploration),
    reference,
  );
  const items = await rankAvailable(
    (hidden, window, catalogue) =>
      recommend({
        profile,
        sources: sourceItems,
        neighbours,
        trending: { global, byCategory },
        popular,
        newArrivals,
        ...(byAttributes ? { newArrivalAttributes: { catalogue, reference } } : {}),
        now: request.now,
        options: { ...options, limit: window, excludeItems: withHidden(options.excludeItems, hidden) },
      }),
    (ids) => reads.catalogue(ids),
    request.limit,
    request.rules,
    {
      explorationSlots: published ? exploration.slots : 0,
      ...(offersPromoted ? { promoted: promotedOffer(profile, promotedItems, request.now, options) } : {}),
      ...(byAttributes ? { informedBy: byAttributes } : {}),
    },
  );
  return { items, model: modelOf(versions) };
}

/**
 * The catalogue rows that rank new arrivals by attributes: the arrivals' and the reference items'; none
 * when there is nothing to compare (no arrivals, no reference items).
 */
function attributeRanking(
  arrivalIds: readonly string[],
  reference: readonly string[],
  knownRows?: ReadonlyMap<string, CatalogueEntry>,
): CatalogueInformedRanking | undefined {
  if (arrivalIds.length === 0 || reference.length === 0) return undefined;
  return {
    itemIds: [...arrivalIds, ...reference.filter((id) => !knownRows?.has(id))],
    changesRanking: (catalogue) =>
      attributesChangeOrder(arrivalIds, { catalogue: withRows(catalogue, knownRows), reference }),
  };
}

/** `catalogue` with rows read before the ranking (the seed of similar). */
function withRows(
  catalogue: ReadonlyMap<string, CatalogueEntry>,
  rows: ReadonlyMap<string, CatalogueEntry> | undefined,
): ReadonlyMap<string, CatalogueEntry> {
  return rows && rows.size > 0 ? new Map([...catalogue, ...rows]) : catalogue;
}

/** The promoted-items row with what ranks it for this user: category affinity and the request's exclusions. */
function promotedOffer(
  profile: ProfileView | undefined,
  items: readonly NewArrivalView[],
  now: number,
  options: Partial<ScoringOptions>,
): PromotedOffer {
  const opts = withDefaults(options);
  return {
    items,
    affinity: new Map(categoryShares(profile, now, opts)),
    excluded: exclusionsOf(profile, now, opts),
    ...(opts.category !== undefined ? { category: opts.category } : {}),
  };
}

export async function similarTo(
  reads: RecommendationReads,
  request: {
    readonly itemId: string;
    readonly limit: number;
    readonly excludeItems?: readonly string[];
    readonly rules?: RequestRules;
    /** New arrivals of the seed's category (its catalogue row). @default none */
    readonly exploration?: ExplorationOptions;
    /** Epoch ms; needed with `exploration`. */
    readonly now?: number;
  },
): Promise<ServiceResult> {
  const versions = await reads.activeVersions();
  const { exploration, now, itemId } = request;
  const explores = exploration !== undefined && exploration.slots > 0 && now !== undefined;
  // Promoted items of the seed's category from outside the ranking, as for-you offers them.
  const offersPromoted = request.rules?.promotion?.indexed === true;
  const [lists, seedRows, promotedItems] = await Promise.all([
    versions.cf ? reads.neighbours([itemId], versions.cf) : new Map<string, never>(),
    explores || offersPromoted ? reads.catalogue([itemId]) : new Map<string, CatalogueEntry>(),
    offersPromoted ? reads.promotedItems() : [],
  ]);
  const seed = seedRows.get(itemId);
  const category = seed?.category;
  const arrivals =
    explores && category !== undefined ? (await reads.newArrivals([category])).get(category) : undefined;
  const excludeItems = new Set(request.excludeItems ?? []);
  // Arrivals ranked by the attributes they share with the seed (its row is read already).
  const byAttributes =
    arrivals && exploration && now !== undefined && Object.keys(seed?.attributes ?? {}).length > 0
      ? attributeRanking(arrivalsToRank([arrivals], now, exploration), [itemId], seedRows)
      : undefined;
  const items = await rankAvailable(
    (hidden, window, catalogue) =>
      similarItems(itemId, lists.get(itemId) ?? [], {
        limit: window,
        excludeItems: withHidden(excludeItems, hidden),
        ...(category !== undefined && arrivals && exploration && now !== undefined
          ? { newArrivals: { category, items: arrivals }, exploration, now }
          : {}),
        ...(byAttributes
          ? { arrivalAttributes: { catalogue: withRows(catalogue, seedRows), reference: [itemId] } }
          : {}),
      }),
    (ids) => reads.catalogue(ids),
    request.limit,
    request.rules,
    {
      explorationSlots: explores ? (exploration?.slots ?? 0) : 0,
      ...(offersPromoted && category !== undefined
        ? {
            promoted: {
              items: promotedItems,
              affinity: new Map([[category, 1]]),
              excluded: new Set([itemId, ...excludeItems]),
              category,
            },
          }
        : {}),
      ...(byAttributes ? { informedBy: byAttributes } : {}),
    },
  );
  return { items, model: modelOf(versions) };
}

export async function trendingNow(
  reads: RecommendationReads,
  request: { readonly limit: number; readonly category?: string; readonly rules?: RequestRules },
): Promise<ServiceResult> {
  const versions = await reads.activeVersions();
  const scope = trendingScope(request.category);
  // Promoted items of the request's category (any without one) from outside the list, newest first.
  const offersPromoted = request.rules?.promotion?.indexed === true;
  const [lists, promotedItems] = await Promise.all([
    versions.trending
      ? reads.trending([scope], versions.trending)
      : new Map<string, readonly TrendingEntry[]>(),
    offersPromoted ? reads.promotedItems() : [],
  ]);
  let entries: readonly TrendingEntry[] = lists.get(scope) ?? [];
  // Before the first trending run, the global list falls back to all-time popularity.
  if (entries.length === 0 && request.category === undefined)
    entries = await reads.popular(rankingWindow(request.limit, request.rules));
  const items = await rankAvailable(
    (hidden, window) =>
      trendingItems(hidden.size > 0 ? entries.filter((e) => !hidden.has(e.itemId)) : entries, {
        ...request,
        limit: window,
      }),
    (ids) => reads.catalogue(ids),
    request.limit,
    request.rules,
    offersPromoted
      ? {
          promoted: {
            items: promotedItems,
            affinity: new Map(),
            excluded: new Set(),
            ...(request.category !== undefined ? { category: request.category } : {}),
          },
        }
      : {},
  );
  return { items, model: modelOf(versions) };
}

function exclusionsFrom(exclude: UserRequest['exclude'], placement: Placement): ReadonlySet<ExclusionKind> {
  if (exclude === undefined) return defaultExclusions(placement);
  return new Set(exclude.filter((e): e is ExclusionKind => e !== 'none'));
}

function modelOf(versions: ActiveVersions): ModelVersion {
  return { cf: versions.cf ?? null, trending: versions.trending ?? null };
}

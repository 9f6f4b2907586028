/**
 * What the batch jobs publish and the recommendation API reads: the keys and item shapes of the
 * Similarities, Trending and JobRuns tables. The batch-jobs construct, the publisher, the rollback
 * command and the recommendation API all import these, so writer and reader cannot disagree.
 *
 * Versioning: every published run writes its rows under a new `version` (the run id), then flips
 * the job's active-version pointer (one conditional UpdateItem on the pointer item, atomic). Readers
 * read the pointer, then the rows of that version. Versions older than the last N are expired (TTL).
 */

/** The batch jobs. */
export const JOB_NAMES = ['cf', 'trending'] as const;
export type JobName = (typeof JOB_NAMES)[number];

/** TTL attribute (epoch seconds) of the Similarities and Trending tables. */
export const PUBLISHED_TTL_ATTRIBUTE = 'expiresAt';

/** Similarities table: partition key `itemId`, sort key `version`. One item per (item, version). */
export interface SimilarityItem {
  readonly itemId: string;
  readonly version: string;
  /** Top-K neighbours, best first. */
  readonly neighbours: ReadonlyArray<Neighbour>;
  readonly expiresAt?: number;
}

export interface Neighbour {
  readonly itemId: string;
  /** Similarity in (0, 1]. */
  readonly score: number;
  /** Users who interacted with both items. */
  readonly support: number;
}

/** Trending table: partition key `scope`, sort key `version`. */
export interface TrendingItem {
  /** `global` or `category#<category>` (see trendingScope). */
  readonly scope: string;
  readonly version: string;
  /** Best first. */
  readonly items: ReadonlyArray<{
    readonly itemId: string;
    readonly score: number;
    readonly category?: string;
  }>;
  readonly expiresAt?: number;
}

export const GLOBAL_TRENDING_SCOPE = 'global';
const CATEGORY_SCOPE_PREFIX = 'category#';
export function trendingScope(category?: string): string {
  return category === undefined ? GLOBAL_TRENDING_SCOPE : `${CATEGORY_SCOPE_PREFIX}${category}`;
}
/** The category a trending scope is for; undefined for the global scope (the inverse of trendingScope). */
export function categoryOfTrendingScope(scope: string): string | undefined {
  return scope.startsWith(CATEGORY_SCOPE_PREFIX) ? scope.slice(CATEGORY_SCOPE_PREFIX.length) : undefined;
}

/**
 * JobRuns table: partition key `job` (JobName), sort key `runId`. Holds one record per run and the
 * active-version pointer under runId ACTIVE_POINTER_ID.
 */
export const ACTIVE_POINTER_ID = 'ACTIVE';

export interface ActivePointer {
  readonly job: JobName;
  readonly runId: typeof ACTIVE_POINTER_ID;
  /** Version the readers use. */
  readonly activeVersion: string;
  readonly previousVersion?: string;
  readonly updatedAt: string;
  /** Incremented on every flip; the conditional write checks it. */
  readonly revision: number;
}

export type RunStatus = 'running' | 'published' | 'rejected' | 'failed' | 'rolled_back';

export interface ValidationCheck {
  readonly name: string;
  readonly passed: boolean;
  /** The measured value, e.g. 0.42. */
  readonly value: number | string | null;
  /** The threshold it was compared with, e.g. '>= 0.3'. */
  readonly threshold: string;
  readonly message: string;
}

export interface RunRecord {
  readonly job: JobName;
  /** Sortable: `yyyy-mm-ddTHH-MM-SSZ` plus a suffix; also the version of what it publishes. */
  readonly runId: string;
  readonly status: RunStatus;
  readonly startedAt: string;
  readonly finishedAt?: string;
  /** Events read by this run: received_at in (from, to]. */
  readonly window?: { readonly from?: string; readonly to: string };
  readonly stats?: Readonly<Record<string, number>>;
  readonly checks?: readonly ValidationCheck[];
  readonly error?: string;
}

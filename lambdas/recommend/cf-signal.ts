/**
 * Collaborative filtering at request time: the user's source items (recent interactions and past
 * purchases, each decayed with its own half-life) and the neighbours the cf job published for them.
 *
 *   cf(c) = Σ over sources s   w(s) · sim(s, c)
 *   w(s)  = Σ over recent interactions with s   events[type] · 2^(−age / recencyHalfLife)
 *         + purchaseHistory · 2^(−age of the last purchase / purchaseHalfLife)
 *
 * The sums are scaled so the user's best candidate scores `weights.cf`: then the weight means the same
 * for a user with three sources as for a wholesaler with fifty.
 */

import type { EventType } from '../shared/events/schema';
import { type CandidatePool, compareIds, compareScores } from './candidate-pool';
import type { NeighbourView, ProfileView, ScoringOptions, Source } from './scoring-model';

export type { Source } from './scoring-model';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * The source items of a profile, strongest first, at most `maxSources`. The handler reads exactly these
 * items' neighbour lists (one bounded BatchGetItem).
 */
export function sourcesOf(profile: ProfileView | undefined, now: number, opts: ScoringOptions): Source[] {
  if (!profile) return [];
  const { weights } = opts;
  // One flat tally per item, and no entry arrays: this runs on every request, over every past purchase.
  const byItem = new Map<string, Tally>();
  const add = (itemId: string, kind: Source['kind'], weight: number) => {
    if (!(weight > 0)) return;
    let tally = byItem.get(itemId);
    if (!tally) {
      tally = { itemId, weight: 0, bought: 0, cart: 0, viewed: 0 };
      byItem.set(itemId, tally);
    }
    tally.weight += weight;
    tally[kind] += weight;
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

  const tallies = Array.from(byItem.values());
  tallies.sort((a, b) => compareScores(a.weight, b.weight) || compareIds(a.itemId, b.itemId));
  const kept = Math.min(tallies.length, Math.max(0, opts.maxSources));
  const sources: Source[] = new Array(kept);
  for (let i = 0; i < kept; i++) {
    const { itemId, weight } = tallies[i] as Tally;
    sources[i] = { itemId, weight, kind: strongestKind(tallies[i] as Tally) };
  }
  return sources;
}

/** A source item's weight so far, and each interaction kind's part of it. */
interface Tally extends Record<Source['kind'], number> {
  readonly itemId: string;
  weight: number;
}

/** Adds the neighbours of every source to the pool, scaled so the best candidate gets `weight`. */
export function addCollaborative(
  pool: CandidatePool,
  sources: readonly Source[],
  neighbours: ReadonlyMap<string, readonly NeighbourView[]>,
  weight: number,
): void {
  if (!(weight > 0)) return;
  const { index } = pool;
  for (const source of sources) {
    const list = neighbours.get(source.itemId);
    if (!list) continue;
    // Packed once per list object and environment (item-index.ts): the loop reads contiguous arrays.
    const { ids, scores, categoryIds } = index.pack(list);
    const self = index.idOf(source.itemId);
    const from = pool.collaborativeSource({ kind: source.kind, ref: source.itemId });
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      if (id === self) continue;
      const value = source.weight * (scores[i] as number);
      if (value > 0) pool.addCollaborativeRaw(id, value, from, categoryIds[i] as number);
    }
  }
  pool.scaleCollaborative(weight);
}

function kindOf(type: EventType): Source['kind'] {
  if (type === 'purchase') return 'bought';
  if (type === 'add_to_cart') return 'cart';
  return 'viewed';
}

function strongestKind(parts: Readonly<Record<Source['kind'], number>>): Source['kind'] {
  let best: Source['kind'] = 'viewed';
  let bestValue = -1;
  for (const kind of ['bought', 'cart', 'viewed'] as const) {
    const value = parts[kind];
    if (compareScores(bestValue, value) > 0) {
      best = kind;
      bestValue = value;
    }
  }
  return best;
}

/** 2^(−age/halfLife); events from the future (clock skew) count as now. */
export function decay(now: number, atIso: string, halfLifeMs: number): number {
  const at = Date.parse(atIso);
  if (!Number.isFinite(at)) return 0;
  return 2 ** (-Math.max(0, now - at) / halfLifeMs);
}

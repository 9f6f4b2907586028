/**
 * What tuning maximises (tuning.ts and its stages): per protocol, the mean of (HR@k + NDCG@k) / 2 over its
 * validation users (every split of the protocol pooled: nextPurchase's rolling origins); then the mean
 * over the protocols, so each counts alike whatever its number of validation users. Pooling the users
 * instead let leaveLastOrderOut's 1,660 outvote nextPurchase's 63 (one origin) 26 to 1, and the targets
 * ask for a win under every protocol. For one method and scoring, or the mean of both scorings.
 */
import { type EvaluationSettings, type FittedSplit, type Method, type Scoring, scoreSplit } from './evaluate';
import type { RankingMetrics } from './metrics';
import type { Protocol } from './protocols';

export interface TuningTrial {
  readonly stage: string;
  readonly values: Readonly<Record<string, unknown>>;
  readonly objective: number;
  readonly users: number;
  /** Each protocol's own objective (absent in trials recorded before the protocols were weighted alike). */
  readonly byProtocol?: Readonly<Partial<Record<Protocol, number>>>;
}

export type Score = Pick<TuningTrial, 'objective' | 'users' | 'byProtocol'>;

/** Differences of the objective below this are noise on a validation split of this size. */
export const TIE = 0.001;

/** Validation users' metrics per protocol, every split of a protocol pooled. */
export class ProtocolMetrics {
  private readonly lists = new Map<Protocol, RankingMetrics[]>();

  add(protocol: Protocol, metrics: readonly RankingMetrics[]): this {
    const list = this.lists.get(protocol) ?? [];
    list.push(...metrics);
    this.lists.set(protocol, list);
    return this;
  }

  /** The mean over protocols (with users) of each protocol's mean (HR + NDCG) / 2. */
  score(): Score {
    const byProtocol: Partial<Record<Protocol, number>> = {};
    let users = 0;
    for (const [protocol, list] of this.lists) {
      if (list.length === 0) continue;
      byProtocol[protocol] = list.reduce((s, m) => s + (m.hitRate + m.ndcg) / 2, 0) / list.length;
      users += list.length;
    }
    const means = Object.values(byProtocol);
    const objective = means.length > 0 ? means.reduce((s, m) => s + m, 0) / means.length : 0;
    return { objective, users, byProtocol };
  }
}

/** The objective of one method and scoring over the fitted validation splits. */
export function objective(
  fitted: readonly FittedSplit[],
  settings: EvaluationSettings,
  method: Method,
  scoring: Scoring,
): Score {
  const metrics = new ProtocolMetrics();
  for (const f of fitted) metrics.add(f.split.protocol, scoreSplit(f, settings, [method])[scoring][method]);
  return metrics.score();
}

/** The mean of two scores (e.g. allItems and unseenItems), protocol by protocol. */
export function meanOfScores(a: Score, b: Score): Score {
  const byProtocol: Partial<Record<Protocol, number>> = {};
  for (const p of Object.keys({ ...a.byProtocol, ...b.byProtocol }) as Protocol[])
    byProtocol[p] = ((a.byProtocol?.[p] ?? 0) + (b.byProtocol?.[p] ?? 0)) / 2;
  return { objective: (a.objective + b.objective) / 2, users: a.users, byProtocol };
}

/** The mean of the objective under allItems and under unseenItems. */
export function objectiveBoth(
  fitted: readonly FittedSplit[],
  settings: EvaluationSettings,
  method: Method,
): Score {
  return meanOfScores(
    objective(fitted, settings, method, 'allItems'),
    objective(fitted, settings, method, 'unseenItems'),
  );
}

/**
 * The best choice, unless the incumbent (the values the code has now) is within TIE of it: differences that
 * small are noise, and the API's defaults change only when the validation says so.
 */
export function bestUnlessIncumbentTies<T>(
  incumbent: { readonly objective: number; readonly choice: T },
  rated: readonly { readonly objective: number; readonly choice: T }[],
): T {
  let best = incumbent;
  for (const r of rated) if (r.objective > best.objective) best = r;
  return incumbent.objective >= best.objective - TIE ? incumbent.choice : best.choice;
}

/**
 * What tuning maximises (tuning.ts and its stages): the mean of HR@k and NDCG@k over the validation users
 * of every protocol pooled, for one method and scoring, or the mean of both scorings.
 */
import { type EvaluationSettings, type FittedSplit, type Method, type Scoring, scoreSplit } from './evaluate';
import type { RankingMetrics } from './metrics';

export interface TuningTrial {
  readonly stage: string;
  readonly values: Readonly<Record<string, unknown>>;
  readonly objective: number;
  readonly users: number;
}

/** Differences of the objective below this are noise on a validation split of this size. */
export const TIE = 0.001;

/** Mean of (HR + NDCG) / 2 over the validation users of every split, for one method and scoring. */
export function objective(
  fitted: readonly FittedSplit[],
  settings: EvaluationSettings,
  method: Method,
  scoring: Scoring,
): { objective: number; users: number } {
  const all: RankingMetrics[] = [];
  for (const f of fitted) all.push(...scoreSplit(f, settings, [method])[scoring][method]);
  return meanObjective(all);
}

export function meanObjective(all: readonly RankingMetrics[]): { objective: number; users: number } {
  const sum = all.reduce((s, m) => s + (m.hitRate + m.ndcg) / 2, 0);
  return { objective: all.length > 0 ? sum / all.length : 0, users: all.length };
}

/** The mean of the objective under allItems and under unseenItems. */
export function objectiveBoth(
  fitted: readonly FittedSplit[],
  settings: EvaluationSettings,
  method: Method,
): { objective: number; users: number } {
  const a = objective(fitted, settings, method, 'allItems');
  const b = objective(fitted, settings, method, 'unseenItems');
  return { objective: (a.objective + b.objective) / 2, users: a.users };
}

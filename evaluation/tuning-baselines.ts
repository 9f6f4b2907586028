/**
 * The blend at the chosen settings against the baselines on the validation splits (tuning.ts): the
 * evaluation's table, on the data the tuning saw. When the blend loses a cell on the held-out orders but
 * wins it here, the held-out sample disagrees with the validation (noise or drift) rather than the model
 * being weaker there; a cell lost here too is worth tuning for.
 */
import { fitEase } from './baselines/ease';
import { fitItemKnn } from './baselines/item-knn';
import {
  type EvaluationSettings,
  emptyPerUser,
  type FittedSplit,
  type Method,
  type MethodMetrics,
  SCORINGS,
  type Scoring,
  scoreSplit,
  summarise,
} from './evaluate';
import type { RankingMetrics } from './metrics';
import type { Protocol } from './protocols';

/** Every method but rp3beta, whose lists need one more cf query per split (its own tuning stage has them). */
export const VALIDATION_METHODS = [
  'blend',
  'popularity',
  'itemKnn',
  'ease',
  'buyAgain',
  'recentlyViewed',
] as const satisfies readonly Method[];
export type ValidationMethod = (typeof VALIDATION_METHODS)[number];

export type ValidationTable = Partial<
  Record<Protocol, Record<Scoring, Record<ValidationMethod, MethodMetrics>>>
>;

/** Each protocol's splits pooled user by user, as the tuning objective pools them. */
export function methodsOnValidation(
  fitted: readonly FittedSplit[],
  settings: EvaluationSettings,
  log: (message: string) => void,
): ValidationTable {
  const byProtocol = new Map<Protocol, Record<Scoring, Record<ValidationMethod, RankingMetrics[]>>>();
  for (const f of fitted) {
    // The baselines' models one split at a time, dropped after scoring: EASE alone holds 32 MB per split.
    const withModels: FittedSplit = {
      ...f,
      ease: f.ease ?? fitEase(f.matrix, settings.ease),
      itemKnn: f.itemKnn ?? fitItemKnn(f.matrix, settings.itemKnn),
    };
    const perUser = scoreSplit(withModels, settings, VALIDATION_METHODS);
    const lists = byProtocol.get(f.split.protocol) ?? emptyPerUser(VALIDATION_METHODS);
    for (const scoring of SCORINGS)
      for (const method of VALIDATION_METHODS)
        for (const m of perUser[scoring][method]) lists[scoring][method].push(m);
    byProtocol.set(f.split.protocol, lists);
    log(`validation ${f.split.protocol}${f.split.cutoff ? ` ${f.split.cutoff}` : ''}: every method scored`);
  }
  const table: ValidationTable = {};
  for (const [protocol, lists] of byProtocol) table[protocol] = summarise(lists, VALIDATION_METHODS);
  return table;
}

/**
 * The tuning stage of the cf job's EASE head (tuning.ts): how many of the most popular items the solve
 * keeps (`easeItems`: the Gram matrix is n × n, the solve O(n³) time and 8 n² bytes) and its λ
 * (`easeLambda`). Every other item gets RP3beta's list (the fallback, lambdas/jobs/ease-fallback.ts), so
 * the head size trades EASE's lists on more items against the solve's cost.
 *
 * Chosen by the blend, the API's scoring (for-you on all items, discover on unseen items: the mean of the
 * two objectives, each protocol weighted alike: tuning-objective.ts), since the published lists reach
 * users only through it; on the validation splits only.
 * Within TIE of the best, the smaller head wins (a cheaper solve), then the better objective. The cf SQL
 * runs once per head size and split; each λ is one more solve of the same rows.
 */
import { BatchLake, cfNeighbours, pairsOf } from './batch-models';
import { type EvaluationSettings, type FittedSplit, scoreSplit } from './evaluate';
import { meanOfScores, ProtocolMetrics, TIE, type TuningTrial } from './tuning-objective';

export const EASE_HEAD_GRID = {
  easeItems: [1000, 2000, 3000],
  easeLambda: [300, 1000, 3000],
} as const;

export type HeadSetting = {
  readonly easeItems: number;
  readonly easeLambda: number;
};

export async function tuneEaseHead(
  fitted: readonly FittedSplit[],
  settings: EvaluationSettings,
  trials: TuningTrial[],
  log: (message: string) => void,
  grid: { readonly easeItems: readonly number[]; readonly easeLambda: readonly number[] } = EASE_HEAD_GRID,
): Promise<{ settings: EvaluationSettings; fitted: FittedSplit[] }> {
  const combos: HeadSetting[] = grid.easeItems.flatMap((easeItems) =>
    grid.easeLambda.map((easeLambda) => ({ easeItems, easeLambda })),
  );
  const scores = combos.map(() => ({ all: new ProtocolMetrics(), unseen: new ProtocolMetrics() }));
  for (const f of fitted) {
    const lake = await BatchLake.open(f.split.batch, log);
    try {
      for (const easeItems of grid.easeItems) {
        const result = await lake.cfResult({ ...settings.cf, model: 'ease', easeItems }, f.split.batchAsOf);
        for (const [n, combo] of combos.entries()) {
          if (combo.easeItems !== easeItems) continue;
          const neighbours = cfNeighbours(result, { ...settings.cf, model: 'ease', ...combo });
          const trial = { ...f, batch: { ...f.batch, neighbours, pairs: pairsOf(neighbours) } };
          const perUser = scoreSplit(trial, settings, ['blend']);
          scores[n]?.all.add(f.split.protocol, perUser.allItems.blend);
          scores[n]?.unseen.add(f.split.protocol, perUser.unseenItems.blend);
          log(
            `EASE head ${JSON.stringify(combo)} on ${f.split.protocol}: ${neighbours.size} items with neighbours`,
          );
        }
      }
    } finally {
      await lake.close();
    }
  }
  const rated = combos.map((combo, n) => {
    const { all, unseen } = scores[n] as (typeof scores)[number];
    const score = meanOfScores(all.score(), unseen.score());
    trials.push({ stage: 'easeHead', values: combo, ...score });
    log(`EASE head ${JSON.stringify(combo)}: ${score.objective.toFixed(4)}`);
    return { combo, objective: score.objective };
  });
  const chosen = chooseEaseHead(rated);
  const tuned = { ...settings, cf: { ...settings.cf, model: 'ease' as const, ...chosen } };
  // The blend reads the chosen lists from here on: recompute them once per split.
  const refitted: FittedSplit[] = [];
  for (const f of fitted) {
    const lake = await BatchLake.open(f.split.batch, log);
    try {
      const neighbours = await lake.cf(tuned.cf, f.split.batchAsOf);
      refitted.push({ ...f, batch: { ...f.batch, neighbours, pairs: pairsOf(neighbours) } });
    } finally {
      await lake.close();
    }
  }
  return { settings: tuned, fitted: refitted };
}

/** Within TIE of the best objective, the smallest head (the cheapest solve), then the best objective. */
export function chooseEaseHead(
  rated: readonly { readonly combo: HeadSetting; readonly objective: number }[],
): HeadSetting {
  const top = Math.max(...rated.map((r) => r.objective));
  const chosen = rated
    .filter((r) => r.objective >= top - TIE)
    .sort((a, b) => a.combo.easeItems - b.combo.easeItems || b.objective - a.objective)[0]?.combo;
  if (!chosen) throw new Error('EASE head tuning: no setting was scored');
  return chosen;
}

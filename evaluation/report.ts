/** The evaluation's tables as markdown (what docs/recommendations.md shows), and the targets' verdicts. */
import {
  BASELINES,
  type Baseline,
  type EvaluationResult,
  METHODS,
  type Method,
  SCORINGS,
  type Scoring,
} from './evaluate';
import { PROTOCOLS, type Protocol } from './protocols';
import { VALIDATION_METHODS, type ValidationTable } from './tuning-baselines';

const METHOD_NAMES: Readonly<Record<Method, string>> = {
  blend: 'blend (API defaults)',
  popularity: 'popularity',
  itemKnn: 'item-kNN (cosine)',
  ease: 'EASE',
  rp3beta: 'RP3beta (cf_similarity.sql alone)',
  buyAgain: 'buy again',
  recentlyViewed: 'recently viewed',
};

const f4 = (x: number) => x.toFixed(4);
const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(4)}`;

/** `blendName`: how the blend's rows are labelled (weights from a tuning record are not the API's defaults). */
export function resultsTable(result: EvaluationResult, blendName = METHOD_NAMES.blend): string {
  const k = result.k;
  const lines = [
    `| protocol | scoring | method | users | HR@${k} | Recall@${k} | NDCG@${k} |`,
    '|---|---|---|---:|---:|---:|---:|',
  ];
  for (const protocol of PROTOCOLS) {
    const byScoring = result.results[protocol];
    if (!byScoring) continue;
    for (const scoring of SCORINGS) {
      const best = bestBaseline(result, protocol, scoring);
      for (const method of METHODS) {
        const m = byScoring[scoring][method];
        const bold = (x: string, metric: 'hitRate' | 'ndcg') =>
          method === 'blend' || method === best[metric] ? `**${x}**` : x;
        lines.push(
          `| ${protocol} | ${scoring} | ${method === 'blend' ? blendName : METHOD_NAMES[method]} | ${m.users} | ${bold(f4(m.hitRate), 'hitRate')} | ${f4(m.recall)} | ${bold(f4(m.ndcg), 'ndcg')} |`,
        );
      }
    }
  }
  return lines.join('\n');
}

export function versusTable(result: EvaluationResult): string {
  const lines = [
    `| protocol | scoring | blend − | HR@${result.k} [95% interval] | NDCG@${result.k} [95% interval] |`,
    '|---|---|---|---|---|',
  ];
  for (const protocol of PROTOCOLS) {
    const byScoring = result.blendVersus[protocol];
    if (!byScoring) continue;
    for (const scoring of SCORINGS) {
      for (const baseline of BASELINES) {
        const d = byScoring[scoring][baseline];
        if (!d) continue;
        const cell = (x: { mean: number; low: number; high: number }) =>
          `${signed(x.mean)} [${signed(x.low)}, ${signed(x.high)}]`;
        lines.push(
          `| ${protocol} | ${scoring} | ${METHOD_NAMES[baseline]} | ${cell(d.hitRate)} | ${cell(d.ndcg)} |`,
        );
      }
    }
  }
  return lines.join('\n');
}

/** The strongest baseline per metric (by mean). */
export function bestBaseline(
  result: EvaluationResult,
  protocol: Protocol,
  scoring: Scoring,
): { hitRate: Method; ndcg: Method } {
  const metrics = result.results[protocol]?.[scoring];
  const pick = (metric: 'hitRate' | 'ndcg') =>
    BASELINES.reduce((best, m) => ((metrics?.[m][metric] ?? 0) > (metrics?.[best][metric] ?? 0) ? m : best));
  return { hitRate: pick('hitRate'), ndcg: pick('ndcg') };
}

/** One line per protocol × scoring: does the blend beat every baseline, and is the interval above 0. */
export function verdicts(result: EvaluationResult): string[] {
  const lines: string[] = [];
  for (const protocol of PROTOCOLS) {
    for (const scoring of SCORINGS) {
      const metrics = result.results[protocol]?.[scoring];
      const versus = result.blendVersus[protocol]?.[scoring];
      if (!metrics || !versus) continue;
      const best = bestBaseline(result, protocol, scoring);
      const parts = (['hitRate', 'ndcg'] as const).map((metric) => {
        const beats = BASELINES.every((b) => metrics.blend[metric] > metrics[b][metric]);
        const d = versus[best[metric] as Baseline][metric];
        return `${metric === 'hitRate' ? 'HR' : 'NDCG'}: beats every baseline ${beats ? 'yes' : 'NO'}, vs ${best[metric]} ${signed(d.mean)} [${signed(d.low)}, ${signed(d.high)}]${d.low > 0 ? ' (above 0)' : ''}`;
      });
      lines.push(`${protocol} ${scoring}: ${parts.join('; ')}`);
    }
  }
  return lines;
}

/**
 * The tuning's validation table (tuning-baselines.ts): per protocol and scoring, the blend, the strongest
 * baseline per metric and the differences, without intervals (the validation orders chose the weights).
 */
export function validationTable(table: ValidationTable): string {
  const lines = [
    '| protocol | scoring | users | blend HR / NDCG | strongest baseline: HR; NDCG | blend − strongest: HR; NDCG |',
    '|---|---|---:|---|---|---|',
  ];
  for (const protocol of PROTOCOLS)
    for (const scoring of SCORINGS) {
      const methods = table[protocol]?.[scoring];
      if (!methods) continue;
      const { blend } = methods;
      const best = (metric: 'hitRate' | 'ndcg') =>
        VALIDATION_METHODS.filter((m) => m !== 'blend').reduce((a, b) =>
          methods[b][metric] > methods[a][metric] ? b : a,
        );
      const hr = best('hitRate');
      const ndcg = best('ndcg');
      lines.push(
        `| ${protocol} | ${scoring} | ${blend.users} | ${f4(blend.hitRate)} / ${f4(blend.ndcg)} | ` +
          `${METHOD_NAMES[hr]} ${f4(methods[hr].hitRate)}; ${METHOD_NAMES[ndcg]} ${f4(methods[ndcg].ndcg)} | ` +
          `${signed(blend.hitRate - methods[hr].hitRate)}; ${signed(blend.ndcg - methods[ndcg].ndcg)} |`,
      );
    }
  return lines.join('\n');
}

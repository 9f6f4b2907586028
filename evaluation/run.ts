/**
 * `npm run evaluate -- <folder of the UCI Online Retail CSVs> [--out FILE]`: runs evaluate.ts, writes the
 * results as JSON (default evaluation/results/uci-online-retail.json) and prints the README table.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  BLENDS,
  type EvaluationResult,
  evaluateUciRetail,
  METHODS,
  PROTOCOLS,
  WIDE_SOURCES,
} from './evaluate';

const METHOD_NAMES = {
  blend: 'RecoStream blend (API defaults: 20 source items)',
  blendWide: `RecoStream blend, ${WIDE_SOURCES} source items (MAX_SOURCE_ITEMS)`,
  popularity: 'global popularity',
  itemKnn: 'pure item-kNN',
};
const PROTOCOL_NAMES = {
  allItems: 'all held-out items',
  newItems: 'only items not bought before (bought items excluded)',
};

export function markdownTable(result: EvaluationResult): string {
  const pct = (x: number) => x.toFixed(4);
  const lines = [
    `| protocol | method | users | HR@${result.k} | Recall@${result.k} | NDCG@${result.k} |`,
    '|---|---|---:|---:|---:|---:|',
  ];
  for (const protocol of PROTOCOLS) {
    for (const method of METHODS) {
      const m = result.results[protocol][method];
      lines.push(
        `| ${PROTOCOL_NAMES[protocol]} | ${METHOD_NAMES[method]} | ${m.users} | ${pct(m.hitRate)} | ${pct(m.recall)} | ${pct(m.ndcg)} |`,
      );
    }
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: 'string' } } });
  const [dir] = positionals;
  if (!dir || positionals.length > 1) {
    console.error('Usage: npm run evaluate -- <folder of the UCI Online Retail daily CSVs> [--out FILE]');
    process.exitCode = 2;
    return;
  }
  const out = resolve(values.out ?? 'evaluation/results/uci-online-retail.json');
  const result = await evaluateUciRetail(resolve(dir), (m) => console.error(m));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify({ ...result, dataset: dir, at: new Date().toISOString() }, null, 2)}\n`,
  );
  console.log(markdownTable(result));
  for (const protocol of PROTOCOLS) {
    const r = result.results[protocol];
    for (const blend of BLENDS) {
      const beats = (metric: 'hitRate' | 'ndcg') =>
        r[blend][metric] > r.popularity[metric] && r[blend][metric] > r.itemKnn[metric];
      console.log(
        `${protocol}: ${blend} beats both baselines on HR@${result.k}: ${beats('hitRate')}, on NDCG@${result.k}: ${beats('ndcg')}`,
      );
    }
  }
  for (const protocol of PROTOCOLS) {
    for (const [baseline, d] of Object.entries(result.blendVersus[protocol])) {
      const f = (x: { mean: number; low: number; high: number }) =>
        `${x.mean >= 0 ? '+' : ''}${x.mean.toFixed(4)} [${x.low.toFixed(4)}, ${x.high.toFixed(4)}]`;
      console.log(
        `${protocol}: ${baseline.replace('-', ' − ')}: HR ${f(d.hitRate)}, NDCG ${f(d.ndcg)} (95% paired bootstrap)`,
      );
    }
  }
  console.log(`results: ${out} (${result.seconds} s)`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}

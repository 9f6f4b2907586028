/**
 * `npm run evaluate -- --uci DIR | --events FILE.jsonl [--protocol leaveLastOrderOut|nextPurchase]
 *  [--cutoff ISO] [--out FILE] [--blend-from TUNING.json] [--tune [--blend-only | --ease-head]]`
 *
 * Runs both protocols (or the one named) with both scorings, writes the results JSON (default
 * evaluation/results/<name>.json) and prints the tables. Progress goes to stderr. `--tune` instead
 * searches the blend's weights and the baselines' settings on validation splits cut from the training
 * period (tuning.ts) and writes what it chose; with `--blend-only`, only the blend's weights, the models'
 * settings as the code's defaults have them; with `--ease-head`, only the cf job's EASE head size and λ.
 * `--blend-from` scores the blend with the weights a tuning record chose instead of the API's defaults.
 *
 * Memory (docs/recommendations.md, "Offline evaluation"): the npm script starts Node with two settings of
 * the process, which `npx tsx evaluation/run.ts` would not have: DuckDB's allocator (jemalloc, linked into
 * the DuckDB addon and configured only when it loads) returns freed pages at once instead of keeping them
 * for ~10 s, so the cf SQL's working memory leaves the RSS when the lake closes; and V8's old generation
 * grows by 1.5× its live size between full collections instead of up to 4× (the scoring allocates
 * short-lived lists by the million). Neither caps anything: a larger dataset only collects more often.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type Dataset, loadEventsFile, loadUci } from './dataset';
import { DEFAULT_SETTINGS, evaluateDataset } from './evaluate';
import { PROTOCOLS, type Protocol } from './protocols';
import { resultsTable, validationTable, verdicts, versusTable } from './report';
import { chosenBlend, tune } from './tuning';

const USAGE =
  'Usage: npm run evaluate -- (--uci <folder of UCI Online Retail daily CSVs> | --events <canonical events .jsonl>)\n' +
  '         [--protocol leaveLastOrderOut|nextPurchase] [--cutoff 2011-10-29T00:00:00Z] [--out FILE]\n' +
  '         [--blend-from TUNING.json] [--tune [--blend-only | --ease-head]]';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      uci: { type: 'string' },
      events: { type: 'string' },
      protocol: { type: 'string' },
      cutoff: { type: 'string' },
      out: { type: 'string' },
      'blend-from': { type: 'string' },
      tune: { type: 'boolean', default: false },
      'blend-only': { type: 'boolean', default: false },
      'ease-head': { type: 'boolean', default: false },
    },
  });
  // The old form `npm run evaluate -- <folder>` still means --uci.
  const uci = values.uci ?? (positionals.length === 1 && !values.events ? positionals[0] : undefined);
  if ((uci === undefined) === (values.events === undefined) || positionals.length > (values.uci ? 0 : 1)) {
    console.error(USAGE);
    return 2;
  }
  if (values.protocol !== undefined && !PROTOCOLS.includes(values.protocol as Protocol)) {
    console.error(`--protocol must be one of ${PROTOCOLS.join(', ')}, got '${values.protocol}'\n${USAGE}`);
    return 2;
  }
  const started = Date.now();
  const log = (m: string) =>
    process.stderr.write(
      `[evaluate] ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s ${Math.round(
        process.memoryUsage.rss() / 2 ** 20,
      )
        .toString()
        .padStart(5)} MiB  ${m}\n`,
    );
  const dataset: Dataset = uci
    ? loadUci(resolve(uci))
    : await loadEventsFile(resolve(values.events as string));
  log(
    `${dataset.source}: ${dataset.report.events} events of ${dataset.report.users} users, ${dataset.report.firstAt} .. ${dataset.report.lastAt}` +
      (dataset.report.rejected
        ? ` (${dataset.report.rejected} invalid lines in ${dataset.report.rejectedFile})`
        : ''),
  );
  const protocols = values.protocol ? [values.protocol as Protocol] : PROTOCOLS;
  const blendFrom = values['blend-from'];
  const settings = {
    ...DEFAULT_SETTINGS,
    ...(values.cutoff ? { cutoff: values.cutoff } : {}),
    ...(blendFrom ? { blend: chosenBlend(JSON.parse(readFileSync(blendFrom, 'utf8')), blendFrom) } : {}),
  };
  if (blendFrom) log(`blend: the weights chosen in ${blendFrom}, not the API's defaults`);
  const name = uci ? basename(resolve(uci)) : basename(values.events as string).replace(/\.jsonl?$/, '');

  if (values.tune) {
    const out = resolve(values.out ?? `evaluation/results/tuning-${name}.json`);
    const tuning = await tune(dataset, protocols, settings, log, {
      blendOnly: values['blend-only'],
      easeHeadOnly: values['ease-head'],
    });
    write(out, tuning);
    console.log(JSON.stringify(tuning.chosen, null, 2));
    if (tuning.onValidation)
      console.log(`\non the validation splits:\n${validationTable(tuning.onValidation)}`);
    console.log(`tuning: ${out}`);
    return 0;
  }

  const out = resolve(values.out ?? `evaluation/results/${name}.json`);
  const result = await evaluateDataset(dataset, protocols, settings, log);
  write(out, { ...result, at: new Date().toISOString() });
  console.log(resultsTable(result, blendFrom ? `blend (weights of ${basename(blendFrom)})` : undefined));
  console.log();
  console.log(versusTable(result));
  console.log();
  for (const line of verdicts(result)) console.log(line);
  console.log(`results: ${out} (${result.seconds} s)`);
  return 0;
}

function write(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}

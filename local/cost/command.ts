/**
 * `recostream cost`: dollars per million events per service, before and after the consumer's tumbling
 * window, and the monthly cost table, at 1, 10 and 100 million events a day (or --events-per-day), from the
 * app's synthesised template (pass CDK context as -c key=value, like `cdk deploy`) and the consumer's
 * DynamoDB units measured by the last `npm run bench -- --only consumer-dynamo` (bench/results/latest.json).
 */
import { parseArgs } from 'node:util';
import { buildApp } from '../../lib/app-builder';
import type { CliIo } from '../cli/kit';
import { templateOfStacks } from '../topology';
import { type MeasuredUsage, readMeasuredUsage } from './measured';
import {
  apiGatewayHttpCost,
  apiGatewayRestCost,
  type ConsumerLoad,
  type CostAssumptions,
  type CostLine,
  DAYS_PER_MONTH,
  DEFAULT_ASSUMPTIONS,
  ingestRequestsPerMonth,
  monthlyCost,
  shardsNeeded,
  totalOf,
} from './model';
import { PRICE_DATE, PRICE_REGION, PRICES } from './prices';
import { type CostSettings, costSettingsFromTemplate } from './settings';

export const DEFAULT_VOLUMES = [1e6, 1e7, 1e8];

export function synthCostSettings(context: Record<string, unknown> = {}): CostSettings {
  const { app } = buildApp(context, { validate: false, skipBundling: true });
  return costSettingsFromTemplate(templateOfStacks(app.synth().stacks));
}

const usd = (value: number) =>
  value >= 100 ? `$${Math.round(value).toLocaleString('en-US')}` : `$${value.toFixed(2)}`;
const volumeLabel = (v: number) =>
  v >= 1e6 ? `${v / 1e6} M events/day` : `${v.toLocaleString('en-US')} events/day`;

const perMillion = (value: number) => `$${value.toFixed(value >= 0.1 ? 2 : 3)}`;

const loadOf = (usage: MeasuredUsage, which: 'before' | 'after'): ConsumerLoad => ({
  ...usage[which],
  recordsPerEvent: usage.recordsPerEvent,
});

/** Dollars per million client events, per service, before and after, at each volume. */
export function perMillionTableMarkdown(
  settings: CostSettings,
  usage: MeasuredUsage,
  volumes: readonly number[] = DEFAULT_VOLUMES,
  a: CostAssumptions = DEFAULT_ASSUMPTIONS,
): string {
  const runs = volumes.map((v) => ({
    millions: (v * DAYS_PER_MONTH) / 1e6,
    before: monthlyCost(v, settings, loadOf(usage, 'before'), a),
    after: monthlyCost(v, settings, loadOf(usage, 'after'), a),
  }));
  const services = [...new Set((runs[0]?.after ?? []).map((l) => l.service))];
  const serviceTotal = (lines: readonly CostLine[], service: string) =>
    totalOf(lines.filter((l) => l.service === service));
  const cells = (pick: (lines: readonly CostLine[]) => number) =>
    runs.flatMap((r) => [perMillion(pick(r.before) / r.millions), perMillion(pick(r.after) / r.millions)]);
  return [
    `Dollars per million events (30-day month, ${PRICE_REGION} list prices of ${PRICE_DATE}), before → after: ` +
      `before, the consumer writes item rows per batch; after, it sums them per tumbling window. Each event ` +
      `comes with its share of recommendation impressions (${usage.recordsPerEvent.toFixed(2)} stream records per event); ` +
      `DynamoDB units per record measured by \`npm run bench -- --only consumer-dynamo\` at ${usage.measuredAt} ` +
      `(before ${usage.before.writeUnitsPerRecord.toFixed(3)} → after ${usage.after.writeUnitsPerRecord.toFixed(3)} write units, ` +
      `${usage.before.readUnitsPerRecord.toFixed(3)} → ${usage.after.readUnitsPerRecord.toFixed(3)} read units per record; ` +
      `${usage.windowRecords.toLocaleString('en-US')} records per window).`,
    '',
    `| Service | ${volumes.map((v) => `${volumeLabel(v)} before | after`).join(' | ')} |`,
    `|---|${volumes.map(() => '---:|---:').join('|')}|`,
    ...services.map((service) => `| ${service} | ${cells((l) => serviceTotal(l, service)).join(' | ')} |`),
    `| **Total per million events** | ${cells(totalOf)
      .map((c) => `**${c}**`)
      .join(' | ')} |`,
    `| Month | ${runs.flatMap((r) => [usd(totalOf(r.before)), usd(totalOf(r.after))]).join(' | ')} |`,
    '',
    `Next step, ingest through an HTTP API instead of REST (after): ${volumes
      .map((v, i) => {
        const run = runs[i] as (typeof runs)[number];
        const requests = ingestRequestsPerMonth(v, a);
        const saved = apiGatewayRestCost(requests) - apiGatewayHttpCost(requests);
        return `${volumeLabel(v)} ${perMillion((totalOf(run.after) - saved) / run.millions)} per million events`;
      })
      .join(', ')}.`,
  ].join('\n');
}

export function costTableMarkdown(
  settings: CostSettings,
  load: ConsumerLoad,
  volumes: readonly number[] = DEFAULT_VOLUMES,
  a: CostAssumptions = DEFAULT_ASSUMPTIONS,
): string {
  const perVolume = volumes.map((v) => monthlyCost(v, settings, load, a));
  const keyOf = (l: CostLine): string => `${l.service}\u0000${l.item}`;
  const keys = (perVolume[0] ?? []).map(keyOf);
  const byKey = perVolume.map((lines) => new Map<string, CostLine>(lines.map((l) => [keyOf(l), l])));
  const rows = keys.map((key) => {
    const [service, item] = key.split('\u0000');
    return `| ${service} | ${item} | ${byKey.map((m) => usd((m.get(key) as CostLine).usd)).join(' | ')} |`;
  });
  const out = [
    `Monthly cost (30 days), ${PRICE_REGION} on-demand list prices of ${PRICE_DATE}, USD:`,
    '',
    `| Service | Item | ${volumes.map(volumeLabel).join(' | ')} |`,
    `|---|---|${volumes.map(() => '---:').join('|')}|`,
    ...rows,
    `| **Total** | | ${perVolume.map((lines) => `**${usd(totalOf(lines))}**`).join(' | ')} |`,
    '',
    'Settings read from the synthesised template: ' +
      `stream ${settings.stream.mode}${settings.stream.mode === 'PROVISIONED' ? ` (${settings.stream.shards} shards)` : ''}, ` +
      `retention ${settings.stream.retentionHours} h; Firehose buffer ${settings.firehose.bufferIntervalSeconds} s / ` +
      `${settings.firehose.bufferSizeMb} MiB, Parquet ${settings.firehose.formatConversion ? 'on' : 'off'}, dynamic partitioning ` +
      `${settings.firehose.dynamicPartitioning ? 'on' : 'off'}; consumer batch ${settings.consumer.batchSize} / ` +
      `${settings.consumer.batchingWindowSeconds} s; Lambda memory ${Object.entries(settings.lambdaMemoryMb)
        .map(([f, m]) => `${f} ${m} MB`)
        .join(', ')}; lake Standard-IA after ${settings.lake.iaAfterDays ?? '-'} d, Glacier IR after ` +
      `${settings.lake.glacierAfterDays ?? '-'} d; DynamoDB ${settings.dynamodbOnDemand ? 'on-demand' : 'provisioned'}.`,
  ];
  if (settings.stream.mode === 'PROVISIONED') {
    const short = volumes.filter((v) => shardsNeeded(v, a) > settings.stream.shards);
    if (short.length > 0)
      out.push(
        '',
        `Warning: ${settings.stream.shards} shards are too few at ${short.map(volumeLabel).join(', ')} ` +
          `(needs ${short.map((v) => shardsNeeded(v, a)).join(', ')} at ${a.peakToAverage}x peak).`,
      );
  }
  out.push(
    '',
    `Measured consumer usage (${load.label}): ${load.writeUnitsPerRecord.toFixed(3)} write units and ` +
      `${load.readUnitsPerRecord.toFixed(3)} read units per stream record, ${load.recordsPerEvent.toFixed(2)} records per event.`,
    '',
    `Assumptions: ${Object.entries(a)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}.`,
    '',
    `Not included: the recommendation API's own requests (priced per read, not per event), WAF, data transfer out, Firehose JQ hours, free tiers. Sources: ${Object.values(
      PRICES,
    )
      .map((p) => p.source)
      .join(' ')}`,
  );
  return out.join('\n');
}

export async function costCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      'events-per-day': { type: 'string', multiple: true },
      'bench-results': { type: 'string' },
      context: { type: 'string', short: 'c', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(
      'Usage: recostream cost [--events-per-day N ...] [-c key=value ...] [--bench-results FILE]\n' +
        'Prints dollars per million events per service (before and after the item-statistics window) and ' +
        'the monthly AWS cost table (Markdown) for the configured app at each volume (default 1, 10 and ' +
        '100 million events a day), with the consumer units measured by the benchmark ' +
        '(default bench/results/latest.json).',
    );
    return 0;
  }
  const volumes = (values['events-per-day'] ?? []).map((text) => {
    const n = Number(text.replaceAll('_', ''));
    if (!Number.isFinite(n) || n <= 0)
      throw new Error(`--events-per-day must be a positive number, got '${text}'`);
    return n;
  });
  const context: Record<string, string> = {};
  for (const pair of values.context ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`-c expects key=value, got '${pair}'`);
    context[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const usage = readMeasuredUsage(values['bench-results']);
  const settings = synthCostSettings(context);
  const chosen = volumes.length > 0 ? volumes : DEFAULT_VOLUMES;
  io.out(perMillionTableMarkdown(settings, usage, chosen));
  io.out('');
  io.out(costTableMarkdown(settings, loadOf(usage, 'after'), chosen));
  return 0;
}

/**
 * `npm start`: runs the whole pipeline locally and prints where to look.
 *
 *   npm start -- [--port 3000] [--fresh] [--rate 20] [--no-traffic] [--seed 42] [--data-dir .data]
 *                [--rules rules.json]   (the recommendation API's filters and boosts: context recommendationRules)
 *                [--emulators default|moto]
 *
 * PORT, TRAFFIC_RATE and RECOSTREAM_EMULATORS environment variables work too (RECOSTREAM_KINESIS picks the
 * Kinesis emulator alone; README, Emulator modes). Ctrl-C stops every child process.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseEmulatorSet } from '../emulators';
import { startLocalRuntime } from './runtime';

/** The AWS SDK warns once per process that releases after January 2027 need Node 22; say it once, briefly. */
function quietNodeVersionWarning() {
  const original = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    if (type === 'NodeVersionSupportWarning' || /require node >=22/.test(text)) return;
    (original as (...args: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
}

async function main() {
  quietNodeVersionWarning();
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      fresh: { type: 'boolean', default: false },
      rate: { type: 'string' },
      'no-traffic': { type: 'boolean', default: false },
      seed: { type: 'string' },
      'data-dir': { type: 'string' },
      rules: { type: 'string' },
      emulators: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(
      'Usage: npm start -- [--port N] [--fresh] [--rate EVENTS_PER_SECOND] [--no-traffic] [--seed N] [--data-dir DIR] [--rules FILE.json] [--emulators default|moto]',
    );
    return;
  }
  const port = toInt(values.port ?? process.env.PORT ?? '3000', 'port');
  const rate = values['no-traffic'] ? 0 : toInt(values.rate ?? process.env.TRAFFIC_RATE ?? '20', 'rate');

  const started = Date.now();
  console.log('Starting RecoStream locally (emulators, functions, API)…');
  const runtime = await startLocalRuntime({
    port,
    fresh: values.fresh,
    trafficRate: rate,
    trafficSeed: values.seed ? toInt(values.seed, 'seed') : undefined,
    dataDir: values['data-dir'],
    emulators: values.emulators ? parseEmulatorSet(values.emulators) : undefined,
    // A fresh lake with a minute of simulated traffic covers few items; the deployed default (0.3) would reject
    // the first cf runs for a while, so the demo publishes from 10% coverage (every other check unchanged).
    context: {
      jobGateThresholds: { cf: { minCoverage: 0.1 } },
      // Validated by synthesis (the same check as `cdk deploy -c recommendationRules=…`).
      ...(values.rules ? { recommendationRules: readFileSync(values.rules, 'utf8') } : {}),
    },
    log: (message) => console.log(`  [local] ${message}`),
  });
  const profiles = runtime.tableName('Profiles');
  console.log(`
RecoStream is running (started in ${((Date.now() - started) / 1000).toFixed(1)} s)

  Console           ${runtime.apiUrl}/   (open it in a browser: live pipeline, demo storefront, lake queries)
  Ingest API        ${runtime.apiUrl}/v1/events   (Segment: ${runtime.apiUrl}/v1/batch, /track, /page, /identify, /screen, /group, /alias)
  Write key         ${runtime.writeKey}
  Recommendations   ${runtime.apiUrl}/v1/users/{userId}/recommendations   (also /v1/items/{itemId}/similar, /v1/items/trending, /v1/openapi.json)
  API key           ${runtime.apiKey}   (header x-api-key)
  Health (JSON)     ${runtime.apiUrl}/local/health
  Kinesis emulator  ${runtime.kinesisEndpoint}   stream ${[...runtime.topology.streams.values()].map((s) => s.name).join(', ')}
  DynamoDB emulator ${runtime.dynamoEndpoint}   tables ${[...runtime.topology.tables.values()].map((t) => t.name).join(', ')}
  S3 endpoint       ${runtime.s3Endpoint}   buckets ${[...runtime.topology.buckets.values()].map((b) => b.name).join(', ')}
  Data lake         ${runtime.lakeDir}   (Parquet as Firehose writes it; quarantine/ holds rejected events${runtime.lake?.description.startsWith('s3://') ? `; a copy of ${runtime.lake.description} on moto, synced before each query` : ''})
  Data directory    ${runtime.dataDir}
  Traffic           ${rate > 0 ? `${rate} simulated events/s (--no-traffic to turn off)` : 'off'}

Try it:
  curl -s -u '${runtime.writeKey}:' -H 'content-type: application/json' \\
    -d '{"events":[{"type":"product_view","userId":"alice","itemId":"item-00042","category":"books"}]}' \\
    ${runtime.apiUrl}/v1/events
  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws dynamodb get-item --region us-east-1 \\
    --endpoint-url ${runtime.dynamoEndpoint} --table-name ${profiles} --key '{"userId":{"S":"alice"}}'

  curl -s -H 'x-api-key: ${runtime.apiKey}' '${runtime.apiUrl}/v1/users/alice/recommendations?limit=5'
  npx recostream query --named funnel_by_day          # SQL on the local lake (DuckDB); --athena on AWS
  npx recostream jobs list cf --local                  # batch runs and their validation checks
  npx recostream jobs run trending --local             # run a batch job now (also on a fast-forwarded schedule)

Press Ctrl-C to stop.`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping…');
    await runtime.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

function toInt(raw: string, name: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`--${name} must be a non-negative integer, got '${raw}'`);
  return value;
}

main().catch((error) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});

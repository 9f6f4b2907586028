/**
 * Bad input for the poison scenarios, and where it must end up: records on the stream that the consumer cannot
 * apply go to its dead-letter queue, the lake's quarantine and the lake's errors/ prefix (the delivery cannot
 * convert them either); a body that is not JSON and invalid events are answered 400 and quarantined.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { COMMAND_TIMEOUTS, localSqsClient } from '../../../local/emulators';
import { LocalLake, sqlString } from '../../../local/lake/query';
import { receiveJsonMessages } from '../../support/queue-messages';
import type { RuntimeInfo } from './protocol';

/** Bad input for the poison scenarios: records the consumer cannot apply, a body that is not JSON, invalid events. */
export function badInput(prefix: string) {
  return {
    poison: [`${prefix}not-json {`, JSON.stringify({ eventId: `${prefix}teleport`, type: 'teleport' })],
    malformedBody: `{"events":[{"type":"page_view","userId":"${prefix}user-0001"`,
    invalidEvents: [
      { eventId: `${prefix}no-item`, type: 'product_view', userId: `${prefix}user-0001` },
      { eventId: `${prefix}no-identity`, type: 'page_view' },
    ],
  };
}

/** Puts records straight onto the stream (not through the API), keyed like one of the scenario's users. */
export async function putOnStream(
  info: RuntimeInfo,
  partitionKey: string,
  payloads: readonly string[],
): Promise<void> {
  const kinesis = new KinesisClient({
    endpoint: info.kinesisEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler(),
  });
  try {
    await kinesis.send(
      new PutRecordsCommand({
        StreamName: info.streamName,
        Records: payloads.map((text) => ({ PartitionKey: partitionKey, Data: Buffer.from(text) })),
      }),
    );
  } finally {
    kinesis.destroy();
  }
}

export interface KeptAside {
  /** Dead-letter code of each poison record, in order. */
  readonly deadLetterCodes: readonly (string | undefined)[];
  /** Poison records found under the lake's errors/ prefix. */
  readonly lakeErrors: number;
  /** Quarantined records of the scenario, by reason. */
  readonly quarantine: Readonly<Record<string, number>>;
}

/** Where the bad input went: the consumer's DLQ, the lake's errors/ prefix, the quarantine table. */
export async function keptAside(
  info: RuntimeInfo,
  prefix: string,
  poison: readonly string[],
): Promise<KeptAside> {
  const sqs = localSqsClient(info.sqsEndpoint, { timeouts: COMMAND_TIMEOUTS });
  const deadLetters = await receiveJsonMessages(sqs, info.deadLetterQueueUrl).finally(() => sqs.destroy());
  const errorsDir = join(info.lakeDir, 'errors');
  const errorFiles = (readdirSync(errorsDir, { recursive: true }) as string[]).filter((f) =>
    f.endsWith('.jsonl'),
  );
  const errorPayloads = errorFiles.flatMap((file) =>
    readFileSync(join(errorsDir, file), 'utf8')
      .trim()
      .split('\n')
      .map((line) =>
        Buffer.from((JSON.parse(line) as { rawData: string }).rawData, 'base64').toString('utf8'),
      ),
  );
  const lake = await LocalLake.open(info.lakeDir);
  try {
    const quarantined = await lake.runQuery(
      `SELECT reason, count(*) AS n FROM quarantine WHERE strpos(raw_payload, ${sqlString(prefix)}) > 0 GROUP BY reason`,
    );
    return {
      deadLetterCodes: poison.map((text) => {
        const code = deadLetters.find((m) => m.payload === text)?.code;
        return typeof code === 'string' ? code : undefined;
      }),
      lakeErrors: errorPayloads.filter((text) => poison.includes(text)).length,
      quarantine: Object.fromEntries(quarantined.rows.map(([reason, n]) => [String(reason), Number(n)])),
    };
  } finally {
    await lake.close();
  }
}

/**
 * What keptAside must find for `badInput`: the two invalid events each under their own reason. Dead-lettering
 * is at least once: a consumer batch killed after its poison records were dead-lettered repeats them.
 */
export function expectKeptAside(kept: KeptAside, options: { killed: boolean }): void {
  expect(kept.deadLetterCodes).toEqual(['invalid_record', 'invalid_record']);
  expect(kept.lakeErrors).toBe(2);
  const { invalid_json: bodies, invalid_record: records = 0, ...events } = kept.quarantine;
  expect({ bodies, events: Object.values(events).reduce((sum, n) => sum + n, 0) }).toEqual({
    bodies: 1,
    events: 2,
  });
  if (options.killed) expect(records).toBeGreaterThanOrEqual(2);
  else expect(records).toBe(2);
}

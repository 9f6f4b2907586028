/**
 * Firehose data transformation of the lake delivery stream (only with context `pseudonymizeLakeUserIds`):
 * each record's `userId` / `anonymousId` becomes its pseudonym before the JQ partition query and the Parquet
 * conversion see it. A record that is not a JSON object comes back `ProcessingFailed` with the reason, and
 * Firehose writes it, unchanged, under the `processing-failed` error prefix: nothing is dropped.
 *
 * The HMAC key is the secret PSEUDONYM_SECRET_ARN, read once per container. The local runtime, which has no
 * Secrets Manager, sets PSEUDONYM_KEY instead (the construct never does); that variable wins when present.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type {
  FirehoseTransformationEvent,
  FirehoseTransformationResult,
  FirehoseTransformationResultRecord,
} from 'aws-lambda';
import { LAKE_PSEUDONYM_METRICS } from '../shared/metric-names';
import { observability, powertools } from '../shared/observability';
import { PseudonymRecordError, pseudonymizeRecord } from '../shared/pseudonym';
import { type KeyLoader, keyFromEnvironmentOrSecret } from '../shared/pseudonym-key';

const tools = powertools();
const { logger, metrics } = tools;

export { type KeyLoader, keyFromEnvironmentOrSecret };

export interface TransformCounts {
  readonly ok: number;
  readonly failed: number;
}

/** Maps every record to Ok (pseudonymised) or ProcessingFailed (original data, reason in the log). */
export function transformRecords(
  event: FirehoseTransformationEvent,
  key: Buffer,
  onFailure: (recordId: string, reason: string) => void = () => undefined,
): { result: FirehoseTransformationResult; counts: TransformCounts } {
  let failed = 0;
  const records = event.records.map((record): FirehoseTransformationResultRecord => {
    try {
      const out = pseudonymizeRecord(Buffer.from(record.data, 'base64'), key);
      return { recordId: record.recordId, result: 'Ok', data: Buffer.from(out, 'utf8').toString('base64') };
    } catch (error) {
      if (!(error instanceof PseudonymRecordError)) throw error;
      failed++;
      onFailure(record.recordId, error.message);
      return { recordId: record.recordId, result: 'ProcessingFailed', data: record.data };
    }
  });
  return { result: { records }, counts: { ok: records.length - failed, failed } };
}

/**
 * The handler around a key loader. The key is loaded once and kept while the container lives; a failed load
 * is not kept, so the next invocation (Firehose retries the batch) tries again.
 */
export function createPseudonymizeHandler(
  loadKey: KeyLoader,
  log: Pick<Logger, 'warn'> = logger,
  count: (name: string, value: number) => void = (name, value) =>
    metrics.addMetric(name, MetricUnit.Count, value),
) {
  let key: Promise<Buffer> | undefined;
  return async (event: FirehoseTransformationEvent): Promise<FirehoseTransformationResult> => {
    key ??= loadKey().catch((error: unknown) => {
      key = undefined;
      throw error;
    });
    const { result, counts } = transformRecords(event, await key, (recordId, reason) =>
      log.warn('record not pseudonymised: sent to the processing-failed prefix', { recordId, reason }),
    );
    count(LAKE_PSEUDONYM_METRICS.pseudonymized, counts.ok);
    if (counts.failed > 0) count(LAKE_PSEUDONYM_METRICS.failed, counts.failed);
    return result;
  };
}

let secrets: SecretsManagerClient | undefined;
const pseudonymize = createPseudonymizeHandler(
  keyFromEnvironmentOrSecret(() => {
    secrets ??= new SecretsManagerClient({});
    return secrets;
  }),
);

export const handler = middy((event: FirehoseTransformationEvent) => pseudonymize(event)).use(
  observability(tools),
);

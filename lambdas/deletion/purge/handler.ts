/**
 * The AWS lake purge function, with two actions:
 *   `purge` (the state machine's step, started daily): one bounded pass of runLakePurge under a lease; it
 *           returns `moreWork` so the state machine invokes it again until nothing is left.
 *   `check` (hourly rule): publishes pending / overdue deletion requests for the deadline alarm.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { AthenaClient } from '@aws-sdk/client-athena';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Context } from 'aws-lambda';
import { dynamoDocumentClient, s3Client } from '../../shared/aws-clients';
import { numberEnv, requireEnv } from '../../shared/env';
import { EVENT_COLUMNS } from '../../shared/events/lake-columns';
import { LAKE_PURGE_METRICS } from '../../shared/metric-names';
import { observability, powertools } from '../../shared/observability';
import { lakeIdentifier } from '../../shared/pseudonym';
import { type KeyLoader, keyFromEnvironmentOrSecret } from '../../shared/pseudonym-key';
import { AthenaSqlRunner } from '../athena-sql-runner';
import type { DeletionRequestStore, ProfileEraser } from '../deletion-request';
import { DynamoDeletionRequestStore, DynamoProfileEraser } from '../dynamo-deletion-store';
import { DynamoPurgeLease } from '../dynamo-purge-lease';
import { type LakeObjects, type LakeSql, runLakePurge } from '../lake-purge-runner';
import { deadlineReport } from '../purge-status';
import { S3VersionedObjects } from '../s3-versioned-objects';

export interface PurgeEvent {
  readonly action?: 'purge' | 'check';
  /** Invocations so far in this execution (the state machine passes the previous output back). */
  readonly iteration?: number;
  /** Requests that failed earlier in this execution: not retried until the next execution. */
  readonly failed?: readonly string[];
}

export interface PurgeOutput {
  readonly action: 'purge';
  readonly iteration: number;
  readonly moreWork: boolean;
  readonly failed: readonly string[];
  readonly failedCount: number;
  readonly leaseHeld?: boolean;
}

export interface PurgeHandlerDeps {
  readonly requests: DeletionRequestStore;
  readonly profiles: ProfileEraser;
  readonly lease: Pick<DynamoPurgeLease, 'acquire' | 'release'>;
  readonly sql: (remainingMs: () => number) => LakeSql;
  readonly objects: LakeObjects;
  readonly bucket: string;
  readonly database: string;
  readonly settleMs: number;
  /** Time kept back at the end of an invocation: no new object is started within it. */
  readonly reserveMs: number;
  readonly metrics: {
    addMetric(name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number): unknown;
  };
  readonly logger: Pick<Logger, 'info' | 'warn'>;
  readonly now?: () => Date;
  /** With a pseudonymised lake: how it stores an id (the key is loaded on first use). */
  readonly lakeIdentifier?: () => Promise<(id: string) => string>;
}

export function createPurgeHandler(deps: PurgeHandlerDeps) {
  const now = deps.now ?? (() => new Date());
  return async (event: PurgeEvent, context: Pick<Context, 'awsRequestId' | 'getRemainingTimeInMillis'>) => {
    const action = event?.action ?? 'purge';
    if (action === 'check') return check(deps, now());
    if (action !== 'purge')
      throw new Error(`unknown action '${String(action)}': expected 'purge' or 'check'`);
    const iteration = (event.iteration ?? 0) + 1;
    const previous = event.failed ?? [];
    const owner = context.awsRequestId;
    const remainingMs = () => context.getRemainingTimeInMillis();
    if (!(await deps.lease.acquire(owner, now().getTime(), remainingMs() + 60_000))) {
      deps.logger.warn('another purge invocation holds the lease; this execution stops here');
      return out(iteration, false, previous, true);
    }
    try {
      const lakeIdentifier = await deps.lakeIdentifier?.();
      const result = await runLakePurge(
        {
          ...(lakeIdentifier ? { lakeIdentifier } : {}),
          sql: deps.sql(remainingMs),
          objects: deps.objects,
          requests: deps.requests,
          profiles: deps.profiles,
          bucket: deps.bucket,
          database: deps.database,
          eventColumns: EVENT_COLUMNS.map((c) => c.name),
          settleMs: deps.settleMs,
          now,
          hasTime: () => remainingMs() > deps.reserveMs,
        },
        { skipRequestIds: previous },
      );
      addCounts(deps, {
        objectsRewritten: result.objectsRewritten,
        rowsRemoved: result.rowsRemoved,
        quarantineRecordsRemoved: result.quarantineRecordsRemoved,
        deliveryErrorRecordsRemoved: result.deliveryErrorRecordsRemoved,
        failures: result.failed.length,
      });
      deps.logger.info('lake purge pass', { iteration, ...result });
      return out(iteration, result.moreWork, [...previous, ...result.failed]);
    } finally {
      await deps.lease.release(owner);
    }
  };
}

type PurgeMetric = keyof typeof LAKE_PURGE_METRICS;

/** Each count under its metric name, in the order given. */
function addCounts(deps: PurgeHandlerDeps, counts: Partial<Record<PurgeMetric, number>>): void {
  for (const [metric, value] of Object.entries(counts) as Array<[PurgeMetric, number]>) {
    deps.metrics.addMetric(LAKE_PURGE_METRICS[metric], MetricUnit.Count, value);
  }
}

async function check(deps: PurgeHandlerDeps, now: Date) {
  const report = deadlineReport(await deps.requests.pending(), now);
  addCounts(deps, {
    pending: report.pending,
    overdue: report.overdue,
    oldestPendingAgeHours: report.oldestPendingAgeHours,
  });
  if (report.overdue > 0) deps.logger.warn('deletion requests past their lake deadline', { ...report });
  return { action: 'check' as const, ...report };
}

function out(
  iteration: number,
  moreWork: boolean,
  failed: readonly string[],
  leaseHeld?: boolean,
): PurgeOutput {
  return {
    action: 'purge',
    iteration,
    moreWork,
    failed,
    failedCount: failed.length,
    ...(leaseHeld ? { leaseHeld } : {}),
  };
}

const tools = powertools();
const { logger, metrics } = tools;
let purge: ReturnType<typeof createPurgeHandler> | undefined;

export const handler = middy(async (event: PurgeEvent, context: Context) => {
  purge ??= (() => {
    const requestsTable = requireEnv('DELETION_REQUESTS_TABLE_NAME');
    const bucket = requireEnv('LAKE_BUCKET_NAME');
    const athena = new AthenaClient({ requestHandler: new NodeHttpHandler({ requestTimeout: 10_000 }) });
    return createPurgeHandler({
      requests: new DynamoDeletionRequestStore(dynamoDocumentClient(), requestsTable),
      profiles: new DynamoProfileEraser(dynamoDocumentClient(), requireEnv('PROFILES_TABLE_NAME')),
      lease: new DynamoPurgeLease(dynamoDocumentClient(), requestsTable),
      sql: (remainingMs) =>
        new AthenaSqlRunner(athena, {
          workGroup: requireEnv('ATHENA_WORKGROUP'),
          database: requireEnv('GLUE_DATABASE'),
          remainingMs,
        }),
      objects: new S3VersionedObjects(s3Client(), bucket),
      bucket,
      database: requireEnv('GLUE_DATABASE'),
      settleMs: numberEnv('PURGE_SETTLE_SECONDS', 3600) * 1000,
      reserveMs: numberEnv('PURGE_RESERVE_SECONDS', 180) * 1000,
      metrics,
      logger,
      ...(process.env.PSEUDONYM_SECRET_ARN || process.env.PSEUDONYM_KEY
        ? {
            lakeIdentifier: cachedLakeIdentifier(
              keyFromEnvironmentOrSecret(() => new SecretsManagerClient({})),
            ),
          }
        : {}),
    });
  })();
  return purge(event, context);
}).use(observability(tools));

/** The key is read once per container; a failed read is retried by the next invocation. */
function cachedLakeIdentifier(load: KeyLoader): () => Promise<(id: string) => string> {
  let key: Promise<Buffer> | undefined;
  return async () => {
    key ??= load().catch((error: unknown) => {
      key = undefined;
      throw error;
    });
    const loaded = await key;
    return (id) => lakeIdentifier(loaded, id);
  };
}

/**
 * The AWS lake purge, one bounded invocation: for each pending deletion request (oldest first) it removes
 * the user's rows from the events Parquet objects, then the user's quarantine records, then the user's
 * Firehose error records under `errors/` (listed, not queried: there is no table over them), then completes
 * the request. Athena, S3 and the audit table are ports (adapters in athena-sql-runner.ts,
 * s3-versioned-objects.ts, dynamo-deletion-store.ts), so every step order is unit-tested.
 *
 * One events object is rewritten as:
 *   1. record the key in `purgeInFlight` (audit), clear the object's staging prefix
 *   2. UNLOAD the object's rows minus the user's to `purge-staging/<request>/<hash of key>/`
 *   3. copy extra output files (if Athena wrote more than one) to `<stem>-purge-<request8>-<n>.parquet`
 *      in the same partition, then the first output file over the original key: that copy is the commit
 *      point, so a crash before it leaves the original (still holding the user) to be found and redone
 *   4. delete every older version of the original key (the bucket is versioned: without this the rows
 *      would stay readable as a noncurrent version until the lifecycle rule expires it), or every version
 *      when no rows are left, current last
 *   5. clear the staging prefix, drop the key from `purgeInFlight`, add the counters
 * A crash anywhere is resumed by the next invocation: it first deletes the older versions of the keys in
 * `purgeInFlight`, then asks Athena again which objects still hold the user. The lake store is `deleted`
 * only when that question returns no object (the purge verifies its own work).
 */
import { createHash } from 'node:crypto';
import { DELIVERY_ERRORS_PREFIX, EVENTS_PREFIX } from '../shared/lake-layout';
import {
  type DeletionRequest,
  type DeletionRequestStore,
  deleteProfiles,
  type ProfileEraser,
} from './deletion-request';
import { filterDeliveryErrorLines } from './delivery-errors-filter';
import {
  eventObjectKey,
  findEventObjectsSql,
  findQuarantineObjectsSql,
  type PurgeSubject,
  parseS3Uri,
  quarantineObjectKey,
  unloadWithoutSubjectSql,
} from './purge-sql';
import {
  addProgress,
  completeRequest,
  markStoreDeleted,
  nextPurgeStep,
  purgeSubject,
  readyToPurge,
  recordPurgeFailure,
  startPurgeRun,
  withInFlight,
} from './purge-status';
import { filterQuarantineLines } from './quarantine-filter';

/** Runs SQL in the lake's Athena workgroup and database. */
export interface LakeSql {
  /** Rows of a SELECT, without the header row, as strings (NULL as undefined). */
  select(sql: string): Promise<Array<Array<string | undefined>>>;
  /** Runs a statement without results (UNLOAD) to success; throws with Athena's reason otherwise. */
  execute(sql: string): Promise<void>;
}

/** The lake bucket (versioned), one bucket per instance. */
export interface LakeObjects {
  /** Current object keys under a prefix, sorted. */
  listKeys(prefix: string): Promise<string[]>;
  copy(sourceKey: string, targetKey: string): Promise<void>;
  getText(key: string): Promise<string>;
  putText(key: string, body: string): Promise<void>;
  /** Deletes every version and delete marker of exactly `key` except the current version. */
  deleteNoncurrentVersions(key: string): Promise<number>;
  /** Deletes every version of exactly `key`, the current one last. */
  deleteAllVersions(key: string): Promise<number>;
  /** Deletes every version of every key under `prefix`. */
  deleteEverythingUnder(prefix: string): Promise<number>;
}

export interface LakePurgeDeps {
  readonly sql: LakeSql;
  readonly objects: LakeObjects;
  readonly requests: DeletionRequestStore;
  readonly profiles: ProfileEraser;
  readonly bucket: string;
  readonly database: string;
  /** Data columns of the events table, in table order (EVENT_COLUMNS). */
  readonly eventColumns: readonly string[];
  /** @default 'purge-staging/' */
  readonly stagingPrefix?: string;
  /** Requests younger than this wait for in-flight events to reach the lake. */
  readonly settleMs: number;
  readonly now: () => Date;
  /** False once the invocation should start no new object (the time budget is spent). */
  readonly hasTime: () => boolean;
  /**
   * An id as a pseudonymised lake stores it (lambdas/shared/pseudonym.ts `lakeIdentifier`), when the lake is
   * pseudonymised: the purge then looks for both forms.
   */
  readonly lakeIdentifier?: (id: string) => string;
}

export interface LakePurgeResult {
  readonly examined: number;
  readonly completed: number;
  readonly objectsRewritten: number;
  readonly rowsRemoved: number;
  readonly quarantineRecordsRemoved: number;
  readonly deliveryErrorRecordsRemoved: number;
  /** Ids of requests that failed in this invocation (recorded on the request as `error`). */
  readonly failed: readonly string[];
  /** True when a request was left with work because the time budget ran out. */
  readonly moreWork: boolean;
}

export const DEFAULT_STAGING_PREFIX = 'purge-staging/';

/** The subject with its ids also as a pseudonymised lake stores them (rows from before the switch keep the real ones). */
export function withLakeIdentifiers(
  subject: PurgeSubject,
  lakeIdentifier: ((id: string) => string) | undefined,
): PurgeSubject {
  if (!lakeIdentifier) return subject;
  return {
    ...subject,
    lakeUserIds: [lakeIdentifier(subject.userId)],
    ...(subject.anonymousIds?.length ? { lakeAnonymousIds: subject.anonymousIds.map(lakeIdentifier) } : {}),
  };
}

export async function runLakePurge(
  deps: LakePurgeDeps,
  options: { readonly skipRequestIds?: readonly string[] } = {},
): Promise<LakePurgeResult> {
  const skip = new Set(options.skipRequestIds ?? []);
  const pending = (await deps.requests.pending())
    .filter(
      (r) => r.userId !== undefined && !skip.has(r.requestId) && readyToPurge(r, deps.now(), deps.settleMs),
    )
    .sort((a, b) => a.requestedAt.localeCompare(b.requestedAt) || a.requestId.localeCompare(b.requestId));
  const totals = {
    completed: 0,
    objectsRewritten: 0,
    rowsRemoved: 0,
    quarantineRecordsRemoved: 0,
    deliveryErrorRecordsRemoved: 0,
  };
  const failed: string[] = [];
  let moreWork = false;
  for (const request of pending) {
    if (!deps.hasTime()) {
      moreWork = true;
      break;
    }
    const purge = new RequestPurge(deps, request);
    try {
      const done = await purge.run();
      if (done) totals.completed += 1;
      else moreWork = true;
    } catch (error) {
      failed.push(request.requestId);
      await deps.requests.put(recordPurgeFailure(purge.current, error, deps.now()));
    }
    totals.objectsRewritten += purge.objectsRewritten;
    totals.rowsRemoved += purge.rowsRemoved;
    totals.quarantineRecordsRemoved += purge.quarantineRecordsRemoved;
    totals.deliveryErrorRecordsRemoved += purge.deliveryErrorRecordsRemoved;
  }
  return { examined: pending.length, ...totals, failed, moreWork };
}

/** The purge of one request; `current` is always the last state written to the audit table. */
class RequestPurge {
  current: DeletionRequest;
  objectsRewritten = 0;
  rowsRemoved = 0;
  quarantineRecordsRemoved = 0;
  deliveryErrorRecordsRemoved = 0;
  private readonly subject: PurgeSubject;
  private readonly stagingPrefix: string;

  constructor(
    private readonly deps: LakePurgeDeps,
    request: DeletionRequest,
  ) {
    this.current = request;
    this.subject = withLakeIdentifiers(purgeSubject(request), deps.lakeIdentifier);
    this.stagingPrefix = deps.stagingPrefix ?? DEFAULT_STAGING_PREFIX;
  }

  /** True when the request completed in this invocation. */
  async run(): Promise<boolean> {
    await this.save(startPurgeRun(this.current, this.deps.now()));
    await this.finishInFlight();
    for (;;) {
      const step = nextPurgeStep(this.current);
      if (step === 'complete') {
        // Events still in the stream at request time may have re-created the profile.
        await deleteProfiles(this.deps.profiles, this.subject.userId, this.subject.anonymousIds);
        await this.save(completeRequest(this.current, this.deps.now()));
        return true;
      }
      if (!this.deps.hasTime()) return false;
      const done =
        step === 'lake'
          ? await this.purgeEvents()
          : step === 'quarantine'
            ? await this.purgeQuarantine()
            : await this.purgeDeliveryErrors();
      if (!done) {
        // The events step re-asks Athena after a pass, which verifies it; out of time, resume next run.
        if (!this.deps.hasTime()) return false;
        continue;
      }
      await this.save(markStoreDeleted(this.current, step, this.deps.now()));
    }
  }

  /** Objects an earlier invocation started: their older versions (and staging files) go first. */
  private async finishInFlight(): Promise<void> {
    const keys = this.current.purgeInFlight ?? [];
    for (const key of keys) {
      await this.deps.objects.deleteNoncurrentVersions(key);
      if (key.startsWith(EVENTS_PREFIX)) await this.deps.objects.deleteEverythingUnder(this.stagingFor(key));
    }
    if (keys.length > 0) await this.save(withInFlight(this.current, []));
  }

  /** True when Athena finds no object with the subject's rows; false after a pass that rewrote some. */
  private async purgeEvents(): Promise<boolean> {
    const rows = await this.deps.sql.select(findEventObjectsSql(this.deps.database, this.subject));
    if (rows.length === 0) return true;
    for (const [path, count] of rows) {
      if (!this.deps.hasTime()) return false;
      const key = eventObjectKey(this.keyOf(path));
      await this.save(withInFlight(this.current, [key]));
      await this.rewriteEventObject(key);
      const removed = Number(count ?? 0);
      await this.save(addProgress(withInFlight(this.current, []), 'lake', 1, removed));
      this.objectsRewritten += 1;
      this.rowsRemoved += removed;
    }
    return false;
  }

  private async rewriteEventObject(key: string): Promise<void> {
    const { objects, sql, bucket } = this.deps;
    const staging = this.stagingFor(key);
    await objects.deleteEverythingUnder(staging);
    await sql.execute(
      unloadWithoutSubjectSql({
        database: this.deps.database,
        columns: this.deps.eventColumns,
        objectUri: `s3://${bucket}/${key}`,
        subject: this.subject,
        stagingUri: `s3://${bucket}/${staging}`,
      }),
    );
    const staged = await objects.listKeys(staging);
    const extras = extrasPrefix(key, this.current.requestId);
    await objects.deleteEverythingUnder(extras);
    for (const [i, source] of staged.entries())
      if (i > 0) await objects.copy(source, `${extras}${i}.parquet`);
    const [first] = staged;
    if (first === undefined) {
      await objects.deleteAllVersions(key);
    } else {
      await objects.copy(first, key);
      await objects.deleteNoncurrentVersions(key);
    }
    await objects.deleteEverythingUnder(staging);
  }

  /** The found objects are a superset (see quarantine-filter.ts): done after one full pass over them. */
  private async purgeQuarantine(): Promise<boolean> {
    const rows = await this.deps.sql.select(findQuarantineObjectsSql(this.deps.database, this.subject));
    for (const [path] of rows) {
      if (!this.deps.hasTime()) return false;
      const key = quarantineObjectKey(this.keyOf(path));
      const filtered = filterQuarantineLines(await this.deps.objects.getText(key), this.subject);
      const removed = await this.rewriteLines(key, filtered);
      if (removed === 0) continue;
      await this.save(addProgress(withInFlight(this.current, []), 'quarantine', 1, removed));
      this.quarantineRecordsRemoved += removed;
    }
    return true;
  }

  /**
   * Every current object under `errors/` is read (the lifecycle expires them after 14 days by default, so the
   * prefix stays small); the user's lines are dropped. Done after one full pass.
   */
  private async purgeDeliveryErrors(): Promise<boolean> {
    for (const key of await this.deps.objects.listKeys(DELIVERY_ERRORS_PREFIX)) {
      if (!this.deps.hasTime()) return false;
      const filtered = filterDeliveryErrorLines(await this.deps.objects.getText(key), this.subject);
      const removed = await this.rewriteLines(key, filtered);
      if (removed === 0) continue;
      await this.save(addProgress(withInFlight(this.current, []), 'deliveryErrors', 1, removed));
      this.deliveryErrorRecordsRemoved += removed;
    }
    return true;
  }

  /** Writes back the kept lines of a JSON-lines object (or deletes it), and its older versions; the count removed. */
  private async rewriteLines(
    key: string,
    { kept, removed, keptLines }: { kept: string; removed: number; keptLines: number },
  ): Promise<number> {
    if (removed === 0) return 0;
    await this.save(withInFlight(this.current, [key]));
    if (keptLines === 0) {
      await this.deps.objects.deleteAllVersions(key);
    } else {
      await this.deps.objects.putText(key, kept);
      await this.deps.objects.deleteNoncurrentVersions(key);
    }
    return removed;
  }

  private keyOf(path: string | undefined): string {
    const { bucket, key } = parseS3Uri(path ?? '');
    if (bucket !== this.deps.bucket)
      throw new Error(`Athena returned an object of bucket '${bucket}', expected '${this.deps.bucket}'`);
    return key;
  }

  private stagingFor(key: string): string {
    const digest = createHash('sha256').update(key).digest('hex').slice(0, 16);
    return `${this.stagingPrefix}${this.current.requestId}/${digest}/`;
  }

  private async save(request: DeletionRequest): Promise<void> {
    await this.deps.requests.put(request);
    this.current = request;
  }
}

/** `<key without .parquet>-purge-<first 8 characters of the request id>-` (then `<n>.parquet`). */
export function extrasPrefix(key: string, requestId: string): string {
  const stem = key.endsWith('.parquet') ? key.slice(0, -'.parquet'.length) : key;
  const tag = requestId
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 8)
    .toLowerCase();
  if (tag.length === 0) throw new Error(`request id '${requestId}' has no letters or digits`);
  return `${stem}-purge-${tag}-`;
}

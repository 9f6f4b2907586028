/** DynamoDB implementation of the feature store port (Profiles and ItemStats tables). */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type Profile, parseProfileRecord } from '../shared/profile-record';
import { DedupLedger } from './dedup-ledger';
import type { FeatureStorePort, GapWindow, ItemRow, ItemRowKey, ItemRowUpdate } from './feature-store-port';
import { InvalidWriteError, itemRowId } from './feature-store-port';
import { COUNTERS, type CounterDelta } from './item-stats';

const BATCH_GET_LIMIT = 100;
/** Item-row attribute of one shard's gap windows: `gaps#<shardId>`. */
const GAPS_PREFIX = 'gaps#';

export interface DynamoFeatureStoreOptions {
  readonly profilesTable: string;
  readonly itemStatsTable: string;
  /** Counts requests, for metrics and the write-amplification benchmark. */
  readonly onRequest?: (kind: 'read' | 'write') => void;
  /** Sees every profile written (the benchmark measures their size). */
  readonly onProfileWrite?: (profile: Profile) => void;
  /** Sees every item a read returned (the benchmark prices read units by their size). */
  readonly onItemsRead?: (items: readonly Record<string, unknown>[]) => void;
}

export class DynamoFeatureStore implements FeatureStorePort {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly options: DynamoFeatureStoreOptions,
  ) {}

  async getProfiles(userIds: readonly string[]): Promise<Map<string, Profile>> {
    const items = await this.batchGet(
      this.options.profilesTable,
      userIds.map((userId) => ({ userId })),
    );
    return new Map(items.map((item) => [item.userId as string, profileFromItem(item)]));
  }

  async putProfile(profile: Profile, expectedVersion: number): Promise<boolean> {
    this.options.onRequest?.('write');
    this.options.onProfileWrite?.(profile);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.options.profilesTable,
          Item: profile,
          ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(userId)' : 'version = :expected',
          ExpressionAttributeValues: expectedVersion === 0 ? undefined : { ':expected': expectedVersion },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw refusedOr(error, `profile ${profile.userId}`);
    }
  }

  async getItemRows(keys: readonly ItemRowKey[]): Promise<Map<string, ItemRow>> {
    const items = await this.batchGet(
      this.options.itemStatsTable,
      keys.map((k) => ({ itemId: k.itemId, bucket: k.bucket })),
    );
    const rows = new Map<string, ItemRow>();
    for (const item of items) {
      const counts: CounterDelta = {};
      for (const counter of COUNTERS)
        if (typeof item[counter] === 'number') counts[counter] = item[counter] as number;
      const gaps: Record<string, readonly GapWindow[]> = {};
      for (const [name, value] of Object.entries(item))
        if (name.startsWith(GAPS_PREFIX)) gaps[name.slice(GAPS_PREFIX.length)] = value as GapWindow[];
      const row: ItemRow = {
        itemId: item.itemId as string,
        bucket: item.bucket as string,
        hwm: (item.hwm as Record<string, string> | undefined) ?? {},
        ...(Object.keys(gaps).length > 0 ? { gaps } : {}),
        counts,
        category: item.category as string | undefined,
        lastEventAt: item.lastEventAt as string | undefined,
      };
      rows.set(itemRowId(row), row);
    }
    return rows;
  }

  async applyItemDelta(update: ItemRowUpdate): Promise<boolean> {
    // Every attribute goes through a name placeholder: several (e.g. `views`) are reserved words.
    const names: Record<string, string> = { '#hwm': 'hwm', '#last': 'lastEventAt' };
    const values: Record<string, unknown> = { ':last': update.lastEventAt };
    const sets: string[] = ['#last = :last'];
    const adds: string[] = [];
    const removes: string[] = [];
    const conditions: string[] = [];

    if (update.rowHasHwm) {
      names['#shard'] = update.shardId;
      sets.push('#hwm.#shard = :hwm');
      values[':hwm'] = update.newHwm;
    } else {
      sets.push('#hwm = :hwmMap');
      values[':hwmMap'] = { [update.shardId]: update.newHwm };
    }
    const optional: Array<[string, unknown]> = [
      ['category', update.category],
      ['conversionRate', update.conversionRate],
      ['expiresAt', update.expiresAt],
    ];
    for (const [attribute, value] of optional) {
      if (value === undefined) continue;
      names[`#${attribute}`] = attribute;
      values[`:${attribute}`] = value;
      sets.push(`#${attribute} = :${attribute}`);
    }
    for (const counter of COUNTERS) {
      const value = update.delta[counter];
      if (value) {
        names[`#${counter}`] = counter;
        values[`:${counter}`] = value;
        adds.push(`#${counter} :${counter}`);
      }
    }
    // A shard's gap windows are a top-level attribute, so each shard's invocation sets its own without a race.
    if (update.gaps) {
      names['#gaps'] = `${GAPS_PREFIX}${update.shardId}`;
      values[':gaps'] = update.gaps;
      sets.push('#gaps = :gaps');
    }
    (update.dropShards ?? []).forEach((drop, i) => {
      names[`#d${i}`] = drop.shardId;
      names[`#dg${i}`] = `${GAPS_PREFIX}${drop.shardId}`;
      values[`:d${i}`] = drop.expected;
      removes.push(`#hwm.#d${i}`, `#dg${i}`);
      conditions.push(`#hwm.#d${i} = :d${i}`);
    });

    if (!update.rowHasHwm) conditions.unshift('attribute_not_exists(#hwm)');
    else if (update.expectedHwm === undefined) conditions.unshift('attribute_not_exists(#hwm.#shard)');
    else {
      conditions.unshift('#hwm.#shard = :expected');
      values[':expected'] = update.expectedHwm;
    }

    this.options.onRequest?.('write');
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.options.itemStatsTable,
          Key: { itemId: update.key.itemId, bucket: update.key.bucket },
          UpdateExpression: [
            `SET ${sets.join(', ')}`,
            adds.length ? `ADD ${adds.join(', ')}` : '',
            removes.length ? `REMOVE ${removes.join(', ')}` : '',
          ]
            .filter(Boolean)
            .join(' '),
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw refusedOr(error, `item row ${update.key.itemId} ${update.key.bucket}`);
    }
  }

  /** BatchGetItem in chunks of 100, re-requesting unprocessed keys with backoff. */
  private async batchGet(
    table: string,
    keys: ReadonlyArray<Record<string, string>>,
  ): Promise<Record<string, unknown>[]> {
    const unique = [...new Map(keys.map((k) => [JSON.stringify(k), k])).values()];
    const out: Record<string, unknown>[] = [];
    for (let start = 0; start < unique.length; start += BATCH_GET_LIMIT) {
      let pending: Record<string, unknown>[] = unique.slice(start, start + BATCH_GET_LIMIT);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt === 8)
          throw new Error(`BatchGetItem on ${table}: ${pending.length} keys still unprocessed`);
        if (attempt > 0)
          await new Promise((r) => setTimeout(r, Math.random() * Math.min(1000, 25 * 2 ** attempt)));
        this.options.onRequest?.('read');
        const result = await this.client.send(
          new BatchGetCommand({ RequestItems: { [table]: { Keys: pending } } }),
        );
        const found = result.Responses?.[table] ?? [];
        this.options.onItemsRead?.(found);
        out.push(...found);
        pending = (result.UnprocessedKeys?.[table]?.Keys as Record<string, unknown>[] | undefined) ?? [];
      }
    }
    return out;
  }
}

/**
 * A stored profile. Profiles written before the event ledger carry `seen` ([eventId, sequence] pairs)
 * instead: it becomes the ledger, dated by the profile's last event, and is dropped at the next write.
 */
function profileFromItem(item: Record<string, unknown>): Profile {
  const { seen, ...rest } = item;
  const profile = parseProfileRecord(rest);
  if (!Array.isArray(seen) || profile.ledger !== undefined) return profile;
  const datedAt = Date.parse(profile.lastReceivedAt ?? profile.lastEventAt ?? '');
  const ledger = DedupLedger.fromLegacySeen(
    seen as Array<[string, string]>,
    Number.isFinite(datedAt) ? Math.floor(datedAt / 60_000) : 0,
  ).encode({ horizonMinutes: Number.POSITIVE_INFINITY, maxEntries: Number.POSITIVE_INFINITY });
  return { ...profile, ...(ledger ? { ledger } : {}) };
}

/** DynamoDB's ValidationException (item too large, key too long, ...) is final: retrying cannot help. */
function refusedOr(error: unknown, what: string): unknown {
  if ((error as { name?: unknown } | undefined)?.name !== 'ValidationException') return error;
  return new InvalidWriteError(`${what}: ${(error as Error).message}`, { cause: error });
}

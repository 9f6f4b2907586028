/**
 * What the operator commands that write the item catalogue directly (`quarantine replay` of refused
 * `PUT /v1/items` requests, `catalogue reindex`) need of a deployment, found the way the other commands find
 * theirs: the Items table (the running local runtime's, from <data-dir>/runtime.json, or the stack output
 * ItemsTableName with the default AWS credentials chain) and the promotion filter the deployment indexes
 * (its rules file: `npm start -- --rules FILE` locally, the context `recommendationRules` on AWS).
 */
import { readFileSync } from 'node:fs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoDocumentClient } from '../../lambdas/shared/aws-clients';
import { indexedPromotionFilter } from '../../lambdas/shared/promoted-items';
import { type FilterRule, parseRulesConfig } from '../../lambdas/shared/recommend-rules';
import { COMMAND_TIMEOUTS, localDocumentClient } from '../emulators';
import { localRuntime, UsageError } from './kit';

export interface ItemsTarget {
  readonly tableName: string;
  readonly client: DynamoDBDocumentClient;
}

/** The Items table of the running local runtime (`local`), or the named one on AWS. */
export function openItemsTable(target: { local: boolean; dataDir: string; table?: string }): ItemsTarget {
  if (!target.local) {
    if (!target.table) throw new UsageError('--items-table NAME is required (stack output ItemsTableName)');
    return { tableName: target.table, client: dynamoDocumentClient() };
  }
  const runtime = localRuntime(target.dataDir);
  const tableName = target.table ?? runtime.tables.Items;
  if (!tableName)
    throw new UsageError(`${target.dataDir}/runtime.json names no Items table: restart npm start`);
  return {
    tableName,
    client: localDocumentClient(runtime.dynamoEndpoint, { timeouts: COMMAND_TIMEOUTS }),
  };
}

/**
 * The promotion filter a rules file (the JSON of `recommendationRules`) makes the catalogue index, or
 * `undefined` when it has none the catalogue can index. A file that is not valid rules is a usage error.
 */
export function promotionOfRulesFile(path: string): FilterRule | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--rules ${path}: ${(error as Error).message}`);
  }
  try {
    return indexedPromotionFilter(parseRulesConfig(text));
  } catch (error) {
    throw new UsageError(`--rules ${path}: ${(error as Error).message}`);
  }
}

/**
 * The local lake purge's step for Firehose's error records (`<lake>/errors/**`, written by the local delivery
 * loop in the AWS layout): drops the lines whose stream record names a purged user, rewriting each affected
 * file through a temporary file and a rename (a file left empty is deleted). The AWS purge does the same per
 * S3 object (lambdas/deletion/lake-purge-runner.ts).
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LakePurger } from '../../lambdas/deletion/deletion-request';
import { filesUnder } from '../../lambdas/deletion/duckdb-lake-purger';
import { filterJsonLines, payloadMentions } from '../../lambdas/deletion/quarantine-filter';
import { deliveryErrorPayload } from '../../lambdas/shared/delivery-errors';
import { DELIVERY_ERRORS_PREFIX } from '../../lambdas/shared/lake-layout';

export class LocalDeliveryErrorsPurger implements LakePurger {
  constructor(private readonly lakeDir: string) {}

  async purge(
    userIds: readonly string[],
    anonymousIds: readonly string[] = [],
  ): Promise<{ filesRewritten: number; rowsRemoved: number }> {
    let filesRewritten = 0;
    let rowsRemoved = 0;
    if (userIds.length === 0) return { filesRewritten, rowsRemoved };
    const [userId, ...others] = userIds as [string, ...string[]];
    const subject = { userId, lakeUserIds: others, anonymousIds };
    const files = filesUnder(join(this.lakeDir, DELIVERY_ERRORS_PREFIX), (name) => !name.endsWith('.tmp'));
    for (const file of files) {
      const { kept, removed, keptLines } = filterJsonLines(readFileSync(file, 'utf8'), (line) => {
        const payload = deliveryErrorPayload(line);
        return payload !== undefined && payloadMentions(payload, subject);
      });
      if (removed === 0) continue;
      if (keptLines === 0) rmSync(file);
      else {
        writeFileSync(`${file}.purge-tmp`, kept);
        renameSync(`${file}.purge-tmp`, file);
      }
      filesRewritten += 1;
      rowsRemoved += removed;
    }
    return { filesRewritten, rowsRemoved };
  }
}

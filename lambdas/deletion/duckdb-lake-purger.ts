/**
 * Removes users' rows from a lake folder of Parquet files with DuckDB: find the files that contain the
 * users (only those are touched), rewrite each without their rows into a temporary file next to it, then
 * rename it over the original (atomic on one file system); a file left empty is deleted. Readers see
 * either the old or the new file, never half of one. Used on the local lake; in AWS the same steps run
 * per affected S3 object (see README "Deleting a user").
 */
import { readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { LakePurger } from './deletion-request';

const sql = (text: string) => `'${text.replaceAll("'", "''")}'`;

export class DuckDbLakePurger implements LakePurger {
  /** @param eventsDir the events table root (`<lake>/events`), partitioned below it */
  constructor(
    private readonly eventsDir: string,
    private readonly userColumn = 'user_id',
    private readonly anonymousColumn = 'anonymous_id',
  ) {}

  async purge(
    userIds: readonly string[],
    anonymousIds: readonly string[] = [],
  ): Promise<{ filesRewritten: number; rowsRemoved: number }> {
    const files = filesUnder(this.eventsDir, (name) => name.endsWith('.parquet'));
    if (userIds.length + anonymousIds.length === 0 || files.length === 0)
      return { filesRewritten: 0, rowsRemoved: 0 };
    const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;
    // The subject's rows: its user id, or one of the anonymous ids linked to it.
    const matches = (column: string, ids: readonly string[]) =>
      ids.length === 0 ? 'false' : `coalesce(${quoted(column)} IN (${ids.map(sql).join(', ')}), false)`;
    const subject = `(${matches(this.userColumn, userIds)} OR ${matches(this.anonymousColumn, anonymousIds)})`;
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const affected = await connection.runAndReadAll(
        `SELECT filename, count(*) AS removed FROM read_parquet([${files.map(sql).join(', ')}], ` +
          `filename = true, hive_partitioning = false, union_by_name = true) ` +
          `WHERE ${subject} GROUP BY filename ORDER BY filename`,
      );
      let rowsRemoved = 0;
      const rows = affected.getRowObjectsJson() as Array<{ filename: string; removed: string | number }>;
      for (const { filename, removed } of rows) {
        const source = `read_parquet(${sql(filename)}, hive_partitioning = false)`;
        const keep = `SELECT * FROM ${source} WHERE NOT ${subject}`;
        const left = await connection.runAndReadAll(`SELECT count(*) AS n FROM (${keep})`);
        if (Number((left.getRowObjectsJson()[0] as { n: string | number }).n) === 0) {
          rmSync(filename);
        } else {
          const temporary = `${filename}.purge-tmp`;
          await connection.run(`COPY (${keep}) TO ${sql(temporary)} (FORMAT parquet, COMPRESSION snappy)`);
          renameSync(temporary, filename);
        }
        rowsRemoved += Number(removed);
      }
      return { filesRewritten: rows.length, rowsRemoved };
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }
}

/** Files below `dir` (any depth) whose names `accept` takes; none when `dir` does not exist. */
export function filesUnder(dir: string, accept: (name: string) => boolean): string[] {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path, accept);
    return entry.isFile() && accept(entry.name) ? [path] : [];
  });
}

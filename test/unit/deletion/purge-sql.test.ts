/** SQL text of the AWS lake purge: exact rendering, strict validation, and the NULL handling checked on DuckDB. */

import { DuckDBInstance } from '@duckdb/node-api';
import { withLakeIdentifiers } from '../../../lambdas/deletion/lake-purge-runner';
import {
  findEventObjectsSql,
  findQuarantineObjectsSql,
  idLiteral,
  subjectPredicate,
  unloadWithoutSubjectSql,
  validatePurgeId,
} from '../../../lambdas/deletion/purge-sql';

const KEY =
  'events/event_type=product_view/dt=2026-11-25/hour=09/RecoStream-Delivery-1-2026-11-25-09-00-00-ab12.parquet';

describe('ids', () => {
  it('renders ids as Trino literals with quotes doubled', () => {
    expect(idLiteral("o'brien")).toBe("'o''brien'");
    expect(idLiteral('ünïcode-😀')).toBe("'ünïcode-😀'");
  });

  it.each([
    ['', 'userId must not be empty'],
    [undefined, 'userId is required'],
    [42, 'userId must be a string'],
    ['x'.repeat(257), 'userId must be at most 256 characters'],
    ['a\nb', 'userId must not contain control characters'],
    ['a\u0000', 'userId must not contain control characters'],
    ['a\u007f', 'userId must not contain control characters'],
    ['a\u0085', 'userId must not contain control characters'],
    ['a\ud800', 'userId must be well-formed Unicode'],
    ['anon#x', 'userId the prefix anon# is reserved'],
    ['Jose\u0301', 'userId must be in Unicode normalization form NFC'],
  ])('refuses %p', (id, message) => {
    expect(() => validatePurgeId(id)).toThrow(message);
  });

  it('names the anonymous id in its errors', () => {
    expect(() => subjectPredicate({ userId: 'u', anonymousIds: [''] })).toThrow(
      'anonymousId must not be empty',
    );
  });
});

describe('queries', () => {
  it('finds the events objects of the user with a row count each', () => {
    expect(findEventObjectsSql('recostream_db', { userId: "u'1" })).toBe(
      'SELECT "$path" AS path, count(*) AS row_count FROM "recostream_db"."events" ' +
        `WHERE coalesce("user_id" = 'u''1', false) GROUP BY "$path" ORDER BY "$path"`,
    );
  });

  it('covers the anonymous ids when the request names them (deduplicated)', () => {
    expect(subjectPredicate({ userId: 'u1', anonymousIds: ['a1', 'a2', 'a1'] })).toBe(
      `(coalesce("user_id" = 'u1', false) OR coalesce("anonymous_id" IN ('a1', 'a2'), false))`,
    );
  });

  it('in a pseudonymised lake, matches the ids in both forms (rows from before and after the switch)', () => {
    const subject = withLakeIdentifiers({ userId: 'u1', anonymousIds: ['a1'] }, (id) => `p1_${id}`);
    expect(subject).toEqual({
      userId: 'u1',
      anonymousIds: ['a1'],
      lakeUserIds: ['p1_u1'],
      lakeAnonymousIds: ['p1_a1'],
    });
    expect(subjectPredicate(subject)).toBe(
      `(coalesce("user_id" IN ('u1', 'p1_u1'), false) OR coalesce("anonymous_id" IN ('a1', 'p1_a1'), false))`,
    );
    expect(withLakeIdentifiers({ userId: 'u1' }, undefined)).toEqual({ userId: 'u1' });
  });

  it('looks for the JSON-encoded ids in the quarantine raw payload', () => {
    expect(findQuarantineObjectsSql('db', { userId: 'u"1', anonymousIds: ['a1'] })).toBe(
      'SELECT DISTINCT "$path" AS path FROM "db"."quarantine" ' +
        `WHERE strpos("raw_payload", '"u\\"1"') > 0 OR strpos("raw_payload", '"a1"') > 0 ORDER BY "$path"`,
    );
  });

  it('UNLOADs one object without the user into the staging prefix', () => {
    expect(
      unloadWithoutSubjectSql({
        database: 'db',
        columns: ['event_id', 'user_id'],
        objectUri: `s3://lake-bucket/${KEY}`,
        subject: { userId: 'u1' },
        stagingUri: 's3://lake-bucket/purge-staging/r1/0123abcd/',
      }),
    ).toBe(
      `UNLOAD (SELECT "event_id", "user_id" FROM "db"."events" WHERE "$path" = 's3://lake-bucket/${KEY}' ` +
        `AND NOT coalesce("user_id" = 'u1', false)) TO 's3://lake-bucket/purge-staging/r1/0123abcd/' ` +
        `WITH (format = 'PARQUET', compression = 'SNAPPY')`,
    );
  });

  it.each([
    [{ database: 'Bad-Name' }, `'Bad-Name' is not a plain lower-case identifier`],
    [{ columns: ['user_id"; DROP'] }, 'is not a plain lower-case identifier'],
    [{ columns: [] }, 'no columns to unload'],
    [{ objectUri: "s3://lake-bucket/events/x'.parquet" }, 'is not an events object key of the lake layout'],
    [{ objectUri: 's3://lake-bucket/jobs/cf/x.parquet' }, 'is not an events object key of the lake layout'],
    [{ objectUri: 'https://x/y' }, 'is not an s3:// object URI'],
    [{ stagingUri: 's3://lake-bucket/purge-staging/r1' }, "must be a plain prefix ending in '/'"],
    [{ stagingUri: "s3://lake-bucket/purge'/" }, "must be a plain prefix ending in '/'"],
  ])('refuses %p', (override, message) => {
    expect(() =>
      unloadWithoutSubjectSql({
        database: 'db',
        columns: ['user_id'],
        objectUri: `s3://lake-bucket/${KEY}`,
        subject: { userId: 'u1' },
        stagingUri: 's3://lake-bucket/purge-staging/r1/',
        ...override,
      }),
    ).toThrow(message);
  });
});

describe('the predicate keeps anonymous rows (NULL user_id) on a SQL engine', () => {
  it('removes exactly the subject rows', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      await connection.run(
        `CREATE TABLE events AS SELECT * FROM (VALUES ('e1', 'u1', NULL), ('e2', NULL, 'a1'), ('e3', NULL, 'a9'), ` +
          `('e4', 'u2', 'a1'), ('e5', 'u2', NULL), ('e6', 'u1', 'a9')) AS t(event_id, user_id, anonymous_id)`,
      );
      const kept = async (predicate: string) =>
        (
          await connection.runAndReadAll(
            `SELECT event_id FROM events WHERE NOT ${predicate} ORDER BY event_id`,
          )
        )
          .getRows()
          .map((r) => r[0]);
      expect(await kept(subjectPredicate({ userId: 'u1' }))).toEqual(['e2', 'e3', 'e4', 'e5']);
      expect(await kept(subjectPredicate({ userId: 'u1', anonymousIds: ['a1'] }))).toEqual(['e3', 'e5']);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});

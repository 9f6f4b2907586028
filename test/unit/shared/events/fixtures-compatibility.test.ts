// Tests BACKWARD compatibility: every stored sample of every released schema version, under
// test/fixtures/events/v<N>/, must still parse with the current CanonicalEventSchema without losing a field,
// because the consumers and the lake read old events with today's code. A new version only adds a folder.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CanonicalEventSchema, CURRENT_SCHEMA_VERSION, EVENT_TYPES } from '../../../../lambdas/shared/events';

const FIXTURES_ROOT = join(__dirname, '../../../fixtures/events');

const versions = readdirSync(FIXTURES_ROOT)
  .map((name) => /^v(\d+)$/.exec(name))
  .filter((match) => match !== null)
  .map((match) => ({ folder: match[0], version: Number(match[1]) }));

const fixtures = versions.flatMap(({ folder, version }) =>
  readdirSync(join(FIXTURES_ROOT, folder))
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({
      name: `${folder}/${file}`,
      version,
      event: JSON.parse(readFileSync(join(FIXTURES_ROOT, folder, file), 'utf8')) as Record<string, unknown>,
    })),
);

describe('stored event fixtures', () => {
  it('include a folder for the current schema version with one sample per event type', () => {
    const current = fixtures.filter((fixture) => fixture.version === CURRENT_SCHEMA_VERSION);

    expect(current.map((fixture) => fixture.event.type).sort()).toEqual([...EVENT_TYPES].sort());
  });

  it('are all from released versions', () => {
    expect(versions.every(({ version }) => version >= 1 && version <= CURRENT_SCHEMA_VERSION)).toBe(true);
  });

  it.each(fixtures)('$name still parses, field for field, with the current schema', ({ event, version }) => {
    expect(event.schemaVersion).toBe(version);

    const result = CanonicalEventSchema.safeParse(event);

    expect(result.error?.issues ?? []).toEqual([]);
    // Equality, not just success: a field stripped on read is data lost from old events.
    expect(result.data).toEqual(event);
  });
});

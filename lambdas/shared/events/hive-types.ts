/**
 * Hive/Glue column types (the `type` of every LakeColumn) as a tree, so that each engine that reads the lake
 * renders them in its own syntax from one parser: DuckDB (local/lake/writer.ts) and Trino, for the column
 * list of an Athena view (lib/data-lake/athena-view.ts).
 */

/** The Hive scalar names the lake may use (`char(n)` and `varchar(n)` read as `string`). */
export const HIVE_SCALARS = [
  'boolean',
  'tinyint',
  'smallint',
  'int',
  'bigint',
  'float',
  'double',
  'string',
  'date',
  'timestamp',
  'binary',
] as const;
export type HiveScalar = (typeof HIVE_SCALARS)[number];

export type HiveType =
  | { readonly kind: 'scalar'; readonly name: HiveScalar }
  | { readonly kind: 'decimal'; readonly precision: string; readonly scale: string }
  | { readonly kind: 'array'; readonly element: HiveType }
  | { readonly kind: 'map'; readonly key: HiveType; readonly value: HiveType }
  | {
      readonly kind: 'struct';
      readonly fields: ReadonlyArray<{ readonly name: string; readonly type: HiveType }>;
    };

/** Parses e.g. `array<struct<itemid:string,quantity:int>>`; throws `Cannot translate Hive type …` with the position. */
export function parseHiveType(text: string): HiveType {
  const parser = new HiveTypeParser(text);
  const type = parser.type();
  parser.end();
  return type;
}

class HiveTypeParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  type(): HiveType {
    const name = this.word().toLowerCase();
    switch (name) {
      case 'array': {
        this.expect('<');
        const element = this.type();
        this.expect('>');
        return { kind: 'array', element };
      }
      case 'map': {
        this.expect('<');
        const key = this.type();
        this.expect(',');
        const value = this.type();
        this.expect('>');
        return { kind: 'map', key, value };
      }
      case 'struct': {
        this.expect('<');
        const fields: Array<{ name: string; type: HiveType }> = [];
        do {
          const field = this.word();
          this.expect(':');
          fields.push({ name: field, type: this.type() });
        } while (this.accept(','));
        this.expect('>');
        return { kind: 'struct', fields };
      }
      case 'decimal': {
        // Hive's bare `decimal` is decimal(10,0).
        if (!this.accept('(')) return { kind: 'decimal', precision: '10', scale: '0' };
        const precision = this.word();
        const scale = this.accept(',') ? this.word() : '0';
        this.expect(')');
        return { kind: 'decimal', precision, scale };
      }
      case 'char':
      case 'varchar':
        if (this.accept('(')) {
          this.word();
          this.expect(')');
        }
        return { kind: 'scalar', name: 'string' };
      case 'integer':
        return { kind: 'scalar', name: 'int' };
      default: {
        const scalar = HIVE_SCALARS.find((s) => s === name);
        if (!scalar) throw this.error(`unknown type '${name}'`);
        return { kind: 'scalar', name: scalar };
      }
    }
  }

  end(): void {
    this.skipSpace();
    if (this.pos < this.text.length) throw this.error('unexpected trailing text');
  }

  private word(): string {
    this.skipSpace();
    const match = /^[A-Za-z0-9_]+/.exec(this.text.slice(this.pos));
    if (!match) throw this.error('expected a name');
    this.pos += match[0].length;
    return match[0];
  }

  private accept(token: string): boolean {
    this.skipSpace();
    if (this.text[this.pos] !== token) return false;
    this.pos++;
    return true;
  }

  private expect(token: string): void {
    if (!this.accept(token)) throw this.error(`expected '${token}'`);
  }

  private skipSpace(): void {
    while (this.text[this.pos] === ' ') this.pos++;
  }

  private error(message: string): Error {
    return new Error(`Cannot translate Hive type '${this.text}': ${message} at position ${this.pos}`);
  }
}

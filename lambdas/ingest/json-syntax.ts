/**
 * JSON parsing that says WHERE a body stops being valid JSON. On Node 20+ `JSON.parse` often omits the
 * position ("Unexpected token '}', "{"a":}" is not valid JSON"), and a client fixing its payload needs one.
 * The scanner below only runs after `JSON.parse` has failed, so its speed does not matter; it follows the
 * RFC 8259 grammar and reports the first offending character.
 */

export interface JsonSyntaxError {
  /** Zero-based offset in the text (UTF-16 code units, as `JSON.parse` counts). */
  readonly position: number;
  /** One-based line and column of `position`. */
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export type JsonParseResult = { ok: true; value: unknown } | { ok: false; error: JsonSyntaxError };

export function parseJson(text: string): JsonParseResult {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const located = locateJsonSyntaxError(text);
    if (located) return { ok: false, error: located };
    // The scanner and V8 disagree (or the nesting is too deep to scan): fall back to V8's own words,
    // minus the `, "<source excerpt>" is not valid JSON` tail, which would echo body content into logs.
    const v8Message = error instanceof Error ? error.message : String(error);
    const message = v8Message.split(', "')[0]!;
    const match = /at position (\d+)/.exec(v8Message);
    const position = match ? Number(match[1]) : text.length;
    return { ok: false, error: { ...lineAndColumn(text, position), position, message } };
  }
}

class ScanError extends Error {
  constructor(
    readonly position: number,
    message: string,
  ) {
    super(message);
  }
}

/** The first syntax error in `text`, or undefined if the text is valid JSON. */
export function locateJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  try {
    new Scanner(text).document();
    return undefined;
  } catch (error) {
    if (error instanceof ScanError) {
      return { ...lineAndColumn(text, error.position), position: error.position, message: error.message };
    }
    return undefined; // RangeError from very deep nesting
  }
}

function lineAndColumn(text: string, position: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < position && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: position - lineStart + 1 };
}

/** Sticky: matches only at `lastIndex`. */
const NUMBER = /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;

class Scanner {
  private pos = 0;

  constructor(private readonly text: string) {}

  document(): void {
    this.value();
    this.whitespace();
    if (this.pos < this.text.length) this.fail(`unexpected ${this.describe()} after the JSON value`);
  }

  private value(): void {
    this.whitespace();
    const c = this.text[this.pos];
    if (c === '{') this.object();
    else if (c === '[') this.array();
    else if (c === '"') this.string();
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) this.number();
    else if (c === 't') this.literal('true');
    else if (c === 'f') this.literal('false');
    else if (c === 'n') this.literal('null');
    else this.fail(`unexpected ${this.describe()}, expected a JSON value`);
  }

  private object(): void {
    this.sequence('}', () => {
      this.whitespace();
      if (this.text[this.pos] !== '"') this.fail(`unexpected ${this.describe()}, expected a property name`);
      this.string();
      this.whitespace();
      if (this.text[this.pos] !== ':') this.fail(`unexpected ${this.describe()}, expected ':'`);
      this.pos++;
      this.value();
    });
  }

  private array(): void {
    this.sequence(']', () => this.value());
  }

  /** An object's members or an array's elements: `element` read between commas up to `close`. */
  private sequence(close: '}' | ']', element: () => void): void {
    this.pos++; // { or [
    this.whitespace();
    if (this.text[this.pos] === close) {
      this.pos++;
      return;
    }
    for (;;) {
      element();
      this.whitespace();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === close) {
        this.pos++;
        return;
      }
      this.fail(`unexpected ${this.describe()}, expected ',' or '${close}'`);
    }
  }

  private string(): void {
    this.pos++; // opening quote
    for (;;) {
      if (this.pos >= this.text.length) this.fail('unterminated string');
      const code = this.text.charCodeAt(this.pos);
      if (code === 0x22) {
        this.pos++;
        return;
      }
      if (code < 0x20) this.fail('unescaped control character in string');
      if (code === 0x5c) {
        const escaped = this.text[this.pos + 1];
        if (escaped === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.pos + 2, this.pos + 6))) {
            this.fail('invalid \\u escape in string, expected 4 hex digits');
          }
          this.pos += 6;
          continue;
        }
        if (escaped === undefined || !'"\\/bfnrt'.includes(escaped)) this.fail('invalid escape in string');
        this.pos += 2;
        continue;
      }
      this.pos++;
    }
  }

  private number(): void {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (!match) this.fail('invalid number');
    const end = this.pos + match[0].length;
    // A partial fraction or exponent ("1.", "1e") leaves a '.', 'e' or 'E' right after the match.
    const next = this.text[end];
    if (next === '.' || next === 'e' || next === 'E') this.fail('invalid number', end);
    this.pos = end;
  }

  private literal(word: string): void {
    for (let i = 0; i < word.length; i++) {
      if (this.text[this.pos + i] !== word[i]) this.fail(`invalid literal, expected '${word}'`, this.pos + i);
    }
    this.pos += word.length;
  }

  private whitespace(): void {
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      this.pos++;
    }
  }

  private describe(): string {
    if (this.pos >= this.text.length) return 'end of input';
    return `character ${JSON.stringify(this.text[this.pos])}`;
  }

  private fail(message: string, at = this.pos): never {
    throw new ScanError(at, message);
  }
}

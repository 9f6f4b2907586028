/**
 * JSON error positions: Node 20+ often drops the position from JSON.parse errors, and the API promises a
 * 400 that says where the body broke. Checks the scanner agrees with JSON.parse on validity and, where
 * V8 does report a position, on that position too.
 */
import { locateJsonSyntaxError, parseJson } from '../../../lambdas/ingest/json-syntax';

describe('parseJson', () => {
  it('returns the value of valid JSON', () => {
    expect(parseJson('{"a":[1,2.5e-3,"x\\u00e9",true,null]}')).toEqual({
      ok: true,
      value: { a: [1, 0.0025, 'xé', true, null] },
    });
  });

  it.each([
    ['{"events":}', 10, 'expected a JSON value'],
    ['{"a":1', 6, "expected ',' or '}'"],
    ['[1,2,]', 5, 'expected a JSON value'],
    ['{"a" 1}', 5, "expected ':'"],
    ['nul', 3, "invalid literal, expected 'null'"],
    ['{"a":1} x', 8, 'after the JSON value'],
    ['"abc', 4, 'unterminated string'],
    ["{'a':1}", 1, 'expected a property name'],
    ['{"a":01}', 6, "expected ',' or '}'"],
    ['{"a":1.}', 6, 'invalid number'],
    ['{"a":"\\x"}', 6, 'invalid escape'],
    ['{"a":"\t"}', 6, 'unescaped control character'],
    ['[1]\n[2]', 4, 'after the JSON value'],
  ])('locates the error in %j at position %i', (text, position, fragment) => {
    const result = parseJson(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.position).toBe(position);
    expect(result.error.message).toContain(fragment);
  });

  it('reports line and column', () => {
    const result = parseJson('{\n  "events": [\n    {"type": }\n  ]\n}');
    expect(result).toMatchObject({ ok: false, error: { position: 29, line: 3, column: 14 } });
  });

  it('agrees with V8 where V8 gives a position', () => {
    for (const text of ['{"a":1', '{"a" 1}', '{"a":1} x', '"abc', '[1,]x', '{"a":[}']) {
      let v8Position: number | undefined;
      try {
        JSON.parse(text);
      } catch (error) {
        const match = /at position (\d+)/.exec((error as Error).message);
        v8Position = match ? Number(match[1]) : undefined;
      }
      if (v8Position !== undefined) expect(locateJsonSyntaxError(text)?.position).toBe(v8Position);
    }
  });

  it('finds no error in valid documents, including long numbers', () => {
    for (const text of ['0', '-0.5E+10', '"\\ud83d\\ude00"', ' [ ] ', '{}', `[${'9'.repeat(1000)}]`]) {
      expect(locateJsonSyntaxError(text)).toBeUndefined();
    }
  });

  it('falls back to the V8 message when nesting is too deep to scan', () => {
    const text = `${'['.repeat(200_000)}"rs_secret",x`;
    const result = parseJson(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).not.toContain('rs_secret');
  });
});

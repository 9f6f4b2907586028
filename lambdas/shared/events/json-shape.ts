/**
 * Checks on the shape of parsed JSON that zod cannot make: how deep it nests, and numbers that are not
 * finite. Both walk the value with an explicit stack, never recursion, so a hostile document cannot
 * overflow the call stack here (`JSON.parse` accepts nesting far deeper than `JSON.stringify` can write
 * back: 5,000 levels already throw "Maximum call stack size exceeded").
 */

/** Nesting the ingest API accepts, counting every object and array from the request body down. */
export const MAX_JSON_DEPTH = 32;

export type JsonPath = ReadonlyArray<string | number>;

/** ['lineItems', 0, 'price'] -> 'lineItems[0].price' */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? String(segment) : `.${String(segment)}`;
  }
  return text;
}

interface Frame {
  readonly value: unknown;
  readonly path: JsonPath;
  /** Containers from the root down to and including this value. */
  readonly depth: number;
}

function children(value: object): Array<[string | number, unknown]> {
  return Array.isArray(value)
    ? value.map((child, index) => [index, child] as [number, unknown])
    : Object.entries(value);
}

/**
 * The path of the first object or array nested deeper than `maxDepth` containers (the root container is
 * depth 1), or undefined.
 */
export function findTooDeep(root: unknown, maxDepth: number = MAX_JSON_DEPTH): JsonPath | undefined {
  const stack: Frame[] = [{ value: root, path: [], depth: 1 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop() as Frame;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > maxDepth) return path;
    for (const [key, child] of children(value).reverse())
      stack.push({ value: child, path: [...path, key], depth: depth + 1 });
  }
  return undefined;
}

/**
 * The first number that is not finite, with its path. JSON has no Infinity, but a literal beyond the
 * double range (`1e400`) parses to it, and `JSON.stringify` would write it back as `null`.
 */
export function findNonFinite(root: unknown): { path: JsonPath; value: number } | undefined {
  const stack: Array<{ value: unknown; path: JsonPath }> = [{ value: root, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop() as { value: unknown; path: JsonPath };
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return { path, value };
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    for (const [key, child] of children(value).reverse()) stack.push({ value: child, path: [...path, key] });
  }
  return undefined;
}

/** The message for a non-finite number at `field`. */
export function nonFiniteMessage(field: string, value: number): string {
  const where = field === '' ? 'value' : field;
  return `${where}: ${String(value)} is not a finite number (a JSON number beyond ±1.8e308 overflows)`;
}

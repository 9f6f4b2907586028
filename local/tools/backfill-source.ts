/**
 * The backfill's sources of events: a file of JSON lines or one JSON array, read as records that carry their
 * line number (for the rejection report) and either the parsed value or why it did not parse.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';

/** One record as a source holds it: a parsed JSON value, or why it could not be parsed. */
export type SourceRecord =
  | { readonly line: number; readonly value: unknown }
  | { readonly line: number; readonly error: string; readonly raw: string };

/**
 * Where backfilled events come from: today a JSON file, later the data lake. Records come in source
 * order; `line` is the 1-based line the record starts on (what rejection reports point at).
 */
export interface EventSource extends AsyncIterable<SourceRecord> {
  /** For messages, e.g. the file path. */
  readonly name: string;
  /** A digest of the content: the same content must give the same digest (it names the synthetic shard). */
  fingerprint(): Promise<string>;
}

/**
 * A file of JSON lines (one event per line; blank lines are skipped) or of one JSON array of events.
 * The format is taken from the content: an array starts with `[`.
 */
export class JsonFileEventSource implements EventSource {
  constructor(readonly path: string) {}

  get name(): string {
    return this.path;
  }

  async fingerprint(): Promise<string> {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(this.path)) hash.update(chunk as Buffer);
    return hash.digest('hex');
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SourceRecord> {
    if ((await firstCharacter(this.path)) === '[') {
      yield* arrayRecords(await readFile(this.path, 'utf8'), this.path);
      return;
    }
    const lines = createInterface({
      input: createReadStream(this.path, { encoding: 'utf8' }),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    let line = 0;
    for await (const text of lines) {
      line++;
      const trimmed = (line === 1 ? stripBom(text) : text).trim();
      if (trimmed === '') continue;
      yield parseJson(trimmed, line);
    }
  }
}

async function firstCharacter(path: string): Promise<string | undefined> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return stripBom(buffer.subarray(0, bytesRead).toString('utf8')).trimStart()[0];
  } finally {
    await handle.close();
  }
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function parseJson(text: string, line: number): SourceRecord {
  try {
    return { line, value: JSON.parse(text) };
  } catch (error) {
    return { line, error: `invalid JSON: ${errorMessage(error)}`, raw: text };
  }
}

/**
 * Splits a JSON array into its top-level elements and parses each on its own, so one malformed
 * element is rejected with its line number instead of failing the whole file. A broken array
 * structure (not closed, content after it) fails the whole source: nothing is applied then.
 */
function* arrayRecords(content: string, name: string): Generator<SourceRecord> {
  const text = stripBom(content);
  let i = text.indexOf('[') + 1;
  let line = 1 + countNewlines(text, 0, i);
  let depth = 0;
  let inString = false;
  let start = i;
  let startLine = line;
  let elements = 0;
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') line++;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') depth++;
    else if ((c === ']' || c === '}') && depth > 0) depth--;
    else if (depth === 0 && (c === ',' || c === ']')) {
      const element = text.slice(start, i);
      if (element.trim() !== '' || c === ',' || elements > 0) {
        elements++;
        const lineOfElement = startLine + leadingNewlines(element);
        yield element.trim() === ''
          ? { line: lineOfElement, error: 'empty array element', raw: '' }
          : parseJson(element.trim(), lineOfElement);
      }
      if (c === ']') {
        if (text.slice(i + 1).trim() !== '')
          throw new Error(`${name}: unexpected content after the JSON array (line ${line})`);
        return;
      }
      start = i + 1;
      startLine = line;
    }
  }
  throw new Error(`${name}: the JSON array is not closed (missing ']')`);
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (text[i] === '\n') n++;
  return n;
}

function leadingNewlines(element: string): number {
  return countNewlines(element, 0, element.length - element.trimStart().length);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

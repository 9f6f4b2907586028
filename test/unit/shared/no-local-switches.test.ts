/**
 * The Lambda code runs the same in AWS and locally: the local runtime changes only what any deployment
 * changes (endpoints such as AWS_ENDPOINT_URL_S3, names, credentials), never a RECOSTREAM_* switch that a
 * handler or adapter would branch on, nor a `file://` URL that would send it to a local file instead of the
 * service (as the dead-letter sink once did with its queue URL). This scans every source file under lambdas/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const LAMBDAS = join(ROOT, 'lambdas');

/** A local-only switch: a RECOSTREAM_* variable, or a `file://` URL (a branch to local files). */
const LOCAL_SWITCH = /RECOSTREAM_|file:\/\//i;

/** `path:line: text` of every line that names a local-only switch. */
function localSwitches(files: ReadonlyArray<{ path: string; text: string }>): string[] {
  return files.flatMap(({ path, text }) =>
    text
      .split('\n')
      .map((line, index) => ({ line, number: index + 1 }))
      .filter(({ line }) => LOCAL_SWITCH.test(line))
      .map(({ line, number }) => `${path}:${number}: ${line.trim()}`),
  );
}

function lambdaSources(): Array<{ path: string; text: string }> {
  return readdirSync(LAMBDAS, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ts|js|mjs|cjs)$/.test(entry.name))
    .map((entry) => {
      const path = join(entry.parentPath, entry.name);
      return { path: relative(ROOT, path), text: readFileSync(path, 'utf8') };
    });
}

describe('lambdas/ has no local-only switches', () => {
  it('finds a RECOSTREAM_* variable wherever it is read', () => {
    const found = localSwitches([
      { path: 'lambdas/x.ts', text: 'const a = 1;\nconst dir = process.env.RECOSTREAM_LOCAL_S3_DIR;\n' },
      { path: 'lambdas/y.ts', text: "const b = process.env['RECOSTREAM_KINESIS'];" },
      { path: 'lambdas/z.ts', text: 'const c = process.env.AWS_ENDPOINT_URL_S3;' },
    ]);
    expect(found).toEqual([
      'lambdas/x.ts:2: const dir = process.env.RECOSTREAM_LOCAL_S3_DIR;',
      "lambdas/y.ts:1: const b = process.env['RECOSTREAM_KINESIS'];",
    ]);
  });

  it('finds a branch on a file:// URL (the dead-letter sink before it always used SQS)', () => {
    const found = localSwitches([
      {
        path: 'lambdas/shared/queue-sink.ts',
        text: "return queueUrl.startsWith('file://') ? new FileQueueSink(queueUrl) : new SqsQueueSink(queueUrl);",
      },
      { path: 'lambdas/w.ts', text: "const local = url.protocol === 'FILE://';" },
      { path: 'lambdas/v.ts', text: "const sqs = 'https://sqs.us-east-1.amazonaws.com/1/q';" },
    ]);
    expect(found).toEqual([
      "lambdas/shared/queue-sink.ts:1: return queueUrl.startsWith('file://') ? new FileQueueSink(queueUrl) : new SqsQueueSink(queueUrl);",
      "lambdas/w.ts:1: const local = url.protocol === 'FILE://';",
    ]);
  });

  it('no file under lambdas/ names a RECOSTREAM_* variable or a file:// URL', () => {
    const sources = lambdaSources();
    // The scan must see the handlers, or it proves nothing.
    expect(sources.map((s) => s.path)).toEqual(
      expect.arrayContaining([join('lambdas', 'ingest', 'handler.ts')]),
    );
    expect(localSwitches(sources)).toEqual([]);
  });
});

/**
 * The lake's Firehose error output: records Firehose could not transform, partition or convert are written
 * under `errors/<error-output-type>/dt=<yyyy-MM-dd>/` as JSON lines, one error document per record, with the
 * stream record base64-encoded in `rawData` (AWS and the local delivery loop, local/lake/writer.ts, alike).
 * The prefix itself lives with the rest of the layout in lake-layout.ts.
 */

/** The stream record an error line carries (decoded `rawData`), or undefined when the line has none. */
export function deliveryErrorPayload(line: string): string | undefined {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof record !== 'object' || record === null || !('rawData' in record)) return undefined;
  const { rawData } = record;
  return typeof rawData === 'string' ? Buffer.from(rawData, 'base64').toString('utf8') : undefined;
}

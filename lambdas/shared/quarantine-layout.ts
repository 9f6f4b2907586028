/**
 * Where rejected records are kept in the lake bucket, shared by every writer (ingest API, stream
 * consumer) so the `quarantine` Glue table's partitions (dt, reason) cover all of them:
 * `quarantine/dt=YYYY-MM-DD/reason=<code>/<epochMs>-<id>.jsonl`.
 */
export const DEFAULT_QUARANTINE_PREFIX = 'quarantine/';

export function normalizePrefix(prefix: string): string {
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}

export function quarantineObjectKey(prefix: string, receivedAt: Date, reason: string, id: string): string {
  const dt = receivedAt.toISOString().slice(0, 10);
  const safeId = id.replace(/[^A-Za-z0-9._-]/g, '_');
  const safeReason = reason.replace(/[^A-Za-z0-9_-]/g, '_');
  return `${normalizePrefix(prefix)}dt=${dt}/reason=${safeReason}/${receivedAt.getTime()}-${safeId}.jsonl`;
}

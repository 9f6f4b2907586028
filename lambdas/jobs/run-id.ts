/**
 * Run ids are also the published versions: sortable as strings (UTC time first) so "newest" is a string
 * comparison, plus a short random suffix so two runs started in the same second never collide.
 */
const RUN_ID_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z-[0-9a-z]{4,}$/;

/** `yyyy-mm-ddTHH-MM-SSZ-<suffix>`, e.g. `2026-11-26T02-00-00Z-k3x9`. */
export function newRunId(now: Date, suffix: string): string {
  if (!/^[0-9a-z]{4,}$/.test(suffix))
    throw new Error(`Run id suffix must be 4+ of [0-9a-z], got '${suffix}'`);
  const stamp = now.toISOString().slice(0, 19).replace(/:/g, '-');
  return `${stamp}Z-${suffix}`;
}

export function isRunId(value: string): boolean {
  return RUN_ID_PATTERN.test(value);
}

/** A random suffix for newRunId from any source of bytes (crypto in the handlers, fixed in tests). */
export function runIdSuffix(random: () => number = Math.random): string {
  let suffix = '';
  for (let i = 0; i < 6; i++) suffix += Math.floor(random() * 36).toString(36);
  return suffix;
}

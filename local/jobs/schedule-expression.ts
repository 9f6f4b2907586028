/**
 * EventBridge Scheduler expressions, enough to run them locally: `rate(n unit)`, `cron(min hour dom month
 * dow year)` (numbers, names, `*`, `?`, lists, ranges, steps; `L`, `W` and `#` are refused loudly) and
 * `at(yyyy-mm-ddThh:mm:ss)`, all in UTC (the only timezone this app uses).
 */

export type ScheduleSpec =
  | { readonly kind: 'rate'; readonly periodMs: number }
  | { readonly kind: 'cron'; readonly fields: CronFields }
  | { readonly kind: 'at'; readonly atMs: number };

interface CronFields {
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  /** undefined: `?` or `*` (any day) */
  readonly daysOfMonth?: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  /** 1 = Sunday ... 7 = Saturday, as in EventBridge; undefined: any. */
  readonly daysOfWeek?: ReadonlySet<number>;
  readonly years?: ReadonlySet<number>;
}

const UNIT_MS: Readonly<Record<string, number>> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

export function parseScheduleExpression(expression: string, timezone = 'UTC'): ScheduleSpec {
  if (!['UTC', 'Etc/UTC', 'GMT'].includes(timezone))
    throw new Error(`Schedule timezone ${timezone}: the local scheduler only runs UTC schedules`);
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    if (value < 1) throw new Error(`Schedule ${expression}: the rate must be at least 1`);
    return { kind: 'rate', periodMs: value * (UNIT_MS[(rate[2] as string).replace(/s$/, '')] as number) };
  }
  const at = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/.exec(expression);
  if (at) return { kind: 'at', atMs: Date.parse(`${at[1]}Z`) };
  const cron = /^cron\((.+)\)$/.exec(expression);
  if (!cron) throw new Error(`Unsupported schedule expression '${expression}'`);
  const parts = (cron[1] as string).trim().split(/\s+/);
  if (parts.length !== 6)
    throw new Error(`cron expression '${expression}' needs 6 fields, got ${parts.length}`);
  const [min, hour, dom, month, dow, year] = parts as [string, string, string, string, string, string];
  return {
    kind: 'cron',
    fields: {
      minutes: field(min, 0, 59, expression) as Set<number>,
      hours: field(hour, 0, 23, expression) as Set<number>,
      daysOfMonth: field(dom, 1, 31, expression),
      months: field(month, 1, 12, expression, MONTHS) ?? range(1, 12),
      daysOfWeek: field(dow, 1, 7, expression, DAYS),
      years: field(year, 1970, 2199, expression),
    },
  };
}

/** The first time strictly after `afterMs` the schedule fires; undefined when it never fires again. */
export function nextFireTime(spec: ScheduleSpec, afterMs: number, startMs: number): number | undefined {
  if (spec.kind === 'at') return spec.atMs > afterMs ? spec.atMs : undefined;
  if (spec.kind === 'rate')
    return startMs + (Math.floor((afterMs - startMs) / spec.periodMs) + 1) * spec.periodMs;
  const f = spec.fields;
  // Minute by minute over at most about five years: plenty for any expression this app writes.
  let t = Math.floor(afterMs / 60_000) * 60_000 + 60_000;
  for (let i = 0; i < 5 * 366 * 24 * 60; i++, t += 60_000) {
    const d = new Date(t);
    if (!f.minutes.has(d.getUTCMinutes()) || !f.hours.has(d.getUTCHours())) continue;
    if (!f.months.has(d.getUTCMonth() + 1)) continue;
    if (f.daysOfMonth && !f.daysOfMonth.has(d.getUTCDate())) continue;
    if (f.daysOfWeek && !f.daysOfWeek.has(d.getUTCDay() + 1)) continue;
    if (f.years && !f.years.has(d.getUTCFullYear())) continue;
    return t;
  }
  return undefined;
}

function field(
  text: string,
  min: number,
  max: number,
  expression: string,
  names?: readonly string[],
): Set<number> | undefined {
  if (text === '?' || text === '*') return min === 0 ? range(min, max) : undefined;
  if (/[LW#]/.test(text)) throw new Error(`cron '${expression}': L, W and # are not supported locally`);
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const [base, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    const value = (s: string) => {
      const index = names?.indexOf(s.toUpperCase()) ?? -1;
      const n = index >= 0 ? index + min : Number(s);
      if (!Number.isInteger(n) || n < min || n > max)
        throw new Error(`cron '${expression}': '${s}' is out of ${min}-${max}`);
      return n;
    };
    let from: number;
    let to: number;
    if (base === '*') [from, to] = [min, max];
    else if (base.includes('-')) [from, to] = base.split('-').map(value) as [number, number];
    else [from, to] = [value(base), stepText === undefined ? value(base) : max];
    if (!Number.isInteger(step) || step < 1) throw new Error(`cron '${expression}': bad step in '${part}'`);
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

function range(min: number, max: number): Set<number> {
  return new Set(Array.from({ length: max - min + 1 }, (_, i) => min + i));
}

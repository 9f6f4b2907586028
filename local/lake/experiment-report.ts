/**
 * The A/B experiment report, shared by `recostream experiment report` and the console's experiment panel:
 * per variant, the mean per user of CTR (the user's clicks / items shown), conversion (1 when a purchase
 * line of the user was attributed to a recommendation of that variant, else 0) and attributed revenue,
 * each with a 95% confidence interval, and for every other variant the difference to the control with its
 * interval and a verdict that stays "no difference yet" until the interval excludes 0.
 *
 * The per-user rows are sql/named/experiment_users.sql; `experimentSummarySql` folds them into one row per
 * variant (users, sum and sum of squares per metric) so that the engine returns a handful of rows whatever
 * the number of users (the console's query endpoint returns 500 rows at most). Intervals use the normal
 * approximation (Welch for the difference): deterministic, no resampling, fine from a few dozen users per
 * variant; with fewer than 2 users in a variant there is no interval. Pure: no I/O, runs in the browser.
 */

/** Two-sided 95% quantile of the standard normal distribution. */
const Z95 = 1.959963984540054;

export const METRICS = ['ctr', 'conversion', 'revenue'] as const;
export type Metric = (typeof METRICS)[number];

/** Wraps the experiment_users query: one row per variant with users and, per metric, its sum and sum of squares. */
export function experimentSummarySql(experimentUsersSql: string): string {
  return `SELECT
  variant,
  count(*) AS users,
  sum(ctr) AS ctr_sum,
  sum(ctr * ctr) AS ctr_sq,
  sum(conversion) AS conversion_sum,
  sum(conversion * conversion) AS conversion_sq,
  sum(revenue) AS revenue_sum,
  sum(revenue * revenue) AS revenue_sq
FROM (
  SELECT
    variant,
    CAST(clicks AS DOUBLE) / items_shown AS ctr,
    CASE WHEN attributed_orders > 0 THEN 1.0 ELSE 0.0 END AS conversion,
    CAST(attributed_revenue AS DOUBLE) AS revenue
  FROM (
${experimentUsersSql.trimEnd()}
  ) AS per_user
) AS metrics
GROUP BY variant
ORDER BY variant`;
}

export interface Interval {
  readonly low: number;
  readonly high: number;
}

export interface MetricEstimate {
  readonly mean: number;
  /** Undefined with fewer than 2 users. */
  readonly ci?: Interval;
}

export interface Comparison {
  readonly difference: number;
  readonly ci?: Interval;
  readonly verdict: string;
}

export interface VariantReport {
  readonly variant: string;
  readonly users: number;
  readonly metrics: Readonly<Record<Metric, MetricEstimate>>;
  /** Against the control; absent for the control itself. */
  readonly versusControl?: Readonly<Record<Metric, Comparison>>;
}

export interface ExperimentReport {
  readonly control: string | undefined;
  readonly variants: readonly VariantReport[];
}

interface Moments {
  readonly n: number;
  readonly sum: number;
  readonly sq: number;
}

const mean = (m: Moments) => (m.n > 0 ? m.sum / m.n : 0);
/** Sample variance from the sums (clamped at 0 against rounding). */
const variance = (m: Moments) =>
  m.n < 2 ? Number.NaN : Math.max(0, (m.sq - (m.sum * m.sum) / m.n) / (m.n - 1));

function estimate(m: Moments): MetricEstimate {
  const mu = mean(m);
  if (m.n < 2) return { mean: mu };
  const half = Z95 * Math.sqrt(variance(m) / m.n);
  return { mean: mu, ci: { low: mu - half, high: mu + half } };
}

function compare(control: Moments, treatment: Moments): Comparison {
  const difference = mean(treatment) - mean(control);
  if (control.n < 2 || treatment.n < 2) return { difference, verdict: 'not enough users yet' };
  const half = Z95 * Math.sqrt(variance(control) / control.n + variance(treatment) / treatment.n);
  const ci = { low: difference - half, high: difference + half };
  const verdict =
    ci.low > 0 ? 'higher than control' : ci.high < 0 ? 'lower than control' : 'no difference yet';
  return { difference, ci, verdict };
}

const toNumber = (value: unknown): number => {
  const n =
    typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : Number(value ?? 0);
  if (!Number.isFinite(n)) throw new Error(`experiment summary: expected a number, got ${String(value)}`);
  return n;
};

/**
 * The report from the summary rows (`experimentSummarySql`'s columns; numbers may come as strings from
 * Athena). `control`: the variant the others are compared with (default `control` when present, else the
 * first by name).
 */
export function experimentReport(
  rows: readonly Record<string, unknown>[],
  control?: string,
): ExperimentReport {
  const variants = rows.map((row) => {
    const n = toNumber(row.users);
    const moments = Object.fromEntries(
      METRICS.map((m) => [m, { n, sum: toNumber(row[`${m}_sum`]), sq: toNumber(row[`${m}_sq`]) }]),
    ) as Record<Metric, Moments>;
    return { variant: String(row.variant), n, moments };
  });
  const names = variants.map((v) => v.variant).sort();
  if (control !== undefined && !names.includes(control)) {
    throw new Error(`no variant '${control}' in the data; variants: ${names.join(', ') || '(none)'}`);
  }
  const controlName = control ?? (names.includes('control') ? 'control' : names[0]);
  const base = variants.find((v) => v.variant === controlName);
  return {
    control: controlName,
    variants: variants.map((v) => ({
      variant: v.variant,
      users: v.n,
      metrics: Object.fromEntries(METRICS.map((m) => [m, estimate(v.moments[m])])) as Record<
        Metric,
        MetricEstimate
      >,
      ...(base && v !== base
        ? {
            versusControl: Object.fromEntries(
              METRICS.map((m) => [m, compare(base.moments[m], v.moments[m])]),
            ) as Record<Metric, Comparison>,
          }
        : {}),
    })),
  };
}

const LABELS: Readonly<Record<Metric, string>> = {
  ctr: 'CTR per user',
  conversion: 'conversion per user',
  revenue: 'revenue per user',
};

function fmt(metric: Metric, value: number): string {
  return metric === 'revenue' ? value.toFixed(2) : `${(value * 100).toFixed(2)}%`;
}

function fmtInterval(metric: Metric, ci: Interval | undefined): string {
  return ci ? `[${fmt(metric, ci.low)}, ${fmt(metric, ci.high)}]` : '(n < 2)';
}

/** Plain-text lines of the report, as the CLI prints it and the console shows it. */
export function reportLines(report: ExperimentReport): string[] {
  if (report.variants.length === 0)
    return ['No recommendation impressions in the last 30 days: nothing to compare yet.'];
  const lines: string[] = [`Control: ${report.control}. 95% confidence intervals (normal approximation).`];
  for (const v of report.variants) {
    lines.push('', `${v.variant} (${v.users} user${v.users === 1 ? '' : 's'})`);
    for (const m of METRICS) {
      const e = v.metrics[m];
      let line = `  ${LABELS[m].padEnd(20)} ${fmt(m, e.mean).padStart(9)} ${fmtInterval(m, e.ci)}`;
      const c = v.versusControl?.[m];
      if (c)
        line += `   vs control ${c.difference >= 0 ? '+' : ''}${fmt(m, c.difference)} ${fmtInterval(m, c.ci)}: ${c.verdict}`;
      lines.push(line);
    }
  }
  return lines;
}

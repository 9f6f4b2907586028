/**
 * The experiment report's statistics (local/lake/experiment-report.ts) on per-variant sums whose means and
 * variances are worked out by hand here: the 95% intervals of each mean and of the difference to the
 * control (Welch, normal approximation), the verdict that stays "no difference yet" while the interval of
 * the difference contains 0, too few users, the choice of the control, and values that come as strings
 * (Athena). Then the whole command on the lake fixture: `experiment report --local --format json` agrees
 * with the per-user rows computed independently from the fixture's events.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCanaryEvent } from '../../../../lambdas/shared/canary';
import type { CanonicalEvent } from '../../../../lambdas/shared/events';
import { main } from '../../../../local/cli';
import { ConsoleQueryRunner } from '../../../../local/console/query';
import {
  type ExperimentReport,
  experimentReport,
  experimentSummarySql,
  reportLines,
} from '../../../../local/lake/experiment-report';
import { loadNamedQuery, rowObjects } from '../../../../local/lake/query';
import { experimentUsers } from '../../../support/attribution-model';
import { buildLakeFixture, type LakeFixture, utcDay } from '../../../support/lake-fixtures';

/** A summary row from per-user values of each metric. */
function summary(variant: string, users: { ctr: number; conversion: number; revenue: number }[]) {
  const sum = (f: (u: (typeof users)[number]) => number) => users.reduce((s, u) => s + f(u), 0);
  return {
    variant,
    users: users.length,
    ctr_sum: sum((u) => u.ctr),
    ctr_sq: sum((u) => u.ctr ** 2),
    conversion_sum: sum((u) => u.conversion),
    conversion_sq: sum((u) => u.conversion ** 2),
    revenue_sum: sum((u) => u.revenue),
    revenue_sq: sum((u) => u.revenue ** 2),
  };
}
const user = (ctr: number, conversion: number, revenue: number) => ({ ctr, conversion, revenue });

describe('experimentReport', () => {
  // control: revenue 0, 10, 20, 30 -> mean 15, sample variance 166.67; ctr 0.1 each (variance 0).
  const control = summary('control', [user(0.1, 0, 0), user(0.1, 1, 10), user(0.1, 1, 20), user(0.1, 0, 30)]);
  // treatment: revenue 20, 30, 40, 50 -> mean 35, variance 166.67; ctr 0.3 each.
  const better = summary('better', [user(0.3, 1, 20), user(0.3, 1, 30), user(0.3, 1, 40), user(0.3, 0, 50)]);

  it('gives each mean its 95% interval: mean ± 1.96 * sqrt(variance / n)', () => {
    const report = experimentReport([control, better]);
    const c = report.variants.find((v) => v.variant === 'control');
    const half = 1.959963984540054 * Math.sqrt(500 / 3 / 4);
    expect(c?.metrics.revenue.mean).toBeCloseTo(15, 10);
    expect(c?.metrics.revenue.ci?.low).toBeCloseTo(15 - half, 10);
    expect(c?.metrics.revenue.ci?.high).toBeCloseTo(15 + half, 10);
    expect(c?.metrics.conversion.mean).toBeCloseTo(0.5, 10);
    expect(c?.versusControl).toBeUndefined();
  });

  it('compares with the control by Welch: the verdict needs the interval of the difference to exclude 0', () => {
    const report = experimentReport([control, better]);
    const b = report.variants.find((v) => v.variant === 'better');
    // Revenue: difference 20, half-width 1.96 * sqrt(2 * 166.67 / 4) = 17.89: excludes 0.
    expect(b?.versusControl?.revenue.difference).toBeCloseTo(20, 10);
    expect(b?.versusControl?.revenue.ci?.low).toBeCloseTo(
      20 - 1.959963984540054 * Math.sqrt(1000 / 3 / 4),
      10,
    );
    expect(b?.versusControl?.revenue.verdict).toBe('higher than control');
    // CTR: no variance on either side, difference 0.2: higher.
    expect(b?.versusControl?.ctr.verdict).toBe('higher than control');
    // Conversion 0.75 vs 0.5 on 4 users each: the interval spans 0.
    expect(b?.versusControl?.conversion.verdict).toBe('no difference yet');
  });

  it('says lower when the whole interval is below 0, and no difference for identical variants', () => {
    const worse = experimentReport([better, { ...control, variant: 'worse' }], 'better');
    expect(worse.variants.find((v) => v.variant === 'worse')?.versusControl?.revenue.verdict).toBe(
      'lower than control',
    );
    const same = experimentReport([control, { ...control, variant: 'same' }]);
    expect(same.variants.find((v) => v.variant === 'same')?.versusControl?.revenue).toMatchObject({
      difference: 0,
      verdict: 'no difference yet',
    });
  });

  it('gives no interval with fewer than 2 users', () => {
    const report = experimentReport([control, summary('tiny', [user(1, 1, 5)])]);
    const tiny = report.variants.find((v) => v.variant === 'tiny');
    expect(tiny?.metrics.ctr).toEqual({ mean: 1 });
    expect(tiny?.versusControl?.revenue.verdict).toBe('not enough users yet');
  });

  it('takes control by name when present, else the first variant, and refuses an unknown one', () => {
    expect(experimentReport([better, { ...control, variant: 'a' }]).control).toBe('a');
    expect(experimentReport([better, control]).control).toBe('control');
    expect(() => experimentReport([control], 'nope')).toThrow(
      "no variant 'nope' in the data; variants: control",
    );
  });

  it('reads numbers given as strings, as Athena returns them', () => {
    const asStrings = Object.fromEntries(Object.entries(control).map(([k, v]) => [k, String(v)]));
    expect(experimentReport([asStrings]).variants[0]?.metrics.revenue.mean).toBeCloseTo(15, 10);
  });

  it('prints one block per variant with the intervals and verdicts', () => {
    const text = reportLines(experimentReport([control, better])).join('\n');
    expect(text).toContain('better (4 users)');
    expect(text).toMatch(
      /revenue per user\s+35\.00 \[\d+\.\d\d, \d+\.\d\d\]\s+vs control \+20\.00 .*: higher than control/,
    );
    expect(text).toMatch(/conversion per user\s+75\.00% .*: no difference yet/);
    expect(reportLines(experimentReport([]))).toEqual([
      'No recommendation impressions in the last 30 days: nothing to compare yet.',
    ]);
  });
});

describe('recostream experiment report --local', () => {
  let dir: string;
  let fixture: LakeFixture;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'experiment-report-'));
    fixture = await buildLakeFixture(join(dir, 'lake'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports on the lake what the per-user rows computed from the events say', async () => {
    const out: string[] = [];
    const code = await main(
      ['experiment', 'report', '--local', '--lake-dir', fixture.lakeDir, '--format', 'json'],
      {
        out: (t) => out.push(t),
        err: () => {},
      },
    );
    expect(code).toBe(0);
    const report = JSON.parse(out.join('\n')) as ExperimentReport;

    const unique = new Map<string, CanonicalEvent>();
    for (const e of fixture.events) {
      const seen = unique.get(e.eventId);
      if (!seen || e.receivedAt < seen.receivedAt) unique.set(e.eventId, e);
    }
    const rows = experimentUsers(
      [...unique.values()].filter((e) => !isCanaryEvent(e)),
      utcDay(new Date(), -30),
    );
    const byVariant = new Map<string, Array<Record<string, unknown>>>();
    for (const r of rows)
      byVariant.set(r.variant as string, [...(byVariant.get(r.variant as string) ?? []), r]);
    expect(report.control).toBe('control');
    expect(report.variants.map((v) => v.variant).sort()).toEqual([...byVariant.keys()].sort());
    for (const v of report.variants) {
      const users = byVariant.get(v.variant) ?? [];
      const mean = (f: (r: Record<string, unknown>) => number) =>
        users.reduce((s, r) => s + f(r), 0) / users.length;
      expect(v.users).toBe(users.length);
      expect(v.metrics.ctr.mean).toBeCloseTo(
        mean((r) => (r.clicks as number) / (r.items_shown as number)),
        9,
      );
      expect(v.metrics.conversion.mean).toBeCloseTo(
        mean((r) => ((r.attributed_orders as number) > 0 ? 1 : 0)),
        9,
      );
      expect(v.metrics.revenue.mean).toBeCloseTo(
        mean((r) => r.attributed_revenue as number),
        6,
      );
      expect(v.metrics.revenue.ci?.low).toBeLessThanOrEqual(v.metrics.revenue.mean);
    }
    expect(report.variants.find((v) => v.variant !== 'control')?.versusControl?.conversion.verdict).toMatch(
      /no difference yet|higher than control|lower than control/,
    );
  });

  it("runs as one read-only SELECT through the console's query endpoint, with the same report", async () => {
    const runner = new ConsoleQueryRunner({ lake: fixture.lakeDir, timeoutMs: 60_000 });
    try {
      const answer = await runner.run(experimentSummarySql(loadNamedQuery('experiment_users').sql));
      expect(answer.truncated).toBe(false);
      const out: string[] = [];
      await main(['experiment', 'report', '--local', '--lake-dir', fixture.lakeDir, '--format', 'json'], {
        out: (t) => out.push(t),
        err: () => {},
      });
      expect(JSON.parse(JSON.stringify(experimentReport(rowObjects(answer))))).toEqual(
        JSON.parse(out.join('\n')),
      );
    } finally {
      await runner.close();
    }
  });
});

/**
 * The experiment panel: on request, the A/B report of the last 30 days (CTR, conversion and attributed
 * revenue per user per variant, 95% intervals, verdict against the control), computed by the same code
 * as `recostream experiment report --local`: the named query experiment_users folded per variant,
 * run read-only on the local lake through /local/query.
 */
import {
  type ExperimentReport,
  experimentReport,
  experimentSummarySql,
  METRICS,
  type Metric,
} from '../../local/lake/experiment-report';
import { type ConsoleConfig, postJson, requestJson } from './api';
import { byId, el } from './dom';

interface QueryAnswer {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
}

const LABELS: Readonly<Record<Metric, string>> = { ctr: 'CTR', conversion: 'conversion', revenue: 'revenue' };
const fmt = (m: Metric, v: number) => (m === 'revenue' ? v.toFixed(2) : `${(v * 100).toFixed(2)}%`);
const interval = (m: Metric, ci?: { low: number; high: number }) =>
  ci ? ` [${fmt(m, ci.low)}, ${fmt(m, ci.high)}]` : '';

export function startExperimentPanel(config: ConsoleConfig): void {
  const run = byId<HTMLButtonElement>('run-experiment');
  const status = byId('experiment-status');
  const result = byId('experiment-result');
  if (!config.features.query) {
    run.disabled = true;
    status.textContent = 'not available: this app has no data lake';
    return;
  }
  run.addEventListener('click', async () => {
    run.disabled = true;
    status.textContent = 'running…';
    status.className = 'note';
    try {
      const { queries } = await requestJson<{ queries: { name: string; sql: string }[] }>('/local/queries');
      const named = queries.find((q) => q.name === 'experiment_users');
      if (!named) throw new Error('the named query experiment_users is missing');
      const answer = await postJson<QueryAnswer>(
        '/local/query',
        { sql: experimentSummarySql(named.sql) },
        {},
        60_000,
      );
      const rows = answer.rows.map((row) => Object.fromEntries(answer.columns.map((c, i) => [c, row[i]])));
      result.replaceChildren(table(experimentReport(rows)));
      status.textContent = rows.length === 0 ? 'no impressions in the last 30 days yet' : '';
    } catch (error) {
      status.textContent = (error as Error).message;
      status.className = 'note bad';
    } finally {
      run.disabled = false;
    }
  });
}

function table(report: ExperimentReport): HTMLElement {
  return el(
    'table',
    { 'data-rows': String(report.variants.length) },
    el(
      'thead',
      {},
      el('tr', {}, ...['variant', 'users', ...METRICS.map((m) => LABELS[m])].map((h) => el('th', {}, h))),
    ),
    el(
      'tbody',
      {},
      ...report.variants.map((v) =>
        el(
          'tr',
          {},
          el('td', {}, v.variant === report.control ? `${v.variant} (control)` : v.variant),
          el('td', {}, String(v.users)),
          ...METRICS.map((m) => {
            const c = v.versusControl?.[m];
            return el(
              'td',
              {},
              `${fmt(m, v.metrics[m].mean)}${interval(m, v.metrics[m].ci)}`,
              ...(c
                ? [el('br', {}), el('span', { class: 'muted' }, `${c.verdict}${interval(m, c.ci)}`)]
                : []),
            );
          }),
        ),
      ),
    ),
  );
}

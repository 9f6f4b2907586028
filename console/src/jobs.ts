/**
 * Batch jobs: each run with its validation checks, the active version, and rollback. Runs come from the
 * jobs' own endpoint `GET /local/jobs/<job>/runs` (polled every 10 s, JobRuns in the local DynamoDB);
 * the health document adds whether a run is in progress. Rollback makes an older published version
 * active again through `POST /local/jobs/<job>/rollback`, or shows the CLI command when that is absent.
 */
import { ApiError, type ConsoleConfig, postJson, requestJson } from './api';
import { el, timeOfDay } from './dom';
import type { JobView } from './health-metrics';

const RUNS_POLL_MS = 10_000;
const RUNS_SHOWN = 6;
/** `recostream rollback` names jobs by the table they publish. */
const CLI_NAME: Record<string, string> = { cf: 'similarities', trending: 'trending' };

interface RunRecord {
  readonly runId: string;
  readonly status?: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly error?: string;
  readonly stats?: Record<string, number>;
  readonly checks?: ReadonlyArray<{
    readonly name: string;
    readonly passed: boolean;
    readonly value: unknown;
    readonly threshold: string;
    readonly message: string;
  }>;
}

interface RunsAnswer {
  readonly activeVersion?: string;
  readonly runs: readonly RunRecord[];
}

export class JobsPanel {
  private summaries = new Map<string, JobView>();
  private readonly runs = new Map<string, RunsAnswer>();
  private readonly errors = new Map<string, string>();
  private lastRendered = '';

  constructor(
    private readonly host: HTMLElement,
    private readonly config: ConsoleConfig,
  ) {
    if (config.jobs.length === 0) {
      host.replaceChildren(
        el('p', { class: 'empty' }, 'not available yet: this app has no batch jobs locally'),
      );
      return;
    }
    void this.pollRuns();
  }

  /** The health document's job summaries (running, last status), every 2 s. */
  setSummaries(jobs: readonly JobView[] | undefined): void {
    this.summaries = new Map((jobs ?? []).map((j) => [j.job, j]));
    this.render();
  }

  private async pollRuns(): Promise<void> {
    if (!document.hidden) await this.refreshRuns();
    window.setTimeout(() => void this.pollRuns(), RUNS_POLL_MS);
  }

  private async refreshRuns(): Promise<void> {
    await Promise.all(
      this.config.jobs.map(async (job) => {
        try {
          this.runs.set(job, await requestJson<RunsAnswer>(`/local/jobs/${encodeURIComponent(job)}/runs`));
          this.errors.delete(job);
        } catch (error) {
          this.errors.set(job, (error as Error).message);
        }
      }),
    );
    this.render();
  }

  private render(): void {
    if (this.config.jobs.length === 0) return;
    // The age of the last success changes on every poll and is not shown: it must not cause a re-render.
    const summaries = [...this.summaries].map(([job, v]) => [job, { ...v, lastSuccessAgeMs: undefined }]);
    const state = JSON.stringify([summaries, [...this.runs], [...this.errors]]);
    if (state === this.lastRendered) return;
    this.lastRendered = state;
    // Runs the reader opened (or closed) stay so across re-renders.
    const toggled = new Map(
      [...this.host.querySelectorAll<HTMLDetailsElement>('details[data-run]')].map((d) => [
        `${d.closest('[data-job]')?.getAttribute('data-job')}/${d.dataset.run}`,
        d.open,
      ]),
    );
    this.host.replaceChildren(...this.config.jobs.map((job) => this.jobCard(job)));
    for (const d of this.host.querySelectorAll<HTMLDetailsElement>('details[data-run]')) {
      const open = toggled.get(`${d.closest('[data-job]')?.getAttribute('data-job')}/${d.dataset.run}`);
      if (open !== undefined) d.open = open;
    }
  }

  private jobCard(job: string): HTMLElement {
    const summary = this.summaries.get(job);
    const answer = this.runs.get(job);
    const active = answer?.activeVersion ?? summary?.activeVersion;
    const line = [
      summary?.running ? 'running now' : undefined,
      summary?.lastStatus ? `last run ${summary.lastStatus}` : undefined,
      summary?.lastRunAt ? `at ${timeOfDay(summary.lastRunAt)}` : undefined,
      summary?.failures ? `${summary.failures} rejected or failed` : undefined,
    ].filter(Boolean);
    const runs = (answer?.runs ?? []).slice(0, RUNS_SHOWN);
    return el(
      'div',
      { class: 'job', 'data-job': job },
      el('h4', {}, job, ' ', el('span', { class: 'muted' }, line.join(' · '))),
      el(
        'p',
        {},
        'Active version: ',
        el('code', { 'data-active-version': active ?? '' }, active ?? 'none yet'),
      ),
      this.errors.has(job) ? el('p', { class: 'bad' }, this.errors.get(job)) : null,
      runs.length > 0
        ? runs.map((run, i) => this.runDetails(job, run, run.runId === active, i === 0))
        : el(
            'p',
            { class: 'muted' },
            'No runs yet (the schedule is fast-forwarded: the first run comes soon).',
          ),
    );
  }

  private runDetails(job: string, run: RunRecord, isActive: boolean, open: boolean): HTMLElement {
    const checks = run.checks ?? [];
    const passed = checks.filter((c) => c.passed).length;
    let action: HTMLElement | null = null;
    if (run.status === 'published' && !isActive) {
      if (this.config.features.rollback) {
        const button = el(
          'button',
          { type: 'button', 'data-rollback': run.runId },
          'Make this version active',
        );
        const result = el('span', { class: 'note' });
        button.addEventListener('click', async () => {
          button.disabled = true;
          try {
            await postJson(`/local/jobs/${encodeURIComponent(job)}/rollback`, { toVersion: run.runId });
            result.textContent = 'done';
            await this.refreshRuns();
          } catch (error) {
            result.textContent = error instanceof ApiError ? error.message : String(error);
            button.disabled = false;
          }
        });
        action = el('div', { class: 'rollback' }, button, result);
      } else {
        action = el(
          'div',
          { class: 'rollback note' },
          'Roll back from a terminal: ',
          el('code', {}, `npx recostream rollback ${CLI_NAME[job] ?? job} --to ${run.runId} --local`),
        );
      }
    }
    return el(
      'details',
      { class: 'run', open, 'data-run': run.runId },
      el(
        'summary',
        {},
        el(
          'b',
          { class: run.status === 'published' ? 'ok' : run.status === 'running' ? '' : 'bad' },
          run.status ?? '?',
        ),
        ` ${run.runId}`,
        isActive ? el('span', { class: 'badge-inline' }, 'active') : null,
        el(
          'span',
          { class: 'muted' },
          ` ${run.finishedAt ? timeOfDay(run.finishedAt) : ''}${checks.length > 0 ? ` · ${passed}/${checks.length} checks passed` : ''}`,
        ),
      ),
      run.error ? el('p', { class: 'bad' }, run.error) : null,
      checks.length > 0
        ? el(
            'ul',
            { class: 'checks' },
            checks.map((c) =>
              el(
                'li',
                { class: c.passed ? 'ok' : 'bad' },
                `${c.passed ? '✓' : '✗'} ${c.name}: ${c.value === null || c.value === undefined ? '–' : String(c.value)} (${c.threshold}) ${c.message}`,
              ),
            ),
          )
        : null,
      action,
    );
  }
}

/** The query box: a named query from sql/named or typed SQL, run read-only on the local lake by DuckDB. */
import { type ConsoleConfig, postJson, requestJson } from './api';
import { byId, el } from './dom';

interface NamedQuery {
  readonly name: string;
  readonly description: string;
  readonly sql: string;
}

interface QueryAnswer {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
  readonly truncated: boolean;
  readonly limit: number;
  readonly elapsedMs: number;
}

const DEFAULT_SQL = `SELECT event_type, count(*) AS events, count(DISTINCT user_id) AS users
FROM events_unique
GROUP BY event_type
ORDER BY events DESC`;

export async function startQueryBox(config: ConsoleConfig): Promise<void> {
  const sql = byId<HTMLTextAreaElement>('sql');
  const named = byId<HTMLSelectElement>('named');
  const run = byId<HTMLButtonElement>('run-query');
  const status = byId('query-status');
  const result = byId('query-result');
  sql.value = DEFAULT_SQL;
  if (!config.features.query) {
    run.disabled = true;
    status.textContent = 'not available: this app has no data lake';
    return;
  }
  const { queries } = await requestJson<{ queries: NamedQuery[] }>('/local/queries');
  named.replaceChildren(
    el('option', { value: '' }, 'Type SQL, or pick a named query…'),
    ...queries.map((q) =>
      el('option', { value: q.name, title: q.description }, `${q.name}: ${q.description}`),
    ),
  );
  named.addEventListener('change', () => {
    const q = queries.find((x) => x.name === named.value);
    if (q) sql.value = q.sql;
  });
  const execute = async () => {
    run.disabled = true;
    status.textContent = 'running…';
    status.className = 'note';
    try {
      const answer = await postJson<QueryAnswer>('/local/query', { sql: sql.value }, {}, 30_000);
      result.replaceChildren(table(answer));
      status.textContent = `${answer.rows.length} row${answer.rows.length === 1 ? '' : 's'} in ${answer.elapsedMs} ms${
        answer.truncated ? ` (first ${answer.limit} shown)` : ''
      }`;
    } catch (error) {
      status.textContent = (error as Error).message;
      status.className = 'note bad';
    } finally {
      run.disabled = false;
    }
  };
  run.addEventListener('click', () => void execute());
  sql.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void execute();
  });
}

function table(answer: QueryAnswer): HTMLElement {
  const cell = (v: unknown) =>
    v === null || v === undefined ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return el(
    'table',
    { 'data-rows': String(answer.rows.length) },
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        answer.columns.map((c) => el('th', {}, c)),
      ),
    ),
    el(
      'tbody',
      {},
      answer.rows.map((row) =>
        el(
          'tr',
          {},
          row.map((v) => el('td', { class: typeof v === 'number' ? 'num' : undefined }, cell(v))),
        ),
      ),
    ),
  );
}

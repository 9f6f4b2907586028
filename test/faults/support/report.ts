/**
 * The fault tests' result table: one row per scenario (fault -> accepted / lake / profiles / items), printed
 * at the end of the run and written as JSON (the README's reliability section quotes it).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Tally } from './tally';

export interface ScenarioRow {
  readonly scenario: string;
  /** What was injected, as the proxies and clients counted it. */
  readonly injected: string;
  readonly tally: Tally;
  /** Wall-clock time of the scenario's phases: sending (faults included), draining, counting. */
  readonly seconds: { readonly traffic: number; readonly drain: number; readonly count: number };
  /** Expectations known to fail today, each with the reason (they are `test.failing` in the suite). */
  readonly knownFailures?: readonly string[];
}

/** accepted = events in the lake (events_unique rows) = events applied to profiles, and the item counters agree. */
export function countsAgree(t: Tally): boolean {
  return (
    t.lakeUnique === t.accepted &&
    t.lakeMissing === 0 &&
    t.lakeUnexpected === 0 &&
    t.lakeUniqueRepeated === 0 &&
    t.profileEvents === t.accepted &&
    t.profilesDiffering === 0 &&
    t.itemsDiffering === 0 &&
    t.itemCounters === t.expectedItemCounters &&
    t.hourlyMatchTotals
  );
}

export class FaultReport {
  private readonly rows: ScenarioRow[] = [];

  add(row: ScenarioRow): void {
    this.rows.push(row);
  }

  table(): string {
    const header = [
      'fault',
      'injected',
      'accepted',
      'lake unique',
      'lake rows',
      'profiles',
      'items',
      'equal',
      'seconds',
    ];
    const lines = this.rows.map((r) => [
      r.scenario,
      r.injected,
      String(r.tally.accepted),
      String(r.tally.lakeUnique),
      String(r.tally.lakeRows),
      String(r.tally.profileEvents),
      `${r.tally.itemCounters} / ${r.tally.expectedItemCounters}`,
      countsAgree(r.tally) ? 'yes' : 'NO',
      (r.seconds.traffic + r.seconds.drain + r.seconds.count).toFixed(0),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
    const format = (cells: readonly string[]) =>
      `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
    const known = this.rows.flatMap((r) => (r.knownFailures ?? []).map((k) => `- ${r.scenario}: ${k}`));
    return [
      format(header),
      `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
      ...lines.map(format),
      '',
      'equal: accepted = lake unique (rows of events_unique) = profiles, and items = expected (item counters on the',
      'ItemStats TOTAL rows / the same counters computed from the accepted events). lake rows: the raw events table,',
      'one row per delivered copy (a client resend is a copy).',
      ...(known.length > 0 ? ['', 'Known failures (test.failing):', ...known] : []),
    ].join('\n');
  }

  /** `run`: facts about the whole run, e.g. how long each start of the runtime took. */
  write(path: string, run: Readonly<Record<string, unknown>>): void {
    mkdirSync(dirname(path), { recursive: true });
    const scenarios = this.rows.map((r) => ({ ...r, countsAgree: countsAgree(r.tally) }));
    const document = { generatedAt: new Date().toISOString(), ...run, scenarios };
    writeFileSync(path, `${JSON.stringify(document, null, 2)}\n`);
  }
}

/** What every fault scenario ends with: drain the runtime, count the three sides, add the row, compare. */
import type { SimEvent } from '../../../local/simulator';
import type { FaultRuntime } from './fault-runtime';
import type { DrainReport } from './protocol';
import type { FaultReport } from './report';
import { type Tally, tally } from './tally';
import { scenarioPrefix } from './traffic';

export interface ScenarioEnd {
  readonly tag: string;
  readonly title: string;
  readonly sent: readonly SimEvent[];
  readonly accepted: ReadonlySet<string>;
  /** The `injected` column, from what the proxies counted. */
  readonly injected: (drain: DrainReport) => string;
  readonly knownFailures?: readonly string[];
  /** `performance.now()` when the scenario started sending. */
  readonly startedAt: number;
}

export async function finishScenario(
  runtime: FaultRuntime,
  report: FaultReport,
  end: ScenarioEnd,
): Promise<{ tally: Tally; drain: DrainReport }> {
  const drainedFrom = performance.now();
  const drain = await runtime.drain();
  await runtime.setPlan({});
  const countedFrom = performance.now();
  const counted = await tally(await runtime.available(), scenarioPrefix(end.tag), end.sent, end.accepted);
  const seconds = (from: number, to: number) => Math.round((to - from) / 100) / 10;
  report.add({
    scenario: end.title,
    injected: end.injected(drain),
    tally: counted,
    seconds: {
      traffic: seconds(end.startedAt, drainedFrom),
      drain: seconds(drainedFrom, countedFrom),
      count: seconds(countedFrom, performance.now()),
    },
    ...(end.knownFailures ? { knownFailures: end.knownFailures } : {}),
  });
  return { tally: counted, drain };
}

/**
 * The three comparisons as pairs of objects (what was counted, what it must be), so a failure shows every
 * side and a few concrete differences at once.
 */
export const expectations = {
  /** The lake holds every accepted event, and no event the API did not accept. */
  lake: (t: Tally) => ({
    actual: {
      accepted: t.accepted,
      lakeDistinct: t.lakeDistinct,
      lakeMissing: t.lakeMissing,
      lakeUnexpected: t.lakeUnexpected,
      examples: t.examples.lake,
    },
    expected: {
      accepted: t.accepted,
      lakeDistinct: t.accepted,
      lakeMissing: 0,
      lakeUnexpected: 0,
      examples: [],
    },
  }),
  /** Each event has one row in the lake. */
  noDuplicateRows: (t: Tally) => ({
    actual: { lakeRows: t.lakeRows, examples: t.examples.duplicates },
    expected: { lakeRows: t.lakeDistinct, examples: [] },
  }),
  /** Each accepted event is applied once to its profile and to the item statistics. */
  appliedOnce: (t: Tally) => ({
    actual: {
      profileEvents: t.profileEvents,
      profilesDiffering: t.profilesDiffering,
      itemCounters: t.itemCounters,
      itemsDiffering: t.itemsDiffering,
      hourlyMatchTotals: t.hourlyMatchTotals,
      examples: t.examples.applied,
    },
    expected: {
      profileEvents: t.accepted,
      profilesDiffering: 0,
      itemCounters: t.expectedItemCounters,
      itemsDiffering: 0,
      hourlyMatchTotals: true,
      examples: [],
    },
  }),
};

export function thousands(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * A fault scenario's frame: it sends traffic under its faults, then drains the runtime, counts the three sides
 * (tally.ts), adds its row to the table and compares, one test per expectation.
 */
import type { SimEvent } from '../../../local/traffic/simulator';
import type { FaultRuntime } from './fault-runtime';
import type { DrainReport } from './protocol';
import type { FaultReport, ScenarioRow } from './report';
import { type ClientRecord, type Tally, tally } from './tally';
import { scenarioPrefix } from './traffic';

export interface ScenarioEnd {
  readonly tag: string;
  /** The scenario's name in the table. */
  readonly title: string;
  readonly sent: readonly SimEvent[];
  /** What the clients sent and what the API answered. */
  readonly client: ClientRecord;
  /** The `injected` column, from what the proxies counted. */
  readonly injected: (drain: DrainReport) => string;
  /** `performance.now()` when the scenario started sending. */
  readonly startedAt: number;
}

export interface Outcome {
  /** Distinct events sent, each of which the API must have accepted in the end. */
  readonly sent: number;
  readonly tally: Tally;
  readonly drain: DrainReport;
  readonly row: Omit<ScenarioRow, 'knownFailures'>;
}

/** Drains the runtime (faults still on), turns the faults off, and counts the three sides. */
export async function finishScenario(runtime: FaultRuntime, end: ScenarioEnd): Promise<Outcome> {
  const drainedFrom = performance.now();
  const drain = await runtime.drain();
  await runtime.setPlan({});
  const countedFrom = performance.now();
  const counted = await tally(await runtime.available(), scenarioPrefix(end.tag), end.sent, end.client);
  const seconds = (from: number, to: number) => Math.round((to - from) / 100) / 10;
  return {
    sent: new Set(end.sent.map((e) => e.eventId)).size,
    tally: counted,
    drain,
    row: {
      scenario: end.title,
      injected: end.injected(drain),
      tally: counted,
      seconds: {
        traffic: seconds(end.startedAt, drainedFrom),
        drain: seconds(drainedFrom, countedFrom),
        count: seconds(countedFrom, performance.now()),
      },
    },
  };
}

export interface ScenarioOptions<O extends Outcome> {
  /** Scenario-specific checks (the fault really happened, bad input kept aside, …). */
  readonly checks?: Readonly<Record<string, (outcome: O) => void>>;
  /**
   * Expectations known to fail today, with the reason: each becomes `test.failing`, with the reason in its
   * name and in the table. When the fix lands the test starts to fail: make it a plain test again.
   */
  readonly known?: { readonly lakeUnique?: string; readonly appliedOnce?: string };
}

/** `scenario(title, run, options)`: runs the scenario once, adds its row to `report`, one test per expectation. */
export function scenarioSuite(report: FaultReport) {
  return function scenario<O extends Outcome>(
    title: string,
    run: () => Promise<O>,
    options: ScenarioOptions<O> = {},
  ): void {
    const known = options.known ?? {};
    const expectation = (name: string, reason: string | undefined, check: () => void) =>
      reason ? test.failing(`${name} [KNOWN FAILURE: ${reason}]`, check) : test(name, check);

    describe(title, () => {
      let outcome: O;
      beforeAll(async () => {
        outcome = await run();
        report.add({ ...outcome.row, knownFailures: Object.values(known) });
      });

      for (const [name, check] of Object.entries(options.checks ?? {})) test(name, () => check(outcome));

      expectation(
        'the API accepted every event, and events_unique holds each accepted event once and nothing else',
        known.lakeUnique,
        () => {
          const { actual, expected } = expectations.lake(outcome.tally);
          expect(actual).toEqual({ ...expected, accepted: outcome.sent });
        },
      );
      expectation(
        'each accepted event is applied once to profiles and item statistics',
        known.appliedOnce,
        () => {
          const { actual, expected } = expectations.appliedOnce(outcome.tally);
          expect(actual).toEqual(expected);
        },
      );
      // The raw table is at least once: a client's resend is a copy there, but the pipeline adds none.
      test('no event has more raw lake rows than requests that carried it', () => {
        const { actual, expected } = expectations.noCopiesBeyondSends(outcome.tally);
        expect(actual).toEqual(expected);
      });
    });
  };
}

/**
 * The three comparisons as pairs of objects (what was counted, what it must be), so a failure shows every
 * side and a few concrete differences at once.
 */
export const expectations = {
  /** events_unique has exactly the accepted events, each once, and no event the API did not accept. */
  lake: (t: Tally) => ({
    actual: {
      accepted: t.accepted,
      lakeUnique: t.lakeUnique,
      lakeMissing: t.lakeMissing,
      lakeUnexpected: t.lakeUnexpected,
      lakeUniqueRepeated: t.lakeUniqueRepeated,
      examples: t.examples.lake,
    },
    expected: {
      accepted: t.accepted,
      lakeUnique: t.accepted,
      lakeMissing: 0,
      lakeUnexpected: 0,
      lakeUniqueRepeated: 0,
      examples: [],
    },
  }),
  /** No event has more raw lake rows than requests that carried it: the pipeline itself copies nothing. */
  noCopiesBeyondSends: (t: Tally) => ({
    actual: { lakeCopiesBeyondSends: t.lakeCopiesBeyondSends, examples: t.examples.duplicates },
    expected: { lakeCopiesBeyondSends: 0, examples: [] },
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

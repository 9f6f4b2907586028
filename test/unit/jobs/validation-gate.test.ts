import {
  DEFAULT_GATE_THRESHOLDS,
  evaluateGate,
  gatePassed,
  parseStatsRow,
} from '../../../lambdas/jobs/validation-gate';
import { cfStats } from '../../support/job-fakes';

const windowTo = '2026-11-26T02:00:00.000Z';
const cf = DEFAULT_GATE_THRESHOLDS.cf;
const failedNames = (checks: ReturnType<typeof evaluateGate>) =>
  checks.filter((c) => !c.passed).map((c) => c.name);

describe('validation gate', () => {
  it('passes a healthy cf run, first run (no previous)', () => {
    const checks = evaluateGate({ job: 'cf', windowTo, stats: cfStats(), thresholds: cf });
    expect(failedNames(checks)).toEqual([]);
    expect(gatePassed(checks)).toBe(true);
    expect(checks.map((c) => c.name)).toEqual([
      'non_empty_input_events',
      'non_empty_output_rows',
      'input_freshness',
      'no_null_ids',
      'score_range',
      'drift_output_rows',
      'drift_state_items',
      'catalogue_coverage',
      'no_self_neighbours',
      'top_score_is_one',
    ]);
  });

  it('rejects a cf run that lists an item as its own neighbour or lost its scaling', () => {
    const checks = evaluateGate({
      job: 'cf',
      windowTo,
      stats: cfStats({ self_neighbours: 3, max_score: 0.7 }),
      thresholds: cf,
    });
    expect(failedNames(checks)).toEqual(['no_self_neighbours', 'top_score_is_one']);
    expect(checks.find((c) => c.name === 'top_score_is_one')?.message).toBe(
      'the best score is 0.7, not 1: the scaling is broken',
    );
  });

  it('rejects an empty input: no events, no rows, no scores, no fresh event', () => {
    const stats = cfStats({
      input_events: 0,
      output_rows: 0,
      window_max_received_ms: null,
      items_with_neighbours: 0,
      min_score: null,
      max_score: null,
    });
    const checks = evaluateGate({ job: 'cf', windowTo, stats, thresholds: cf });
    expect(gatePassed(checks)).toBe(false);
    expect(failedNames(checks)).toEqual([
      'non_empty_input_events',
      'non_empty_output_rows',
      'input_freshness',
      'catalogue_coverage',
    ]);
    expect(checks.find((c) => c.name === 'input_freshness')?.message).toBe('no event in the window');
  });

  it('rejects drift in both directions beyond the factor, and accepts it within', () => {
    const previous = cfStats();
    const shrunk = evaluateGate({
      job: 'cf',
      windowTo,
      stats: cfStats({ output_rows: 1999 }),
      previous,
      thresholds: cf,
    });
    expect(failedNames(shrunk)).toEqual(['drift_output_rows']);
    expect(shrunk.find((c) => c.name === 'drift_output_rows')).toMatchObject({
      value: 0.4998,
      passed: false,
    });
    const grown = evaluateGate({
      job: 'cf',
      windowTo,
      stats: cfStats({ output_rows: 8001 }),
      previous,
      thresholds: cf,
    });
    expect(failedNames(grown)).toEqual(['drift_output_rows']);
    const within = evaluateGate({
      job: 'cf',
      windowTo,
      stats: cfStats({ output_rows: 2000 }),
      previous,
      thresholds: cf,
    });
    expect(failedNames(within)).toEqual([]);
  });

  it('does not judge drift against a previous run below minRowsForDrift', () => {
    const previous = cfStats({ output_rows: 999, state_items: 10 });
    const checks = evaluateGate({
      job: 'cf',
      windowTo,
      stats: cfStats({ output_rows: 50_000 }),
      previous,
      thresholds: cf,
    });
    expect(failedNames(checks)).toEqual([]);
    expect(checks.find((c) => c.name === 'drift_output_rows')?.message).toBe(
      'previous output_rows = 999 is below 1000: too small to judge drift',
    );
  });

  it('rejects stale input, null ids, scores out of range and low coverage', () => {
    const stats = cfStats({
      window_max_received_ms: Date.parse(windowTo) - 361 * 60_000,
      null_ids: 3,
      max_score: 1.2,
      items_with_neighbours: 59,
    });
    const checks = evaluateGate({ job: 'cf', windowTo, stats, thresholds: cf });
    expect(failedNames(checks)).toEqual([
      'input_freshness',
      'no_null_ids',
      'score_range',
      'catalogue_coverage',
      // A best score of 1.2 is out of range and, for this model, not the scaled 1 either.
      'top_score_is_one',
    ]);
    expect(checks.find((c) => c.name === 'input_freshness')?.value).toBe(361);
    expect(checks.find((c) => c.name === 'catalogue_coverage')).toMatchObject({
      value: 0.295,
      threshold: '>= 0.3',
    });
  });

  it('accepts a zero trending score but not a negative one; no coverage check for trending', () => {
    const stats = {
      input_events: 100,
      window_max_received_ms: Date.parse(windowTo),
      output_rows: 20,
      scopes: 3,
      null_ids: 0,
    };
    const ok = evaluateGate({
      job: 'trending',
      windowTo,
      stats: { ...stats, min_score: 0, max_score: 40 },
      thresholds: DEFAULT_GATE_THRESHOLDS.trending,
    });
    expect(failedNames(ok)).toEqual([]);
    expect(ok.some((c) => c.name === 'catalogue_coverage')).toBe(false);
    const bad = evaluateGate({
      job: 'trending',
      windowTo,
      stats: { ...stats, min_score: -1, max_score: 40 },
      thresholds: DEFAULT_GATE_THRESHOLDS.trending,
    });
    expect(failedNames(bad)).toEqual(['score_range']);
  });

  it('parses stats rows from JSON, numbers as strings included, and refuses garbage', () => {
    expect(parseStatsRow({ a: '12', b: 3.5, c: null })).toEqual({ a: 12, b: 3.5, c: null });
    expect(() => parseStatsRow({ a: 'x' })).toThrow('Stats column \'a\' is not a number: "x"');
  });
});

/**
 * The validation gate between a job's query steps and its publish step: pure checks of this run's stats
 * against fixed thresholds and against the stats of the run that is live now (the active version). Any
 * failed check means nothing is published, the run is recorded as rejected with the checks, and the alarm
 * fires.
 */
import type { JobName, ValidationCheck } from '../shared/published';

export interface GateThresholds {
  /** The newest event the run read (received_at) may be at most this old at windowTo. */
  readonly maxInputAgeMinutes: number;
  /**
   * Drift: a compared count must stay within [previous / factor, previous * factor] (both directions).
   * E.g. 2 allows halving and doubling.
   */
  readonly maxDriftFactor: number;
  /** Drift is only judged when the previous count is at least this (small counts swing by nature). */
  readonly minRowsForDrift: number;
  /** cf: share of active items that got at least one neighbour. */
  readonly minCoverage: number;
}

export const DEFAULT_GATE_THRESHOLDS: Readonly<Record<JobName, GateThresholds>> = {
  // Nightly over an incremental window; events arrive continuously, so hours-old data means a broken feed.
  cf: { maxInputAgeMinutes: 360, maxDriftFactor: 2, minRowsForDrift: 1000, minCoverage: 0.3 },
  // Every 15 minutes over the last hours: minutes-old data is expected.
  trending: { maxInputAgeMinutes: 60, maxDriftFactor: 3, minRowsForDrift: 100, minCoverage: 0 },
};

/** Stats as numbers (the stats step's single JSON row; null where SQL returned NULL). */
export type RunStats = Readonly<Record<string, number | null>>;

export interface GateInput {
  readonly job: JobName;
  /** End of the run's window (ISO). Freshness is measured against it, not the wall clock. */
  readonly windowTo: string;
  readonly stats: RunStats;
  /** Stats of the active version's run; undefined for the first run of a job. */
  readonly previous?: RunStats;
  readonly thresholds: GateThresholds;
}

/** Score range per job: similarities are in (0, 1]; trending scores are decayed counts, >= 0. */
const SCORE_RANGE: Readonly<Record<JobName, { min: number; minInclusive: boolean; max: number }>> = {
  cf: { min: 0, minInclusive: false, max: 1 },
  trending: { min: 0, minInclusive: true, max: Number.POSITIVE_INFINITY },
};

/** Counts compared with the previous run: those that should be stable from one run to the next. */
const DRIFT_STATS: Readonly<Record<JobName, readonly string[]>> = {
  cf: ['output_rows', 'state_items'],
  trending: ['output_rows', 'input_events'],
};

export function evaluateGate(input: GateInput): ValidationCheck[] {
  const { job, stats, thresholds } = input;
  const checks: ValidationCheck[] = [
    nonEmpty('input_events', stats.input_events),
    nonEmpty('output_rows', stats.output_rows),
    freshness(input.windowTo, stats.window_max_received_ms, thresholds.maxInputAgeMinutes),
    noNullIds(stats.null_ids),
    scoreRange(job, stats.min_score, stats.max_score, stats.output_rows),
  ];
  for (const name of DRIFT_STATS[job])
    checks.push(drift(name, stats[name], input.previous?.[name], thresholds));
  if (job === 'cf') {
    checks.push(coverage(stats.items_with_neighbours, stats.active_items, thresholds.minCoverage));
    checks.push(...modelChecks(stats));
  }
  return checks;
}

/**
 * What the cf model (RP3beta, sql/jobs/cf_similarity.sql) guarantees when it is sound: no item is its own
 * neighbour, and the best pair is scaled to exactly 1 (a broken scaling would silently change how much
 * collaborative filtering weighs against repurchases and reminders in the API's blend).
 */
function modelChecks(stats: RunStats): ValidationCheck[] {
  const self = numberOrNull(stats.self_neighbours);
  const max = numberOrNull(stats.max_score);
  const rows = numberOrNull(stats.output_rows) ?? 0;
  const scaled = rows === 0 || max === 1;
  return [
    {
      name: 'no_self_neighbours',
      passed: self === 0,
      value: self,
      threshold: '= 0',
      message:
        self === 0
          ? 'no item is its own neighbour'
          : `${self ?? 'an unknown number of'} rows list the item itself`,
    },
    {
      name: 'top_score_is_one',
      passed: scaled,
      value: max,
      threshold: '= 1',
      message: scaled
        ? 'scores are scaled to the best pair'
        : `the best score is ${max}, not 1: the scaling is broken`,
    },
  ];
}

export function gatePassed(checks: readonly ValidationCheck[]): boolean {
  return checks.length > 0 && checks.every((c) => c.passed);
}

function nonEmpty(stat: string, value: number | null | undefined): ValidationCheck {
  const v = numberOrNull(value);
  const passed = v !== null && v > 0;
  return {
    name: `non_empty_${stat}`,
    passed,
    value: v,
    threshold: '> 0',
    message: passed ? `${stat} = ${v}` : `${stat} is ${v ?? 'missing'}: the run read or produced nothing`,
  };
}

function freshness(
  windowTo: string,
  maxReceivedMs: number | null | undefined,
  maxMinutes: number,
): ValidationCheck {
  const newest = numberOrNull(maxReceivedMs);
  const threshold = `<= ${maxMinutes} min`;
  if (newest === null) {
    return {
      name: 'input_freshness',
      passed: false,
      value: null,
      threshold,
      message: 'no event in the window',
    };
  }
  const ageMinutes = round((Date.parse(windowTo) - newest) / 60_000, 1);
  const passed = ageMinutes <= maxMinutes;
  return {
    name: 'input_freshness',
    passed,
    value: ageMinutes,
    threshold,
    message: passed
      ? `newest event ${ageMinutes} min before the window end`
      : `newest event is ${ageMinutes} min old at the window end (${new Date(newest).toISOString()}): upstream stalled?`,
  };
}

function noNullIds(value: number | null | undefined): ValidationCheck {
  const v = numberOrNull(value);
  const passed = v === 0;
  return {
    name: 'no_null_ids',
    passed,
    value: v,
    threshold: '= 0',
    message: passed ? 'no null ids' : `${v ?? 'unknown number of'} rows with a null id`,
  };
}

function scoreRange(
  job: JobName,
  minScore: number | null | undefined,
  maxScore: number | null | undefined,
  outputRows: number | null | undefined,
): ValidationCheck {
  const range = SCORE_RANGE[job];
  const threshold = `${range.minInclusive ? '[' : '('}${range.min}, ${range.max === Infinity ? 'inf)' : `${range.max}]`}`;
  const min = numberOrNull(minScore);
  const max = numberOrNull(maxScore);
  if (min === null || max === null) {
    // No rows means no scores; non_empty_output_rows reports that case.
    const passed = (numberOrNull(outputRows) ?? 0) === 0;
    return { name: 'score_range', passed, value: null, threshold, message: 'no scores to check' };
  }
  const aboveMin = range.minInclusive ? min >= range.min : min > range.min;
  const passed = aboveMin && max <= range.max && Number.isFinite(min) && Number.isFinite(max);
  return {
    name: 'score_range',
    passed,
    value: `${min}..${max}`,
    threshold,
    message: passed ? 'all scores in range' : `scores ${min}..${max} fall outside ${threshold}`,
  };
}

function drift(
  stat: string,
  current: number | null | undefined,
  previous: number | null | undefined,
  t: GateThresholds,
): ValidationCheck {
  const name = `drift_${stat}`;
  const cur = numberOrNull(current);
  const prev = numberOrNull(previous);
  const threshold = `x${t.maxDriftFactor} either way of the previous run`;
  if (prev === null) {
    return {
      name,
      passed: true,
      value: cur,
      threshold,
      message: 'no previous published run to compare with',
    };
  }
  if (prev < t.minRowsForDrift) {
    return {
      name,
      passed: true,
      value: cur,
      threshold,
      message: `previous ${stat} = ${prev} is below ${t.minRowsForDrift}: too small to judge drift`,
    };
  }
  const ratio = cur === null ? 0 : cur / prev;
  const passed = ratio >= 1 / t.maxDriftFactor && ratio <= t.maxDriftFactor;
  return {
    name,
    passed,
    value: round(ratio, 4),
    threshold,
    message: passed
      ? `${stat} ${cur} vs previous ${prev}`
      : `${stat} drifted: ${cur} vs previous ${prev} (ratio ${round(ratio, 4)}, allowed ${round(1 / t.maxDriftFactor, 4)}..${t.maxDriftFactor})`,
  };
}

function coverage(
  withNeighbours: number | null | undefined,
  active: number | null | undefined,
  min: number,
): ValidationCheck {
  const covered = numberOrNull(withNeighbours) ?? 0;
  const total = numberOrNull(active) ?? 0;
  const share = total > 0 ? round(covered / total, 4) : 0;
  const passed = total > 0 && share >= min;
  return {
    name: 'catalogue_coverage',
    passed,
    value: share,
    threshold: `>= ${min}`,
    message: passed
      ? `${covered} of ${total} active items have neighbours`
      : `only ${covered} of ${total} active items have neighbours (${share} < ${min})`,
  };
}

function numberOrNull(value: number | null | undefined): number | null {
  return value === null || value === undefined || Number.isNaN(value) ? null : value;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Stats row from JSON (numbers may arrive as strings from Athena's JSON) -> numbers or null. */
export function parseStatsRow(row: Readonly<Record<string, unknown>>): Record<string, number | null> {
  const stats: Record<string, number | null> = {};
  for (const [key, raw] of Object.entries(row)) {
    if (raw === null || raw === undefined || raw === '') stats[key] = null;
    else {
      const value = typeof raw === 'number' ? raw : Number(raw);
      if (Number.isNaN(value))
        throw new Error(`Stats column '${key}' is not a number: ${JSON.stringify(raw)}`);
      stats[key] = value;
    }
  }
  return stats;
}

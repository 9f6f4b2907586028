/**
 * The tuning objective weights the protocols alike: a protocol with few validation users counts as much
 * as one with many (pooling the users let leaveLastOrderOut outvote nextPurchase 26 to 1). And the tuning
 * record's validation summary: per protocol its orders, per split (origin) its cut-off and sizes. And the
 * trending weight's stage, which keeps the current value unless another beats it by more than the tie.
 */

import { nextPurchase } from '../../../evaluation/protocols';
import { chosenBlend, tuneTrending, validationSummary } from '../../../evaluation/tuning';
import {
  bestUnlessIncumbentTies,
  meanOfScores,
  ProtocolMetrics,
  type Score,
  type TuningTrial,
} from '../../../evaluation/tuning-objective';
import { type BlendWeights, DEFAULT_WEIGHTS } from '../../../lambdas/recommend/scoring';
import type { CanonicalEvent } from '../../../lambdas/shared/events';

const hit = { hitRate: 1, recall: 1, ndcg: 0.5 };
const miss = { hitRate: 0, recall: 0, ndcg: 0 };

describe('ProtocolMetrics', () => {
  it('averages each protocol over its users, then the protocols alike', () => {
    const score = new ProtocolMetrics()
      .add('leaveLastOrderOut', [hit, hit, hit])
      .add('leaveLastOrderOut', [miss])
      .add('nextPurchase', [miss])
      .score();
    // leaveLastOrderOut: 3 of 4 users at (1 + 0.5) / 2 = 0.75 -> 0.5625; nextPurchase: 0. Pooled it would be 0.45.
    expect(score.byProtocol).toEqual({ leaveLastOrderOut: 0.5625, nextPurchase: 0 });
    expect(score.objective).toBeCloseTo(0.28125, 10);
    expect(score.users).toBe(5);
  });

  it('pools the splits of one protocol (rolling origins) user by user', () => {
    const score = new ProtocolMetrics()
      .add('nextPurchase', [hit])
      .add('nextPurchase', [miss, miss, miss])
      .score();
    expect(score.objective).toBeCloseTo(0.75 / 4, 10);
  });

  it('ignores a protocol without users and scores nothing as 0', () => {
    expect(new ProtocolMetrics().add('nextPurchase', []).add('leaveLastOrderOut', [hit]).score()).toEqual({
      objective: 0.75,
      users: 1,
      byProtocol: { leaveLastOrderOut: 0.75 },
    });
    expect(new ProtocolMetrics().score().objective).toBe(0);
  });

  it('means two scorings protocol by protocol', () => {
    const a = new ProtocolMetrics().add('leaveLastOrderOut', [hit]).add('nextPurchase', [miss]).score();
    const b = new ProtocolMetrics().add('leaveLastOrderOut', [miss]).add('nextPurchase', [hit]).score();
    expect(meanOfScores(a, b)).toEqual({
      objective: 0.375,
      users: 2,
      byProtocol: { leaveLastOrderOut: 0.375, nextPurchase: 0.375 },
    });
  });
});

describe('bestUnlessIncumbentTies', () => {
  const incumbent = { objective: 0.4856, choice: 'current' };

  it('keeps the current values when the best is within 0.001 of them (the recorded for-you trials)', () => {
    const rated = [
      { objective: 0.4858, choice: 'repurchase 4, exponent 0.5' },
      { objective: 0.4852, choice: 'repurchase 4, exponent 1' },
    ];
    expect(bestUnlessIncumbentTies(incumbent, rated)).toBe('current');
  });

  it('takes the best when it beats the current values by more than 0.001', () => {
    const rated = [
      { objective: 0.487, choice: 'better' },
      { objective: 0.4858, choice: 'tied' },
    ];
    expect(bestUnlessIncumbentTies(incumbent, rated)).toBe('better');
    expect(bestUnlessIncumbentTies(incumbent, [])).toBe('current');
  });
});

describe('validationSummary', () => {
  const at = (d: number) => new Date(Date.UTC(2011, 9, d, 10)).toISOString();
  const order = (userId: string, d: number): CanonicalEvent => ({
    schemaVersion: 1,
    type: 'purchase',
    eventId: `${userId}-${d}`,
    userId,
    orderId: `${userId}-${d}`,
    currency: 'GBP',
    lineItems: [{ itemId: 'a', quantity: 1, price: 1 }],
    occurredAt: at(d),
    receivedAt: at(d),
  });

  it('sums the cases of a protocol and lists every split with its cut-off', () => {
    const origins = [
      nextPurchase([order('u', 1), order('u', 3), order('v', 1), order('v', 4)], at(2)),
      nextPurchase([order('u', 1), order('u', 2)], at(2)),
    ];
    expect(validationSummary(['nextPurchase'], origins)).toEqual({
      nextPurchase: {
        cases: 3,
        splits: [
          { cutoff: '2011-10-02T10:00:00Z', cases: 2, batchEvents: 2 },
          { cutoff: '2011-10-02T10:00:00Z', cases: 1, batchEvents: 1 },
        ],
      },
    });
  });
});

describe('tuneTrending (discover trending weight)', () => {
  const weights = { ...DEFAULT_WEIGHTS, trending: 0.5 };
  const scoreOf =
    (byTrending: Record<number, number>) =>
    (w: BlendWeights): Score => ({ objective: byTrending[w.trending] ?? 0, users: 10 });

  it('scores the current value and every other grid value, and records each as a trial', () => {
    const trials: TuningTrial[] = [];
    tuneTrending(weights, scoreOf({ 0: 0.3, 0.25: 0.3, 0.5: 0.3, 1: 0.3, 2: 0.3 }), trials, () => {});
    expect(trials.map((t) => [t.stage, t.values.trending])).toEqual([
      ['discover trending (current)', 0.5],
      ['discover trending', 0],
      ['discover trending', 0.25],
      ['discover trending', 1],
      ['discover trending', 2],
    ]);
  });

  it('takes a value that beats the current one by more than the tie margin, other weights kept', () => {
    const chosen = tuneTrending(weights, scoreOf({ 0: 0.2, 0.25: 0.3, 0.5: 0.29, 1: 0.28 }), [], () => {});
    expect(chosen).toEqual({ ...weights, trending: 0.25 });
  });

  it('keeps the current value when the best is within the tie margin of it', () => {
    const chosen = tuneTrending(weights, scoreOf({ 0.25: 0.3005, 0.5: 0.3 }), [], () => {});
    expect(chosen.trending).toBe(0.5);
  });
});

describe('chosenBlend (evaluate --blend-from a tuning record)', () => {
  it("reads the record's chosen blend onto the API's default weights", () => {
    const record = {
      chosen: {
        blend: { maxSources: 100, weights: { repurchaseCountExponent: 0.5, events: { purchase: 4 } } },
      },
    };
    expect(chosenBlend(record, 'tuning.json')).toEqual({
      maxSources: 100,
      weights: {
        ...DEFAULT_WEIGHTS,
        repurchaseCountExponent: 0.5,
        events: { ...DEFAULT_WEIGHTS.events, purchase: 4 },
      },
    });
  });

  it('names the file and each field that is not a chosen blend', () => {
    expect(() =>
      chosenBlend({ chosen: { blend: { maxSources: 0, weights: { cf: -1 } } } }, 'x.json'),
    ).toThrow(/^x\.json: not a tuning record: chosen\.blend\.maxSources: .*; chosen\.blend\.weights\.cf: /);
    expect(() => chosenBlend({ results: {} }, 'results.json')).toThrow(
      /results\.json: not a tuning record: chosen: /,
    );
  });
});

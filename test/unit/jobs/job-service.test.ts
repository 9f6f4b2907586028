/**
 * The control plane end to end on in-memory ports: plan -> (query steps stand-ins: rows placed where the
 * plan says) -> validate -> publish, plus rejection, rollback, retention and failure recording.
 */
import type { JobPlan } from '../../../lambdas/jobs/job-plan';
import { JobService, PointerConflictError } from '../../../lambdas/jobs/job-service';
import { DEFAULT_CF_SETTINGS } from '../../../lambdas/jobs/job-sql';
import { DEFAULT_GATE_THRESHOLDS } from '../../../lambdas/jobs/validation-gate';
import { RollbackRefusedError } from '../../../lambdas/jobs/versioning';
import type { SimilarityItem } from '../../../lambdas/shared/published';
import { cfStats, MemoryJobRuns, MemoryPublished, MemoryResults } from '../../support/job-fakes';

const thresholds = DEFAULT_GATE_THRESHOLDS.cf;

function setup() {
  const runs = new MemoryJobRuns();
  const published = new MemoryPublished();
  const results = new MemoryResults();
  let now = Date.parse('2026-11-20T02:00:00Z');
  const service = new JobService({ runs, published, results, clock: () => new Date(now) });
  let n = 0;
  /** Plans a cf run a day after the previous one and puts `similarity` rows and stats where the plan says. */
  const stage = async (stats: Record<string, number | null>, items = ['i1', 'i2']) => {
    now += 86_400_000;
    const plan = await service.plan({
      job: 'cf',
      runIdSuffix: `r${String(++n).padStart(3, '0')}`,
      lakeBucket: 'lake',
      // The control plane's tests stage neighbour rows: RP3beta's result (EASE's solve: its own test).
      cfSettings: { model: 'rp3beta' },
    });
    results.files.set(plan.statsPrefix, [{ ...stats, window_max_received_ms: now - 60_000 }]);
    results.files.set(
      plan.resultPrefix,
      items.flatMap((item) => [
        { item_id: item, neighbour_id: `${item}-b`, score: 0.5, support: 3, rank: 2 },
        { item_id: item, neighbour_id: `${item}-a`, score: 0.9, support: 5, rank: 1 },
      ]),
    );
    return plan;
  };
  const runThrough = async (stats = cfStats(), items?: string[]) => {
    const plan = await stage(stats, items);
    const validation = await service.validate(plan, thresholds);
    const publish = validation.passed ? await service.publish(plan, 3) : undefined;
    return { plan, validation, publish };
  };
  return { runs, published, results, service, stage, runThrough, now: () => now };
}

/** An as-of replay of the cf job, RP3beta (its result rows are staged as neighbour rows). */
function planReplay(service: JobService, asOf: string) {
  return service.plan({
    job: 'cf',
    runIdSuffix: 'replay',
    lakeBucket: 'lake',
    asOf,
    cfSettings: { model: 'rp3beta' },
  });
}

describe('job service', () => {
  it("plans with the execution's start time as its clock when given one (Step Functions, the local runner)", async () => {
    const { runs, service, now } = setup();
    const startedAt = new Date(now() - 3_600_000).toISOString();
    const plan = await service.plan({ job: 'trending', runIdSuffix: 'r001', lakeBucket: 'lake', startedAt });
    expect(plan.windowTo).toBe(startedAt);
    expect((await runs.getRun('trending', plan.runId))?.startedAt).toBe(startedAt);
    const own = await service.plan({ job: 'trending', runIdSuffix: 'r002', lakeBucket: 'lake' });
    expect(own.windowTo).toBe(new Date(now()).toISOString());
  });

  it('publishes a validated run: items under version = runId, then the pointer, then the run status', async () => {
    const { runs, published, runThrough } = setup();
    const { plan, publish } = await runThrough();
    expect(publish).toEqual({
      activeVersion: plan.runId,
      publishedItems: 2,
      expiredVersions: [],
      expiryErrors: [],
    });
    expect(published.version('cf', plan.runId)).toEqual([
      {
        itemId: 'i1',
        version: plan.runId,
        neighbours: [
          { itemId: 'i1-a', score: 0.9, support: 5 },
          { itemId: 'i1-b', score: 0.5, support: 3 },
        ],
      },
      expect.objectContaining({ itemId: 'i2' }),
    ]);
    expect((await runs.getPointer('cf'))?.activeVersion).toBe(plan.runId);
    expect(await runs.getRun('cf', plan.runId)).toMatchObject({ status: 'published', publishedItems: 2 });
  });

  it('recomputes cf from the whole lake once the incremental chain is a week old', async () => {
    const { runThrough } = setup();
    // Runs are a day apart: the first is full, the next six merge into the chain, the eighth starts anew.
    const plans = [];
    for (let day = 0; day < 9; day++) plans.push((await runThrough()).plan);
    expect(plans.map((p) => (p.windowFrom === undefined ? 'full' : 'incremental'))).toEqual([
      'full',
      'incremental',
      'incremental',
      'incremental',
      'incremental',
      'incremental',
      'incremental',
      'full',
      'incremental',
    ]);
    expect(plans[6]?.fullRecomputeAt).toBe(plans[0]?.windowTo);
    expect(plans[7]?.fullRecomputeAt).toBe(plans[7]?.windowTo);
    expect(plans[8]?.fullRecomputeAt).toBe(plans[7]?.windowTo);
    expect(plans[8]?.previousStateRunId).toBe(plans[7]?.runId);
  });

  it('plans a replay as of a past instant: the window ends there and cf recomputes in full', async () => {
    const { runThrough, service } = setup();
    await runThrough();
    const replay = await service.plan({
      job: 'cf',
      runIdSuffix: 'replay',
      lakeBucket: 'lake',
      asOf: '2010-12-24T00:00:00.000Z',
    });
    expect(replay.windowTo).toBe('2010-12-24T00:00:00.000Z');
    expect([replay.windowFrom, replay.previousStateRunId]).toEqual([undefined, undefined]);
    expect(replay.fullRecomputeAt).toBe('2010-12-24T00:00:00.000Z');
    expect(replay.asOf).toBe('2010-12-24T00:00:00.000Z');
    // The run id still follows the real clock, so versions keep their order.
    expect(replay.runId.startsWith('2026-11-2')).toBe(true);
    await expect(
      service.plan({ job: 'cf', runIdSuffix: 'late', lakeBucket: 'lake', asOf: '2999-01-01T00:00:00.000Z' }),
    ).rejects.toThrow(/asOf must be an ISO-8601 instant in the past/);
  });

  it('reads a replay on event time, over what has been received by now, and recomputes in full after it', async () => {
    const { runThrough, service, results, now } = setup();
    await runThrough();
    // As of an hour ago: recent enough that the incremental chain would not be due by age.
    const asOf = new Date(now() - 3_600_000).toISOString();
    const replay = await planReplay(service, asOf);
    const state = replay.steps[0]?.select ?? '';
    expect(state).toContain('CASE WHEN TRUE THEN occurred_at ELSE received_at END AS window_at');
    const realNow = new Date(now()).toISOString();
    expect(state).toContain(`received_at <= TIMESTAMP '${realNow.slice(0, 10)} ${realNow.slice(11, 23)}'`);
    results.files.set(replay.statsPrefix, [
      { ...cfStats(), window_max_received_ms: Date.parse(asOf) - 60_000 },
    ]);
    results.files.set(replay.resultPrefix, [
      { item_id: 'i1', neighbour_id: 'i2', score: 0.5, support: 3, rank: 1 },
    ]);
    expect((await service.validate(replay, thresholds)).passed).toBe(true);
    await service.publish(replay, 3);
    // A state windowed on event time is no prefix of the receipt clock: nothing continues from it.
    const next = await runThrough();
    expect(next.plan.windowFrom).toBeUndefined();
    expect(next.plan.previousStateRunId).toBeUndefined();
    expect(next.plan.steps[0]?.select).toContain('CASE WHEN FALSE THEN occurred_at ELSE received_at END');
  });

  it('judges no drift for a replay: its slice of time has no like-for-like baseline', async () => {
    const { runThrough, service, results } = setup();
    await runThrough(cfStats({ output_rows: 40_000, state_items: 20_000 }));
    const asOf = '2010-12-24T00:00:00.000Z';
    const replay = await planReplay(service, asOf);
    // A tenth of the live run's rows: a live run would be rejected for drift.
    results.files.set(replay.statsPrefix, [
      {
        ...cfStats({ output_rows: 4_000, state_items: 2_000 }, asOf),
        window_max_received_ms: Date.parse(asOf) - 60_000,
      },
    ]);
    results.files.set(replay.resultPrefix, [
      { item_id: 'i1', neighbour_id: 'i2', score: 0.5, support: 3, rank: 1 },
    ]);
    const validation = await service.validate(replay, thresholds);
    expect(validation.checks.filter((c) => c.name.startsWith('drift_')).map((c) => c.passed)).toEqual([
      true,
      true,
    ]);
    expect(validation.passed).toBe(true);
  });

  it('plans incrementally from the active version: its window end and its state', async () => {
    const { runThrough, stage } = setup();
    const first = await runThrough();
    expect(first.plan.windowFrom).toBeUndefined();
    expect(first.plan.lastSuccessAgeSeconds).toBeUndefined();
    const second = await stage(cfStats());
    // The clock moved one day since the first run was published.
    expect(second.lastSuccessAgeSeconds).toBe(86_400);
    expect(second.windowFrom).toBe(first.plan.windowTo);
    expect(second.previousStateRunId).toBe(first.plan.runId);
  });

  it('rejects an empty input: nothing published, the active version stays, the checks are stored', async () => {
    const { runs, published, service, stage, runThrough } = setup();
    const good = await runThrough();
    const empty = await stage(
      cfStats({ input_events: 0, output_rows: 0, min_score: null, max_score: null }),
      [],
    );
    const validation = await service.validate(empty, thresholds);
    expect(validation.passed).toBe(false);
    const stored = await runs.getRun('cf', empty.runId);
    expect(stored?.status).toBe('rejected');
    expect(stored?.checks?.filter((c) => !c.passed).map((c) => c.name)).toEqual([
      'non_empty_input_events',
      'non_empty_output_rows',
      'drift_output_rows',
    ]);
    await expect(service.publish(empty, 3)).rejects.toThrow(`cf run ${empty.runId} is rejected`);
    expect((await runs.getPointer('cf'))?.activeVersion).toBe(good.plan.runId);
    expect(published.version('cf', empty.runId)).toEqual([]);
  });

  it('rejects a drifted run against the active version, which stays', async () => {
    const { runs, runThrough } = setup();
    const good = await runThrough();
    const drifted = await runThrough(cfStats({ output_rows: 1500 }));
    expect(drifted.validation.passed).toBe(false);
    expect(drifted.validation.checks.filter((c) => !c.passed).map((c) => c.message)).toEqual([
      'output_rows drifted: 1500 vs previous 4000 (ratio 0.375, allowed 0.5..2)',
    ]);
    expect((await runs.getPointer('cf'))?.activeVersion).toBe(good.plan.runId);
  });

  it('accepts a lasting shift once the next run confirms it (drift compares with the latest sound run)', async () => {
    const { runs, runThrough } = setup();
    await runThrough();
    const jump = await runThrough(cfStats({ output_rows: 9000 }));
    expect(jump.validation.passed).toBe(false);
    const confirmed = await runThrough(cfStats({ output_rows: 9500 }));
    expect(confirmed.validation.passed).toBe(true);
    expect(await runs.getRun('cf', confirmed.plan.runId)).toMatchObject({ baselineRunId: jump.plan.runId });
    // A run rejected for anything but drift is never a baseline: its data is not trusted.
    const broken = await runThrough(cfStats({ output_rows: 30_000, null_ids: 2 }));
    expect(broken.validation.passed).toBe(false);
    const after = await runThrough(cfStats({ output_rows: 30_000 }));
    expect(after.validation.checks.filter((c) => !c.passed).map((c) => c.name)).toEqual([
      'drift_output_rows',
    ]);
    expect((await runs.getPointer('cf'))?.activeVersion).toBe(confirmed.plan.runId);
  });

  it('rolls back to the previous version and plans the next run from it', async () => {
    const { runs, service, stage, runThrough } = setup();
    const v1 = await runThrough();
    const v2 = await runThrough();
    expect(await service.rollback('cf', v1.plan.runId)).toEqual({
      from: v2.plan.runId,
      to: v1.plan.runId,
      revision: 3,
    });
    expect(await runs.getPointer('cf')).toMatchObject({
      activeVersion: v1.plan.runId,
      previousVersion: v2.plan.runId,
    });
    expect((await runs.getRun('cf', v2.plan.runId))?.status).toBe('rolled_back');
    const next = await stage(cfStats());
    expect(next.windowFrom).toBe(v1.plan.windowTo);
    // Rolling forward again is allowed: v2 is still live.
    await service.rollback('cf', v2.plan.runId);
    expect((await runs.getRun('cf', v2.plan.runId))?.status).toBe('published');
  });

  it('refuses a rollback to a rejected version with the reason', async () => {
    const { service, runThrough } = setup();
    await runThrough();
    const rejected = await runThrough(cfStats({ null_ids: 1 }));
    await expect(service.rollback('cf', rejected.plan.runId)).rejects.toThrow(
      new RollbackRefusedError(
        `cf: run '${rejected.plan.runId}' is rejected, not a published version; only published versions can be restored`,
      ),
    );
  });

  it('expires exactly the versions beyond the newest 3, rewriting their items with a TTL', async () => {
    const { runs, published, runThrough, now } = setup();
    const plans: JobPlan[] = [];
    for (let i = 0; i < 5; i++) plans.push((await runThrough()).plan);
    const [v1, v2, v3, v4, v5] = plans.map((p) => p.runId) as string[];
    expect((await runs.listRuns('cf')).filter((r) => r.expiredAt).map((r) => r.runId)).toEqual([v2, v1]);
    const expiresAt = (job: string) => published.version('cf', job).map((item) => item.expiresAt);
    expect(expiresAt(v1 as string)).toEqual([expect.any(Number), expect.any(Number)]);
    expect(expiresAt(v2 as string)).toEqual([Math.floor(now() / 1000), Math.floor(now() / 1000)]);
    for (const live of [v3, v4, v5]) expect(expiresAt(live as string)).toEqual([undefined, undefined]);
  });

  it('publish is idempotent after a flip (a retried publish finds the pointer flipped)', async () => {
    const { runs, service, runThrough } = setup();
    const { plan } = await runThrough();
    const again = await service.publish(plan, 3);
    expect(again.activeVersion).toBe(plan.runId);
    expect((await runs.getPointer('cf'))?.revision).toBe(1);
  });

  it('a publish loses against a flip that happened between its read and its write', async () => {
    const { runs, service, stage } = setup();
    const plan = await stage(cfStats());
    await service.validate(plan, thresholds);
    const original = runs.getPointer.bind(runs);
    runs.getPointer = async (job) => {
      const pointer = await original(job);
      // Someone else flips right after this publish read the pointer.
      await runs.flipPointer(job, 'someone-else', pointer?.revision, new Date());
      return pointer;
    };
    await expect(service.publish(plan, 3)).rejects.toThrow(PointerConflictError);
    expect((await original('cf'))?.activeVersion).toBe('someone-else');
  });

  it('records a failure with the Lambda error message from the Catch, and one without a plan', async () => {
    const { runs, service, stage } = setup();
    const plan = await stage(cfStats());
    const outcome = await service.recordFailure(
      {
        job: 'cf',
        runId: plan.runId,
        error: { Error: 'Error', Cause: JSON.stringify({ errorMessage: 'boom' }) },
      },
      () => 'unused',
    );
    expect(await runs.getRun('cf', plan.runId)).toMatchObject({ status: 'failed', error: 'Error: boom' });
    expect(outcome.message).toContain(`Batch job cf run ${plan.runId} failed at`);
    const early = await service.recordFailure(
      { job: 'trending', error: { Error: 'States.Timeout' } },
      () => 'new-id',
    );
    expect(early.runId).toBe('new-id');
    expect(await runs.getRun('trending', 'new-id')).toMatchObject({
      status: 'failed',
      error: 'States.Timeout',
    });
  });

  it('publishes an EASE run: its vector rows solved into neighbour lists at publish, its fallback rows merged', async () => {
    const { published, results, service } = setup();
    const plan = await service.plan({ job: 'cf', runIdSuffix: 'ease', lakeBucket: 'lake' });
    expect(plan.steps.map((step) => step.name)).toEqual(['cf-state', 'cf-vectors', 'cf-stats']);
    expect(plan.solve).toEqual({ lambda: DEFAULT_CF_SETTINGS.easeLambda, topK: DEFAULT_CF_SETTINGS.topK });
    results.files.set(plan.statsPrefix, [
      { ...cfStats(), window_max_received_ms: Date.parse(plan.windowTo) },
    ]);
    // Three users: {a, b}, {a, b}, {b, c}; λ small, so a and b are neighbours, and b and c.
    results.files.set(plan.resultPrefix, [
      { user_key: 'u1', item_id: 'a', signal: 1 },
      { user_key: 'u1', item_id: 'b', signal: 1 },
      { user_key: 'u2', item_id: 'a', signal: 1 },
      { user_key: 'u2', item_id: 'b', signal: 1 },
      { user_key: 'u3', item_id: 'b', signal: 1 },
      { user_key: 'u3', item_id: 'c', signal: 1 },
      // RP3beta's list of d, an item outside the head (cf_ease_fallback.sql).
      { row_kind: 'fallback', item_id: 'd', neighbour_id: 'a', score: 0.5, support: 2, rank: 1 },
    ]);
    expect((await service.validate(plan, thresholds)).passed).toBe(true);
    await service.publish({ ...plan, solve: { lambda: 0.5, topK: 5 } }, 3);
    const items = published.version('cf', plan.runId) as SimilarityItem[];
    expect(items.map((item) => [item.itemId, item.neighbours.map((n) => n.itemId)])).toEqual([
      ['a', ['b']],
      ['b', ['a', 'c']],
      ['c', ['b']],
      ['d', ['a']],
    ]);
    expect(Math.max(...items.flatMap((item) => item.neighbours.map((n) => n.score)))).toBe(1);
  });
});

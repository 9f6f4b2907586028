/**
 * Jobs: the batch jobs' Step Functions state machines and their EventBridge Scheduler schedules. The runner
 * (runner.ts) runs a job's steps as its state machine does (the same plan, validate, publish and
 * record-failure Lambdas), the query steps run on DuckDB as Athena's UNLOAD runs them (engine.ts), and the
 * scheduler fires the template's schedule expressions (schedule-expression.ts) on a fast-forwarded clock
 * (scheduler.ts). local-jobs.ts wires them into the runtime with the `/local/jobs/…` endpoints.
 */
export { runQueryStepLocally } from './engine';
export { type LocalJobs, startLocalJobs } from './local-jobs';
export { LocalJobRunner, type LocalRunResult } from './runner';
export { nextFireTime, parseScheduleExpression } from './schedule-expression';
export { LocalJobScheduler } from './scheduler';

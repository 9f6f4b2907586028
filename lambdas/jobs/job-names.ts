/** Names shared by the job functions, the construct and the local runner (no imports: safe at synth time). */

/** Which job handler a function runs; the local runner finds the functions by it. */
export const JOB_FUNCTION_ENV = 'JOB_FUNCTION';
export const JOB_FUNCTIONS = ['plan', 'validate', 'publish', 'record-failure'] as const;
export type JobFunction = (typeof JOB_FUNCTIONS)[number];

/** Metrics the validate function emits (alarmed on: RunsRejected) and their job dimension. */
export const REJECTED_METRIC = 'RunsRejected';
export const PASSED_METRIC = 'RunsPassed';
export const JOB_DIMENSION = 'job';

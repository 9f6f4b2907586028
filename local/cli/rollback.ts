/**
 * `recostream rollback`: flips a job's active-version pointer back to an earlier published version, in the
 * running local runtime's JobRuns table (`--local`) or the deployed one (stack output JobRunsTableName).
 */
import { PointerConflictError, rollbackJob } from '../../lambdas/jobs/job-service';
import { RollbackRefusedError } from '../../lambdas/jobs/versioning';
import type { JobName } from '../../lambdas/shared/published';
import { jobRunsStore } from './jobs';
import { type CliIo, FAILED, OK, parseCommandArgs, USAGE } from './kit';

export const ROLLBACK_HELP = `Usage: recostream rollback <similarities|trending> --to <version> [--local [--data-dir DIR] | --job-runs-table NAME]

Flips the active-version pointer back to an earlier published version (a run id from \`jobs list\`).
Refused, with the reason, for an unknown, rejected, failed or expired version. The version it replaces is
marked rolled_back and stays available until retention expires it.`;

const TABLE_JOBS: Readonly<Record<string, JobName>> = { similarities: 'cf', trending: 'trending' };

export async function rollbackCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    to: { type: 'string' },
    local: { type: 'boolean', default: false },
    'data-dir': { type: 'string', default: '.data' },
    'job-runs-table': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    io.out(ROLLBACK_HELP);
    return OK;
  }
  const job = TABLE_JOBS[positionals[0] ?? ''];
  if (!job || !values.to) {
    io.err(
      `recostream rollback: expected 'similarities' or 'trending' and --to <version>\n\n${ROLLBACK_HELP}`,
    );
    return USAGE;
  }
  const runs = jobRunsStore(values.local, values['data-dir'], values['job-runs-table'], io);
  if (!runs) return USAGE;
  try {
    const outcome = await rollbackJob(runs, job, values.to, new Date());
    io.out(
      `${positionals[0]}: active version ${outcome.from ?? '(none)'} -> ${outcome.to} (pointer revision ${outcome.revision})`,
    );
    return OK;
  } catch (error) {
    if (error instanceof RollbackRefusedError || error instanceof PointerConflictError) {
      io.err(`recostream rollback: ${error.message}`);
      return FAILED;
    }
    throw error;
  }
}

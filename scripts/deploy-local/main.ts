/**
 * `npm run deploy:local`: deploys the stack into a running LocalStack through AWS_ENDPOINT_URL (default
 * http://localhost.localstack.cloud:4566), as `cdklocal` would. `-- --dry-run` prints the environment and the
 * commands without running them. See README "Verify for the cloud" for what LocalStack can and cannot run.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { STACK_ID } from '../../lib/app-builder';
import { REPO_ROOT } from '../../lib/recostream-function';
import {
  bootstrapNames,
  deployCommands,
  LocalDeployConfigError,
  localDeployEnvironment,
} from './local-environment';

function main(args: readonly string[]): number {
  let env: Record<string, string>;
  try {
    env = localDeployEnvironment(process.env);
  } catch (e) {
    if (e instanceof LocalDeployConfigError) {
      console.error(`deploy:local: ${e.message}`);
      return 2;
    }
    throw e;
  }
  const names = bootstrapNames('<account>', env.AWS_REGION as string);
  console.log(
    `deploy:local -> ${env.AWS_ENDPOINT_URL} (S3 ${env.AWS_ENDPOINT_URL_S3}), region ${env.AWS_REGION}, ` +
      `asset bucket ${names.assetsBucket} (the account is the one the endpoint's STS answers)`,
  );
  const cdk = resolve(REPO_ROOT, 'node_modules/.bin/cdk');
  for (const [, ...cdkArgs] of deployCommands(STACK_ID)) {
    console.log(`$ cdk ${cdkArgs.join(' ')}`);
    if (args.includes('--dry-run')) continue;
    const run = spawnSync(cdk, cdkArgs, { cwd: REPO_ROOT, env, stdio: 'inherit' });
    if (run.status !== 0) return run.status ?? 1;
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));

/**
 * The environment `npm run deploy:local` gives the CDK CLI to deploy into a running LocalStack, the way
 * LocalStack's `cdklocal` wrapper does: every AWS SDK v3 client of the CLI (and of the app's own SDK calls)
 * honours `AWS_ENDPOINT_URL`, and S3 gets its own endpoint (`AWS_ENDPOINT_URL_S3`) whose subdomains resolve, for
 * the asset bucket's virtual-hosted addresses. Credentials and profiles of a real account are dropped, so a
 * mistyped endpoint can never deploy into AWS.
 */

/** LocalStack's default edge endpoint; `*.localhost.localstack.cloud` resolves to 127.0.0.1. */
export const LOCALSTACK_ENDPOINT = 'http://localhost.localstack.cloud:4566';
export const DEFAULT_REGION = 'us-east-1';
/** CDK's default bootstrap qualifier (`cdk bootstrap` without --qualifier, and the synthesizer's default). */
export const DEFAULT_QUALIFIER = 'hnb659fds';

export class LocalDeployConfigError extends Error {
  override readonly name = 'LocalDeployConfigError';
}

/** AWS_* variables that would point the CLI at a real account or change how it authenticates. */
const DROPPED =
  /^AWS_(PROFILE|DEFAULT_PROFILE|SESSION_TOKEN|SECURITY_TOKEN|ROLE_ARN|WEB_IDENTITY_TOKEN_FILE|ROLE_SESSION_NAME|CONFIG_FILE|SHARED_CREDENTIALS_FILE|CONTAINER_\w+|EC2_METADATA_\w+)$/;

function endpointUrl(name: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new LocalDeployConfigError(`${name} is not a URL: '${value}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new LocalDeployConfigError(`${name} must be http(s), got '${value}'`);
  if (/(^|\.)amazonaws\.com(\.cn)?$/i.test(url.hostname) || /(^|\.)api\.aws$/i.test(url.hostname))
    throw new LocalDeployConfigError(
      `${name} points at AWS itself ('${value}'); deploy:local is for LocalStack`,
    );
  return url;
}

/**
 * The S3 endpoint: given, or `s3.<host>` when the main endpoint is on localstack.cloud (whose subdomains
 * resolve to loopback). For any other host (127.0.0.1, a container name) it cannot be guessed: the CLI
 * addresses the asset bucket as `<bucket>.<s3 host>`, which must resolve.
 */
function s3Endpoint(env: NodeJS.ProcessEnv, main: URL): string {
  const given = env.AWS_ENDPOINT_URL_S3;
  if (given) return endpointUrl('AWS_ENDPOINT_URL_S3', given).toString().replace(/\/$/, '');
  if (!main.hostname.endsWith('localstack.cloud'))
    throw new LocalDeployConfigError(
      `AWS_ENDPOINT_URL is ${main.origin}: set AWS_ENDPOINT_URL_S3 too, to an S3 endpoint whose subdomains ` +
        `resolve (e.g. http://s3.localhost.localstack.cloud:${main.port || '4566'}), for the asset bucket`,
    );
  return `${main.protocol}//s3.${main.host}`;
}

/**
 * The CLI's environment for a LocalStack deploy, from the caller's: endpoints, LocalStack's test credentials
 * (or the caller's AWS_ACCESS_KEY_ID/SECRET when both are set, as LocalStack accepts any) and the region. The
 * account is not set: the CLI asks the endpoint's STS (LocalStack answers 000000000000, moto 123456789012).
 */
export function localDeployEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const main = endpointUrl('AWS_ENDPOINT_URL', env.AWS_ENDPOINT_URL || LOCALSTACK_ENDPOINT);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env))
    if (value !== undefined && !DROPPED.test(key) && !key.startsWith('AWS_ENDPOINT_URL')) out[key] = value;
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || DEFAULT_REGION;
  const ownKeys = Boolean(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY);
  return {
    ...out,
    AWS_ENDPOINT_URL: main.toString().replace(/\/$/, ''),
    AWS_ENDPOINT_URL_S3: s3Endpoint(env, main),
    AWS_ACCESS_KEY_ID: ownKeys ? (env.AWS_ACCESS_KEY_ID as string) : 'test',
    AWS_SECRET_ACCESS_KEY: ownKeys ? (env.AWS_SECRET_ACCESS_KEY as string) : 'test',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    CDK_DISABLE_CLI_TELEMETRY: 'true',
  };
}

/** What `cdk bootstrap` creates and the synthesised assets manifest uploads to (DefaultStackSynthesizer names). */
export function bootstrapNames(account: string, region: string, qualifier = DEFAULT_QUALIFIER) {
  return {
    assetsBucket: `cdk-${qualifier}-assets-${account}-${region}`,
    deployRole: `cdk-${qualifier}-deploy-role-${account}-${region}`,
    filePublishingRole: `cdk-${qualifier}-file-publishing-role-${account}-${region}`,
    bootstrapStack: 'CDKToolkit',
  };
}

/**
 * The CLI runs of a local deploy: bootstrap (the stack is environment-agnostic, so the CLI bootstraps the
 * endpoint's account in AWS_REGION), then deploy the stack.
 */
export function deployCommands(stackId: string): string[][] {
  return [
    ['cdk', 'bootstrap', '--no-notices'],
    ['cdk', 'deploy', stackId, '--require-approval', 'never', '--no-notices'],
  ];
}

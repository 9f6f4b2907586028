/**
 * `npm run deploy:local` (no LocalStack here): the environment handed to the CDK CLI, and the bootstrap names,
 * checked against the asset manifest the app really synthesises.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp } from '../../../../lib/app-builder';
import {
  bootstrapNames,
  DEFAULT_QUALIFIER,
  deployCommands,
  LocalDeployConfigError,
  localDeployEnvironment,
} from '../../../../scripts/deploy-local/local-environment';

describe('deploy:local environment', () => {
  it('defaults to LocalStack: edge endpoint, its S3 subdomain endpoint, test credentials; no account', () => {
    const env = localDeployEnvironment({ PATH: '/usr/bin' });
    expect(env).toEqual({
      PATH: '/usr/bin',
      AWS_ENDPOINT_URL: 'http://localhost.localstack.cloud:4566',
      AWS_ENDPOINT_URL_S3: 'http://s3.localhost.localstack.cloud:4566',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      CDK_DISABLE_CLI_TELEMETRY: 'true',
    });
  });

  it('drops what would reach a real account: profiles, session tokens, role settings', () => {
    const env = localDeployEnvironment({
      AWS_PROFILE: 'prod',
      AWS_SESSION_TOKEN: 'token',
      AWS_ROLE_ARN: 'arn:aws:iam::1:role/x',
      AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/token',
      AWS_REGION: 'eu-west-1',
    });
    for (const key of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE'])
      expect(env[key]).toBeUndefined();
    expect([env.AWS_REGION, env.AWS_DEFAULT_REGION, env.AWS_ACCESS_KEY_ID]).toEqual([
      'eu-west-1',
      'eu-west-1',
      'test',
    ]);
  });

  it('keeps a given endpoint pair, and derives S3 only on localstack.cloud hosts', () => {
    expect(
      localDeployEnvironment({
        AWS_ENDPOINT_URL: 'http://127.0.0.1:4566/',
        AWS_ENDPOINT_URL_S3: 'http://s3.localhost.localstack.cloud:4566',
      }),
    ).toMatchObject({
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
      AWS_ENDPOINT_URL_S3: 'http://s3.localhost.localstack.cloud:4566',
    });
    expect(
      localDeployEnvironment({ AWS_ENDPOINT_URL: 'https://localhost.localstack.cloud:4567' }),
    ).toMatchObject({
      AWS_ENDPOINT_URL_S3: 'https://s3.localhost.localstack.cloud:4567',
    });
    expect(() => localDeployEnvironment({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' })).toThrow(
      /set AWS_ENDPOINT_URL_S3 too/,
    );
  });

  it('refuses endpoints of AWS itself and what is not an http(s) URL', () => {
    for (const url of [
      'https://cloudformation.eu-west-1.amazonaws.com',
      'https://s3.us-east-1.api.aws',
      'ftp://x',
      'x',
    ])
      expect(() =>
        localDeployEnvironment({
          AWS_ENDPOINT_URL: url,
          AWS_ENDPOINT_URL_S3: 'http://s3.localhost.localstack.cloud',
        }),
      ).toThrow(LocalDeployConfigError);
  });

  it('bootstraps the environment of the (environment-agnostic) stack, then deploys it', () => {
    expect(deployCommands('RecoStream')).toEqual([
      ['cdk', 'bootstrap', '--no-notices'],
      ['cdk', 'deploy', 'RecoStream', '--require-approval', 'never', '--no-notices'],
    ]);
  });
});

describe('bootstrap names', () => {
  it('the asset bucket bootstrap creates is the one the app uploads to, and a valid S3 bucket name', () => {
    const { app, stack } = buildApp({}, { skipBundling: true, validate: false });
    const assembly = app.synth();
    const manifest = JSON.parse(
      readFileSync(join(assembly.directory, `${stack.artifactId}.assets.json`), 'utf8'),
    ) as {
      files: Record<string, { destinations: Record<string, { bucketName: string; assumeRoleArn: string }> }>;
    };
    const destinations = Object.values(manifest.files).flatMap((f) => Object.values(f.destinations));
    expect(destinations.length).toBeGreaterThan(0);
    const names = bootstrapNames('000000000000', 'us-east-1');
    const pseudo: Record<string, string> = {
      AccountId: '000000000000',
      Region: 'us-east-1',
      Partition: 'aws',
    };
    const resolve = (s: string) => s.replace(/\$\{AWS::(\w+)\}/g, (_, name: string) => pseudo[name] ?? name);
    for (const d of destinations) {
      expect(resolve(d.bucketName)).toBe(names.assetsBucket);
      expect(resolve(d.assumeRoleArn)).toBe(`arn:aws:iam::000000000000:role/${names.filePublishingRole}`);
    }
    expect(names.assetsBucket).toMatch(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/);
    expect(names.assetsBucket).toContain(`-${DEFAULT_QUALIFIER}-`);
  });
});

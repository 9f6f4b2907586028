/**
 * The freshness canary's access to the recommendation API on the real stack: its own API key on the
 * API's usage plan, whose value is a generated secret referenced dynamically (never in the template),
 * readable by the canary alone; and the construct without an API (profile only).
 */
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { createCanarySecrets, FreshnessCanary } from '../../../lib/freshness-canary';
import { logicalIdOf, synthApp, testApp } from './helpers';

const { stack, template } = synthApp();
const canary = stack.freshnessCanary;

function policiesMentioning(logicalId: string): Array<[string, Record<string, unknown>]> {
  return Object.entries(template.findResources('AWS::IAM::Policy')).filter(([, policy]) =>
    JSON.stringify(policy).includes(`"${logicalId}"`),
  );
}

it('gives the canary its own API key whose value is a dynamic reference to a generated secret', () => {
  if (!canary.apiKey || !canary.apiKeySecret) throw new Error('the stack gives the canary no API key');
  const secretId = logicalIdOf(canary.apiKeySecret);
  template.hasResourceProperties('AWS::ApiGateway::ApiKey', {
    Description: 'Freshness canary: reads recommendations of canary users',
    Enabled: true,
    Value: { 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:::}}']] },
  });
  template.hasResourceProperties('AWS::SecretsManager::Secret', {
    Description: 'RecoStream freshness canary: value of its recommendation API key',
    KmsKeyId: Match.anyValue(),
    GenerateSecretString: { PasswordLength: 40, ExcludePunctuation: true, IncludeSpace: false },
  });
  // No API key in the template carries a literal value.
  for (const key of Object.values(template.findResources('AWS::ApiGateway::ApiKey')))
    expect(typeof (key as { Properties: { Value?: unknown } }).Properties.Value).not.toBe('string');
});

it("attaches the key to the recommendation API's usage plan", () => {
  if (!canary.apiKey) throw new Error('no canary API key');
  template.hasResourceProperties('AWS::ApiGateway::UsagePlanKey', {
    KeyId: { Ref: logicalIdOf(canary.apiKey) },
    KeyType: 'API_KEY',
    UsagePlanId: { Ref: logicalIdOf(stack.recommendationApi.usagePlan) },
  });
});

it('lets only the canary read the secret, and tells it the API URL and the secret ARN', () => {
  if (!canary.apiKeySecret) throw new Error('no canary API-key secret');
  const secretId = logicalIdOf(canary.apiKeySecret);
  const readers = policiesMentioning(secretId);
  expect(readers).toHaveLength(1);
  const [, policy] = readers[0] as [string, Record<string, unknown>];
  expect(JSON.stringify(policy)).toContain(`"Ref":"${logicalIdOf(canary.function.role ?? canary.function)}"`);
  const statements = (
    policy as { Properties: { PolicyDocument: { Statement: Array<Record<string, unknown>> } } }
  ).Properties.PolicyDocument.Statement;
  const reads = statements.filter((st) => JSON.stringify(st.Resource).includes(`"${secretId}"`));
  expect(reads).toHaveLength(1);
  expect(reads[0]?.Action).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
  expect(reads[0]?.Effect).toBe('Allow');
  const fn = template.findResources('AWS::Lambda::Function')[logicalIdOf(canary.function)] as {
    Properties: { Environment: { Variables: Record<string, unknown> } };
  };
  const env = fn.Properties.Environment.Variables;
  expect(env.CANARY_API_KEY_SECRET_ARN).toEqual({ Ref: secretId });
  expect(JSON.stringify(env.RECOMMENDATION_API_URL)).toContain(logicalIdOf(stack.recommendationApi.api));
  expect(JSON.stringify(env.RECOMMENDATION_API_URL)).toContain(
    JSON.stringify(logicalIdOf(stack.recommendationApi.api.deploymentStage)),
  );
});

it('creates no API key, secret or env for the recommendation API when it is not given one', () => {
  const lone = new Stack(testApp(), 'Lone');
  const key = new Key(lone, 'Key', { enableKeyRotation: true });
  const table = (id: string, pk: string) =>
    new Table(lone, id, { partitionKey: { name: pk, type: AttributeType.STRING } });
  const construct = new FreshnessCanary(lone, 'Canary', {
    ingestBaseUrl: 'https://ingest.example.com/prod/',
    writeKeysTable: table('WriteKeys', 'keyHash'),
    profilesTable: table('Profiles', 'userId'),
    encryptionKey: key,
    secrets: createCanarySecrets(lone, key),
  });
  const t = Template.fromStack(lone);
  expect(construct.apiKey).toBeUndefined();
  expect(construct.apiKeySecret).toBeUndefined();
  t.resourceCountIs('AWS::ApiGateway::ApiKey', 0);
  const fn = Object.values(t.findResources('AWS::Lambda::Function'))[0] as {
    Properties: { Environment: { Variables: Record<string, unknown> } };
  };
  expect(Object.keys(fn.Properties.Environment.Variables)).not.toContain('RECOMMENDATION_API_URL');
  expect(Object.keys(fn.Properties.Environment.Variables)).not.toContain('CANARY_API_KEY_SECRET_ARN');
});

describe('the write key of the canary (issue 13: its role could write an admin key)', () => {
  const writeKeysId = logicalIdOf(stack.ingestion.writeKeysTable);
  const statementsOf = (roleId: string) =>
    Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${roleId}"`))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>);
  const actionsOf = (statement: Record<string, unknown>) => [statement.Action].flat() as string[];

  it('gives the canary function no write at all on the WriteKeys table', () => {
    const canaryRole = logicalIdOf(canary.function.role ?? canary.function);
    const onWriteKeys = statementsOf(canaryRole).filter((st) =>
      JSON.stringify(st.Resource).includes(writeKeysId),
    );
    expect(onWriteKeys.flatMap(actionsOf)).toEqual([]);
    const fn = template.findResources('AWS::Lambda::Function')[logicalIdOf(canary.function)];
    expect(fn?.Properties.Environment.Variables.WRITE_KEYS_TABLE_NAME).toBeUndefined();
  });

  it('registers the key at deploy with a custom resource that reads the secret', () => {
    const registration = canary.keyRegistration;
    template.hasResourceProperties('Custom::CanaryWriteKey', {
      ServiceToken: Match.anyValue(),
      SecretArn: { Ref: logicalIdOf(canary.writeKeySecret) },
      TableName: { Ref: writeKeysId },
    });
    expect(logicalIdOf(registration.function)).toMatch(/^FreshnessCanaryKeyRegistration/);
  });

  it('lets the registration write only the attributes of an ordinary key: never a role', () => {
    const role = logicalIdOf(canary.keyRegistration.function.role ?? canary.keyRegistration.function);
    const writes = statementsOf(role).filter((st) => JSON.stringify(st.Resource).includes(writeKeysId));
    expect(writes).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Resource: { 'Fn::GetAtt': [writeKeysId, 'Arn'] },
        Condition: {
          'ForAllValues:StringEquals': {
            'dynamodb:Attributes': ['keyHash', 'name', 'createdAt', 'disabled'],
          },
        },
      },
    ]);
  });
});

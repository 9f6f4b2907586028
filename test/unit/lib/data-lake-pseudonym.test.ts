/**
 * Opt-in pseudonymisation of the lake (context `pseudonymizeLakeUserIds`): off, the template has no processor
 * Lambda and no key secret (existing deployments see no change); on, Firehose runs the pseudonymiser before
 * the JQ partition query, with least-privilege grants, and the local topology knows the function to invoke.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { type CfnTemplate, topologyFromTemplate } from '../../../local/topology';
import { logicalIdOf, synthApp } from './helpers';

const ENTRY = 'lambdas/lake-pseudonymize/handler.ts';

function processorsOf(template: ReturnType<typeof synthApp>['template']) {
  const streams = template.findResources('AWS::KinesisFirehose::DeliveryStream');
  const [stream] = Object.values(streams);
  return stream?.Properties.ExtendedS3DestinationConfiguration.ProcessingConfiguration.Processors as Array<{
    Type: string;
    Parameters: Array<{ ParameterName: string; ParameterValue: unknown }>;
  }>;
}

describe('pseudonymizeLakeUserIds off (default)', () => {
  const { stack, template } = synthApp();

  it('keeps the metadata extraction as the only processor', () => {
    expect(processorsOf(template).map((p) => p.Type)).toEqual(['MetadataExtraction']);
  });

  it('creates no pseudonymiser function and no key secret', () => {
    expect(stack.dataLake.pseudonymizer).toBeUndefined();
    expect(stack.dataLake.pseudonymKey).toBeUndefined();
    const entries = Object.values(template.findResources('AWS::Lambda::Function')).map(
      (f) => f.Metadata?.['recostream:entry'],
    );
    expect(entries).not.toContain(ENTRY);
    template.resourcePropertiesCountIs(
      'AWS::SecretsManager::Secret',
      { Description: Match.stringLikeRegexp('pseudonym') },
      0,
    );
  });

  it('gives the local delivery stream no transform function', () => {
    const topology = topologyFromTemplate(template.toJSON() as CfnTemplate, {
      stackName: 'RecoStream',
      sqsEndpoint: 'http://127.0.0.1:4566',
    });
    expect([...topology.deliveryStreams.values()].map((d) => d.transformFunctionId)).toEqual([undefined]);
  });
});

describe('pseudonymizeLakeUserIds on', () => {
  // As the CLI passes it: `-c pseudonymizeLakeUserIds=true` is the string 'true'.
  const { stack, dataStack, template } = synthApp({ pseudonymizeLakeUserIds: 'true' });
  const fn = stack.dataLake.pseudonymizer;
  const secret = stack.dataLake.pseudonymKey;
  if (!fn || !secret) throw new Error('expected the pseudonymiser and its key');
  const fnId = logicalIdOf(fn);
  const secretId = logicalIdOf(secret);
  const keyArn = { 'Fn::GetAtt': [logicalIdOf(dataStack.node.findChild('DataKey')), 'Arn'] };

  it('lets the lake purge read the key, to find deleted users under their pseudonyms', () => {
    const resources = template.toJSON().Resources;
    const purgeId = logicalIdOf(stack.lakePurge.function);
    expect(resources[purgeId].Properties.Environment.Variables.PSEUDONYM_SECRET_ARN).toEqual({
      Ref: secretId,
    });
    const roleId = resources[purgeId].Properties.Role['Fn::GetAtt'][0];
    interface PolicyResource {
      Type: string;
      Properties: { Roles?: Array<{ Ref?: string }>; PolicyDocument?: { Statement: unknown[] } };
    }
    const statements = (Object.values(resources) as PolicyResource[])
      .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles?.some((x) => x.Ref === roleId))
      .flatMap((r) => r.Properties.PolicyDocument?.Statement ?? []);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
        Resource: { Ref: secretId },
      }),
    );
  });

  it('runs the Lambda processor before the JQ metadata extraction', () => {
    const processors = processorsOf(template);
    expect(processors.map((p) => p.Type)).toEqual(['Lambda', 'MetadataExtraction']);
    expect(processors[0]?.Parameters).toEqual([
      { ParameterName: 'LambdaArn', ParameterValue: { 'Fn::GetAtt': [fnId, 'Arn'] } },
      { ParameterName: 'NumberOfRetries', ParameterValue: '3' },
      { ParameterName: 'BufferSizeInMBs', ParameterValue: '1' },
      { ParameterName: 'BufferIntervalInSeconds', ParameterValue: '60' },
    ]);
  });

  it('generates a retained, customer-key-encrypted secret and hands only its ARN to the function', () => {
    template.hasResource('AWS::SecretsManager::Secret', {
      DeletionPolicy: 'Retain',
      Properties: {
        KmsKeyId: keyArn,
        GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true, IncludeSpace: false },
      },
    });
    const props = template.toJSON().Resources[fnId].Properties;
    expect(props.Environment.Variables.PSEUDONYM_SECRET_ARN).toEqual({ Ref: secretId });
    expect(props.Environment.Variables.PSEUDONYM_KEY).toBeUndefined();
    expect(props.Timeout).toBe(60);
  });

  it('lets Firehose invoke exactly that function (no version wildcard)', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalIdOf(stack.dataLake.deliveryRole) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: ['lambda:GetFunctionConfiguration', 'lambda:InvokeFunction'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [fnId, 'Arn'] },
          },
        ]),
      },
    });
  });

  it('lets the function read the secret', () => {
    const role = fn.role;
    if (!role) throw new Error('function without a role');
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalIdOf(role) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
            Resource: { Ref: secretId },
          }),
        ]),
      },
    });
  });

  it('lets the function decrypt the secret with the data key, only through Secrets Manager', () => {
    const role = fn.role;
    if (!role) throw new Error('function without a role');
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalIdOf(role) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'kms:Decrypt',
            Resource: keyArn,
            Condition: {
              StringEquals: {
                'kms:ViaService': {
                  'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']],
                },
              },
            },
          }),
        ]),
      },
    });
  });

  it('grants that decrypt on the role, not in the key policy (the key is in the data stack: no cycle)', () => {
    const roleArn = JSON.stringify({ 'Fn::GetAtt': [logicalIdOf(fn.role as never), 'Arn'] });
    const key = template.toJSON().Resources[keyArn['Fn::GetAtt'][0] as string];
    const naming = (key.Properties.KeyPolicy.Statement as Array<Record<string, unknown>>).filter((st) =>
      JSON.stringify(st.Principal).includes(roleArn),
    );
    expect(naming).toEqual([]);
  });

  it('tells the local delivery loop which function transforms its records', () => {
    const topology = topologyFromTemplate(template.toJSON() as CfnTemplate, {
      stackName: 'RecoStream',
      sqsEndpoint: 'http://127.0.0.1:4566',
    });
    expect([...topology.deliveryStreams.values()].map((d) => d.transformFunctionId)).toEqual([fnId]);
    expect(topology.functions.get(fnId)?.entry).toBe(ENTRY);
  });
});

/**
 * The intrinsic functions CDK emits, resolved to local names: every resource's local name is its logical id,
 * queues are on the local SQS endpoint, ARNs are in the one local account, and anything the local
 * runtime does not understand fails loudly instead of becoming a wrong name.
 */
import {
  type CfnResource,
  IntrinsicResolver,
  type Json,
} from '../../../../local/topology/intrinsic-resolver';

const resources: Record<string, CfnResource> = {
  Events: { Type: 'AWS::Kinesis::Stream' },
  Dlq: { Type: 'AWS::SQS::Queue' },
  Lake: { Type: 'AWS::S3::Bucket' },
  Consumer: { Type: 'AWS::Lambda::Function' },
  Role: { Type: 'AWS::IAM::Role' },
  Alarms: { Type: 'AWS::SNS::Topic' },
};
const resolver = new IntrinsicResolver(resources, {
  stackName: 'Reco',
  sqsEndpoint: 'http://127.0.0.1:4566',
});

it('resolves Ref, GetAtt, Join, Select and Split to local names and ARNs', () => {
  expect(resolver.resolve({ Ref: 'Events' })).toBe('Events');
  expect(resolver.resolve({ Ref: 'Dlq' })).toBe('http://127.0.0.1:4566/000000000000/Dlq');
  expect(resolver.resolve({ Ref: 'AWS::StackName' })).toBe('Reco');
  expect(resolver.resolve({ 'Fn::GetAtt': ['Events', 'Arn'] })).toBe(
    'arn:aws:kinesis:us-east-1:000000000000:stream/Events',
  );
  // Buckets are named in lower case, as S3 (and the local S3 endpoint) requires.
  expect(resolver.resolve({ 'Fn::GetAtt': 'Lake.Arn' })).toBe('arn:aws:s3:::lake');
  expect(resolver.resolve({ 'Fn::Join': ['/', [{ Ref: 'Lake' }, 'events']] })).toBe('lake/events');
  expect(resolver.resolve({ 'Fn::Select': [1, { 'Fn::Split': [':', 'a:b:c'] }] })).toBe('b');
});

it("resolves a topic's Ref to its ARN, as CloudFormation does, and its TopicArn and TopicName", () => {
  const arn = 'arn:aws:sns:us-east-1:000000000000:Alarms';
  expect(resolver.resolve({ Ref: 'Alarms' })).toBe(arn);
  expect(resolver.resolve({ 'Fn::GetAtt': ['Alarms', 'TopicArn'] })).toBe(arn);
  expect(resolver.resolve({ 'Fn::GetAtt': ['Alarms', 'TopicName'] })).toBe('Alarms');
});

it('finds the one function an integration URI points at, and the type a reference names', () => {
  const uri: Json = {
    'Fn::Join': [
      '',
      ['arn:aws:apigateway:', { Ref: 'AWS::Region' }, ':lambda:path/', { 'Fn::GetAtt': ['Consumer', 'Arn'] }],
    ],
  };
  expect(resolver.findReferencedFunction(uri)).toBe('Consumer');
  expect(resolver.referencedLogicalId({ Ref: 'Dlq' }, 'AWS::SQS::Queue')).toBe('Dlq');
  expect(resolver.logicalIdOfType({ Ref: 'Dlq' }, 'AWS::S3::Bucket')).toBeUndefined();
  expect(() => resolver.referencedLogicalId({ Ref: 'Dlq' }, 'AWS::S3::Bucket')).toThrow(
    /Expected a reference to a AWS::S3::Bucket/,
  );
});

it('refuses what it cannot resolve', () => {
  expect(() => resolver.resolve({ 'Fn::Sub': 'x' })).toThrow(/cannot resolve/);
  expect(() => resolver.resolve({ Ref: 'Missing' })).toThrow(/unknown resource Missing/);
  expect(() => resolver.resolve({ 'Fn::GetAtt': ['Role', 'Arn'] })).toThrow(/GetAtt Role.Arn/);
});

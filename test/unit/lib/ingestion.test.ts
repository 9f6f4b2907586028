/**
 * The ingestion path is the app's front door: these tests pin the contract that clients and the local
 * runtime rely on (five POST routes under /v1, all behind the one REQUEST authorizer, proxied to the ingest
 * function), the stream's capacity and encryption, and the least-privilege wiring of both functions.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { StreamMode } from 'aws-cdk-lib/aws-kinesis';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { INGEST_ROUTES } from '../../../lambdas/ingest/ingest-routes';
import {
  createEventStores,
  type EventStoresProps,
  Ingestion,
  type IngestionProps,
} from '../../../lib/ingestion';
import { logicalIdOf, synthApp, testApp } from './helpers';

const { stack, dataStack, template } = synthApp();
const ingestion = stack.ingestion;
const keyArn = { 'Fn::GetAtt': [logicalIdOf(dataStack.node.findChild('DataKey')), 'Arn'] };
const ingestFnArn = { 'Fn::GetAtt': [logicalIdOf(ingestion.ingestFunction), 'Arn'] };
const apiId = logicalIdOf(ingestion.api);

function ingestionAlone(props: Partial<IngestionProps>): Template {
  const alone = new Stack(testApp(), 'Alone');
  const stores = createEventStores(alone, { encryptionKey: new Key(alone, 'Key') });
  new Ingestion(alone, 'Ingestion', { quarantineBucket: new Bucket(alone, 'Lake'), ...stores, ...props });
  return Template.fromStack(alone);
}

/** The events stream and WriteKeys table alone (the data stack's `Ingestion` part). */
function eventStoresAlone(props: Partial<EventStoresProps>): Template {
  const alone = new Stack(testApp(), 'Alone');
  createEventStores(alone, { encryptionKey: new Key(alone, 'Key'), ...props });
  return Template.fromStack(alone);
}

/** Logical ID of the API Gateway resource at `/v1/<route>`. */
function resourceIdFor(route: string): string {
  const resources = template.findResources('AWS::ApiGateway::Resource');
  const find = (pathPart: string, parentId: unknown) =>
    Object.entries(resources).find(
      ([, r]) =>
        r.Properties.PathPart === pathPart &&
        JSON.stringify(r.Properties.ParentId) === JSON.stringify(parentId),
    )?.[0];
  const v1 = find('v1', { 'Fn::GetAtt': [apiId, 'RootResourceId'] });
  const id = v1 && find(route, { Ref: v1 });
  if (!id) throw new Error(`No API resource /v1/${route}`);
  return id;
}

describe('events stream', () => {
  it('is encrypted with the stack CMK', () => {
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamEncryption: { EncryptionType: 'KMS', KeyId: keyArn },
    });
  });

  it('is on-demand by default, without a shard count', () => {
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      ShardCount: Match.absent(),
    });
  });

  it('keeps records 24 hours by default', () => {
    template.hasResourceProperties('AWS::Kinesis::Stream', { RetentionPeriodHours: 24 });
  });

  it('is provisioned with the given shard count when asked', () => {
    eventStoresAlone({ streamMode: StreamMode.PROVISIONED, shardCount: 4 }).hasResourceProperties(
      'AWS::Kinesis::Stream',
      {
        StreamModeDetails: { StreamMode: 'PROVISIONED' },
        ShardCount: 4,
      },
    );
  });

  it('takes the retention from props', () => {
    eventStoresAlone({ streamRetention: Duration.hours(48) }).hasResourceProperties('AWS::Kinesis::Stream', {
      RetentionPeriodHours: 48,
    });
  });

  it('refuses a shard count for an on-demand stream', () => {
    expect(() => eventStoresAlone({ shardCount: 2 })).toThrow(
      /shardCount \(2\) is only valid with StreamMode.PROVISIONED/,
    );
  });
});

describe('WriteKeys table', () => {
  it('is keyed by keyHash, CMK-encrypted, with point-in-time recovery', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'keyHash', KeyType: 'HASH' }],
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      BillingMode: 'PAY_PER_REQUEST',
    });
  });
});

describe('ingest API', () => {
  it('has one REQUEST authorizer on the Authorization header, cached 300 s, backed by the authorizer function', () => {
    // The stack's other authorizer is the admin one of DELETE /v1/users/{userId} (lib/user-deletion.ts).
    const ingestAuthorizers = Object.values(template.findResources('AWS::ApiGateway::Authorizer')).filter(
      (a) => JSON.stringify(a.Properties.AuthorizerUri).includes(logicalIdOf(ingestion.authorizerFunction)),
    );
    expect(ingestAuthorizers).toHaveLength(1);
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: 300,
      AuthorizerUri: Match.objectLike({
        'Fn::Join': [
          '',
          Match.arrayWith([{ 'Fn::GetAtt': [logicalIdOf(ingestion.authorizerFunction), 'Arn'] }]),
        ],
      }),
    });
  });

  it.each(INGEST_ROUTES)(
    'routes POST /v1/%s through the authorizer to the ingest function (Lambda proxy)',
    (route) => {
      const authorizerId = logicalIdOf(ingestion.node.findChild('Authorizer'));
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: 'POST',
        ResourceId: { Ref: resourceIdFor(route) },
        AuthorizationType: 'CUSTOM',
        AuthorizerId: { Ref: authorizerId },
        Integration: {
          Type: 'AWS_PROXY',
          IntegrationHttpMethod: 'POST',
          Uri: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([ingestFnArn])] }),
        },
      });
    },
  );

  it('has no other methods than the ingest routes, the admin DELETE /v1/users/{userId} and PUT /v1/items', () => {
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method')).filter(
      (m) => m.Properties.RestApiId?.Ref === apiId,
    );
    expect(methods.map((m) => m.Properties.HttpMethod).sort()).toEqual(
      [...INGEST_ROUTES.map(() => 'POST'), 'DELETE', 'PUT'].sort(),
    );
  });

  it('deploys stage prod with tracing, throttling defaults and JSON access logs', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      TracingEnabled: true,
      MethodSettings: Match.arrayWith([
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: 1000,
          ThrottlingBurstLimit: 2000,
        }),
      ]),
      AccessLogSetting: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('^\\{.*"requestId".*\\}$'),
      },
    });
  });

  it('does not manage the account-level API Gateway CloudWatch role', () => {
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
  });
});

describe('ingest function', () => {
  it('gets 512 MB and the stream, bucket and prefix it writes to', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 512,
      Environment: {
        Variables: Match.objectLike({
          EVENTS_STREAM_NAME: { Ref: logicalIdOf(ingestion.stream) },
          QUARANTINE_BUCKET_NAME: { Ref: logicalIdOf(dataStack.lake.bucket) },
          QUARANTINE_PREFIX: 'quarantine/',
          MAX_EVENT_AGE_SECONDS: String(30 * 86_400),
        }),
      },
    });
  });

  it('takes the occurredAt bound from props (context maxEventAgeDays on the app) and refuses odd ones', () => {
    ingestionAlone({ maxEventAge: Duration.days(7) }).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ MAX_EVENT_AGE_SECONDS: String(7 * 86_400) }) },
    });
    synthApp({ maxEventAgeDays: '90' }).template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ MAX_EVENT_AGE_SECONDS: String(90 * 86_400) }) },
    });
    expect(() => ingestionAlone({ maxEventAge: Duration.minutes(5) })).toThrow(
      'maxEventAge must be a whole number of seconds from 1 hour to 365 days, got 300 s',
    );
  });

  it('may put records on the events stream', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalIdOf(ingestion.ingestFunction.role!) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['kinesis:PutRecords']),
            Resource: { 'Fn::GetAtt': [logicalIdOf(ingestion.stream), 'Arn'] },
          }),
        ]),
      },
    });
  });

  it('may write to the lake bucket under quarantine/ only', () => {
    const lakeArn = { 'Fn::GetAtt': [logicalIdOf(dataStack.lake.bucket), 'Arn'] };
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: logicalIdOf(ingestion.ingestFunction.role!) }] },
    });
    const s3Resources = Object.values(policies)
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((s: { Action: string | string[] }) => [s.Action].flat().some((a) => a.startsWith('s3:')))
      .flatMap((s: { Resource: unknown }) => [s.Resource].flat());
    expect(s3Resources).toEqual([{ 'Fn::Join': ['', [lakeArn, '/quarantine/*']] }]);
  });
});

describe('authorizer function', () => {
  it('gets the WriteKeys table name', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          WRITE_KEYS_TABLE_NAME: { Ref: logicalIdOf(ingestion.writeKeysTable) },
        }),
      },
    });
  });

  it('may only read the WriteKeys table', () => {
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: logicalIdOf(ingestion.authorizerFunction.role!) }] },
    });
    const dynamoActions = Object.values(policies)
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .flatMap((s: { Action: string | string[] }) => [s.Action].flat())
      .filter((a: string) => a.startsWith('dynamodb:'));
    expect(dynamoActions.filter((a: string) => /Put|Update|Delete|Write/.test(a))).toEqual([]);
  });
});

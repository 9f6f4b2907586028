/**
 * The recommendation API construct: its routes are exactly the OpenAPI document's (both ways), every method
 * needs an API key and validates its parameters, the usage plan throttles per key, and the function gets
 * read access to exactly the five tables it reads, write access to the stream and send access to its impression
 * dead-letter queue (a retained, encrypted queue of the data stack).
 */
import { spawnSync } from 'node:child_process';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Stream } from 'aws-cdk-lib/aws-kinesis';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { buildOpenApiDocument } from '../../../lambdas/recommend/openapi';
import { RecommendationApi, type RecommendationApiProps } from '../../../lib/recommendation-api';
import { logicalIdOf, synthApp, testApp } from './helpers';

const { stack, dataStack, template, dataTemplate } = synthApp();
const reco = stack.recommendationApi;
const apiId = logicalIdOf(reco.api);

/** `METHOD /path` of every method of the recommendation RestApi, rebuilt from the template's resources. */
function templateRoutes(t: Template, restApiId: string): string[] {
  const resources = t.findResources('AWS::ApiGateway::Resource');
  const pathOf = (ref: unknown): string => {
    const parent = ref as { Ref?: string; 'Fn::GetAtt'?: unknown };
    if (!parent.Ref) return '';
    const r = resources[parent.Ref];
    return `${pathOf(r?.Properties.ParentId)}/${r?.Properties.PathPart}`;
  };
  return Object.values(t.findResources('AWS::ApiGateway::Method'))
    .filter((m) => JSON.stringify(m.Properties.RestApiId) === JSON.stringify({ Ref: restApiId }))
    .map((m) => `${m.Properties.HttpMethod} ${pathOf(m.Properties.ResourceId)}`)
    .sort();
}

function documentRoutes(document: { paths: Record<string, Record<string, unknown>> }): string[] {
  return Object.entries(document.paths)
    .flatMap(([path, operations]) => Object.keys(operations).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
}

describe('OpenAPI document', () => {
  /**
   * swagger-parser 13 loads an ES-module-only dependency that jest's CommonJS runtime cannot require, so it
   * runs in a plain Node process (which can), reading the document on stdin.
   */
  function swaggerValidate(document: unknown): { status: number | null; message: string } {
    const script =
      "require('@apidevtools/swagger-parser').validate(JSON.parse(require('fs').readFileSync(0, 'utf8')))" +
      ".then(() => process.stdout.write('valid'), (e) => { process.stdout.write(e.message); process.exit(1); })";
    const run = spawnSync(process.execPath, ['-e', script], {
      input: JSON.stringify(document),
      encoding: 'utf8',
    });
    return { status: run.status, message: run.stdout };
  }

  it('is a valid OpenAPI 3.1 document', () => {
    expect(swaggerValidate(buildOpenApiDocument('https://example.com/prod'))).toEqual({
      status: 0,
      message: 'valid',
    });
  });

  it('the validator does reject a broken document', () => {
    const broken = buildOpenApiDocument() as { components: { schemas: Record<string, unknown> } };
    delete broken.components.schemas.UserRecommendations;
    expect(swaggerValidate(broken)).toEqual({
      status: 1,
      message: expect.stringContaining('UserRecommendations'),
    });
  });

  it('lists exactly the routes of the API construct, and the construct exactly the routes of the document', () => {
    const inTemplate = templateRoutes(template, apiId);
    expect(inTemplate).toEqual(documentRoutes(buildOpenApiDocument() as never));
    expect(inTemplate).toEqual([
      'GET /v1/items/trending',
      'GET /v1/items/{itemId}/similar',
      'GET /v1/openapi.json',
      'GET /v1/users/{userId}/recommendations',
    ]);
  });

  it('declares the same query parameters as the API Gateway method', () => {
    const document = buildOpenApiDocument() as {
      paths: Record<string, { get: { parameters?: Array<{ name: string; in: string; required: boolean }> } }>;
    };
    const methods = template.findResources('AWS::ApiGateway::Method', {
      Properties: { RestApiId: { Ref: apiId } },
    });
    const declared = Object.values(methods)
      .map((m) => Object.keys(m.Properties.RequestParameters ?? {}).sort())
      .sort();
    const documented = Object.values(document.paths)
      .map((p) =>
        (p.get.parameters ?? [])
          .map((q) => `method.request.${q.in === 'query' ? 'querystring' : q.in}.${q.name}`)
          .sort(),
      )
      .sort();
    expect(declared).toEqual(documented);
  });
});

describe('API Gateway', () => {
  it('requires an API key and validates parameters on every method', () => {
    const methods = Object.values(
      template.findResources('AWS::ApiGateway::Method', { Properties: { RestApiId: { Ref: apiId } } }),
    );
    expect(methods).toHaveLength(4);
    for (const method of methods) {
      expect(method.Properties.ApiKeyRequired).toBe(true);
      expect(method.Properties.RequestValidatorId).toBeDefined();
    }
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      RestApiId: { Ref: apiId },
      ValidateRequestParameters: true,
    });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      RestApiId: { Ref: apiId },
      RequestParameters: {
        'method.request.path.userId': true,
        'method.request.querystring.limit': false,
        'method.request.querystring.exclude': false,
        'method.request.querystring.excludeItems': false,
        'method.request.querystring.category': false,
        'method.request.querystring.categoryCap': false,
      },
    });
  });

  it('throttles per key with a usage plan and a daily quota', () => {
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 100, BurstLimit: 200 },
      Quota: { Limit: 1_000_000, Period: 'DAY' },
      ApiStages: [Match.objectLike({ ApiId: { Ref: apiId } })],
    });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlanKey', {
      KeyId: { Ref: logicalIdOf(reco.apiKey) },
      KeyType: 'API_KEY',
    });
  });

  it('logs access as JSON and traces the stage', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      RestApiId: { Ref: apiId },
      StageName: 'prod',
      TracingEnabled: true,
      AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
  });
});

describe('function', () => {
  const role = reco.function.role;
  if (!role) throw new Error('the function has no role');
  const fnRole = logicalIdOf(role);

  it('gets the table names and settings in its environment', () => {
    const env =
      template.findResources('AWS::Lambda::Function')[logicalIdOf(reco.function)]?.Properties.Environment
        .Variables;
    expect(env).toMatchObject({
      PROFILES_TABLE_NAME: { Ref: logicalIdOf(stack.featureStore.profilesTable) },
      ITEM_STATS_TABLE_NAME: { Ref: logicalIdOf(stack.featureStore.itemStatsTable) },
      SIMILARITIES_TABLE_NAME: { Ref: logicalIdOf(stack.batchJobs.similaritiesTable) },
      TRENDING_TABLE_NAME: { Ref: logicalIdOf(stack.batchJobs.trendingTable) },
      JOB_RUNS_TABLE_NAME: { Ref: logicalIdOf(stack.batchJobs.jobRunsTable) },
      EVENTS_STREAM_NAME: { Ref: logicalIdOf(stack.ingestion.stream) },
      IMPRESSION_DLQ_URL: { Ref: logicalIdOf(dataStack.resources.impressionDeadLetterQueue) },
      IMPRESSION_TIMEOUT_MS: '150',
      ACTIVE_VERSION_CACHE_SECONDS: '60',
      RECOMMEND_VARIANTS: '',
      RECOMMEND_RULES: '',
      RECOMMEND_EXPLORATION: JSON.stringify({ slots: 1, maxAgeDays: 30, weight: 0.05 }),
    });
  });

  it('may read the five tables and write the stream, and nothing else', () => {
    const policies = Object.values(
      template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: fnRole }] } }),
    );
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement) as Array<{
      Action: string | string[];
      Resource: unknown;
    }>;
    const actions = new Set(statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])));
    for (const forbidden of [
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:BatchWriteItem',
    ]) {
      expect(actions.has(forbidden)).toBe(false);
    }
    expect(actions.has('dynamodb:BatchGetItem')).toBe(true);
    expect(actions.has('kinesis:PutRecord')).toBe(true);
    const tableArns = statements
      .filter((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]).includes('dynamodb:GetItem'))
      .flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]))
      .filter((r) => JSON.stringify(r).includes('"Arn"'))
      .map((r) => (r as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0])
      .sort();
    expect(tableArns).toEqual(
      [
        stack.featureStore.profilesTable,
        stack.featureStore.itemStatsTable,
        stack.batchJobs.similaritiesTable,
        stack.batchJobs.trendingTable,
        stack.batchJobs.jobRunsTable,
        stack.itemCatalogue.itemsTable,
      ]
        .map((t) => logicalIdOf(t))
        .sort(),
    );
  });
});

describe('impression dead-letter queue', () => {
  const queueId = logicalIdOf(dataStack.resources.impressionDeadLetterQueue);

  it('is a queue of the data stack, encrypted with the data key, kept 14 days and retained with the stack', () => {
    dataTemplate.hasResource('AWS::SQS::Queue', {
      Properties: {
        KmsMasterKeyId: { 'Fn::GetAtt': [logicalIdOf(dataStack.resources.key), 'Arn'] },
        MessageRetentionPeriod: 14 * 24 * 3600,
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    expect(Object.keys(dataTemplate.findResources('AWS::SQS::Queue'))).toContain(queueId);
    dataTemplate.hasOutput('ImpressionDeadLetterQueueUrl', { Value: { Ref: queueId } });
  });

  it('takes messages from the recommendation function only, over SSL', () => {
    const senders = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties.PolicyDocument.Statement).includes(`"${queueId}"`),
    );
    expect(senders.map((p) => p.Properties.Roles)).toEqual([
      [{ Ref: logicalIdOf(reco.function.role ?? reco) }],
    ]);
    const statements = senders[0]?.Properties.PolicyDocument.Statement as Array<{
      Action: unknown;
      Resource: unknown;
    }>;
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
        Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
      }),
    );
    dataTemplate.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('props', () => {
  function alone(props: Partial<RecommendationApiProps>): Template {
    const s = new Stack(testApp(), 'Alone');
    const table = (id: string) =>
      new Table(s, id, { partitionKey: { name: 'pk', type: AttributeType.STRING } });
    new RecommendationApi(s, 'Reco', {
      profilesTable: table('P'),
      itemStatsTable: table('I'),
      similaritiesTable: table('S'),
      trendingTable: table('T'),
      jobRunsTable: table('J'),
      itemsTable: table('C'),
      stream: new Stream(s, 'Events'),
      impressionDeadLetterQueue: new Queue(s, 'ImpressionDlq'),
      ...props,
    });
    return Template.fromStack(s);
  }

  it('takes throttling, quota and variants as props', () => {
    const variants = {
      experiment: 'x',
      variants: [
        { name: 'a', share: 0.5 },
        { name: 'b', share: 0.5 },
      ],
    };
    const t = alone({ rateLimit: 5, burstLimit: 10, quotaPerDay: 1000, variants });
    t.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 5, BurstLimit: 10 },
      Quota: { Limit: 1000, Period: 'DAY' },
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ RECOMMEND_VARIANTS: JSON.stringify(variants) }) },
    });
  });

  it('passes the rules to the function as RECOMMEND_RULES, validated, and refuses bad rules at synthesis', () => {
    const rules = {
      filters: { promoted: { match: [{ field: 'attribute' as const, name: 'promoted', in: [true] }] } },
      promotion: { filter: 'promoted' },
    };
    alone({ rules }).hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          RECOMMEND_RULES: JSON.stringify({
            ...rules,
            promotion: { filter: 'promoted', within: 10, slots: 1 },
          }),
        }),
      },
    });
    expect(() => alone({ rules: { promotion: { filter: 'promoted' } } })).toThrow(
      /RECOMMEND_RULES is invalid: promotion.filter: unknown filter 'promoted'/,
    );
  });

  it('passes the exploration settings as RECOMMEND_EXPLORATION, with defaults, and refuses bad ones at synthesis', () => {
    alone({ exploration: { slots: 2, maxAgeDays: 7 } }).hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          RECOMMEND_EXPLORATION: JSON.stringify({ slots: 2, maxAgeDays: 7, weight: 0.05 }),
        }),
      },
    });
    expect(() => alone({ exploration: { slots: -1 } })).toThrow(/RECOMMEND_EXPLORATION is invalid: slots: /);
  });

  it('refuses invalid variants and limits at synthesis', () => {
    expect(() => alone({ variants: { experiment: 'x', variants: [{ name: 'a', share: 0.4 }] } })).toThrow(
      /shares must add up to 1/,
    );
    expect(() => alone({ burstLimit: 0 })).toThrow(/Throttling limits must be positive/);
    expect(() => alone({ quotaPerDay: 1.5 })).toThrow(/quotaPerDay must be a positive integer/);
  });
});

/**
 * The item catalogue on the real stack: the Items table (PITR, the stack key, deletion protection, retained),
 * PUT /v1/items behind its own uncached authorizer (roles admin and catalog), a writer that may only
 * UpdateItem, and the recommendation function reading the table.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { logicalIdOf, synthApp } from './helpers';

const { stack, dataStack, template } = synthApp();
const catalogue = stack.itemCatalogue;
const itemsTableId = logicalIdOf(catalogue.itemsTable);

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };
function statementsOf(fn: { role?: unknown }): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  const roleId = logicalIdOf((fn as { role: never }).role);
  return Object.values(policies)
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

it('keeps items in an encrypted, retained table with PITR and deletion protection', () => {
  template.hasResource('AWS::DynamoDB::Table', {
    DeletionPolicy: 'Retain',
    Properties: Match.objectLike({
      KeySchema: [{ AttributeName: 'itemId', KeyType: 'HASH' }],
      DeletionProtectionEnabled: true,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: Match.objectLike({
        SSEEnabled: true,
        KMSMasterKeyId: { 'Fn::GetAtt': [logicalIdOf(dataStack.node.findChild('DataKey')), 'Arn'] },
      }),
    }),
  });
  template.hasOutput('ItemsTableName', { Value: { Ref: itemsTableId } });
});

it('routes PUT /v1/items to the writer behind an uncached authorizer taking admin and catalog keys', () => {
  const methods = template.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'PUT' } });
  expect(Object.values(methods)).toHaveLength(1);
  const [method] = Object.values(methods);
  expect(method?.Properties).toMatchObject({
    AuthorizationType: 'CUSTOM',
    AuthorizerId: { Ref: logicalIdOf(catalogue.node.findChild('Authorizer')) },
  });
  expect(JSON.stringify(method?.Properties.Integration.Uri)).toContain(
    logicalIdOf(catalogue.putItemsFunction),
  );
  expect(JSON.stringify(method?.Properties.RestApiId)).toContain(logicalIdOf(stack.ingestion.api));
  template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
    Name: Match.stringLikeRegexp('ItemCatalogue'),
    AuthorizerResultTtlInSeconds: 0,
  });
  template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ ACCEPTED_ROLES: 'admin,catalog' }) },
  });
  // Catalogue keys stay off the ingest routes.
  template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: {
      Variables: Match.objectLike({
        ACCEPTED_ROLES: 'write,admin',
        WRITE_KEYS_TABLE_NAME: { Ref: logicalIdOf(stack.ingestion.writeKeysTable) },
      }),
    },
  });
});

it('lets the writer only UpdateItem on the Items table', () => {
  const dynamo = statementsOf(catalogue.putItemsFunction).filter((s) =>
    [s.Action].flat().some((a) => a.startsWith('dynamodb:')),
  );
  expect(dynamo).toEqual([
    expect.objectContaining({ Action: 'dynamodb:UpdateItem', Resource: expect.anything(), Effect: 'Allow' }),
  ]);
  expect(JSON.stringify(dynamo[0]?.Resource)).toContain(itemsTableId);
});

it('gives the recommendation function read access and the table name', () => {
  const fn = stack.recommendationApi.function;
  template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ ITEMS_TABLE_NAME: { Ref: itemsTableId } }) },
  });
  const reads = statementsOf(fn).filter((s) => JSON.stringify(s.Resource).includes(itemsTableId));
  expect(reads.flatMap((s) => [s.Action].flat())).toEqual(expect.arrayContaining(['dynamodb:BatchGetItem']));
  expect(reads.flatMap((s) => [s.Action].flat())).not.toContain('dynamodb:PutItem');
});

it('lets the writer put refused requests under quarantine/ and nowhere else outside items/', () => {
  const s3Puts = statementsOf(catalogue.putItemsFunction).filter((s) =>
    [s.Action].flat().some((a) => a.startsWith('s3:')),
  );
  const resources = s3Puts.flatMap((s) => [s.Resource].flat().map((r) => JSON.stringify(r)));
  expect(resources).toHaveLength(2);
  expect(resources.filter((r) => r.endsWith('"/quarantine/*"]]}'))).toHaveLength(1);
  expect(resources.filter((r) => r.endsWith('"/items/*"]]}'))).toHaveLength(1);
  for (const statement of s3Puts) expect([statement.Action].flat()).not.toContain('s3:GetObject');
  template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: {
      Variables: Match.objectLike({
        ITEMS_TABLE_NAME: { Ref: itemsTableId },
        QUARANTINE_BUCKET_NAME: { Ref: logicalIdOf(dataStack.lake.bucket) },
        QUARANTINE_PREFIX: 'quarantine/',
      }),
    },
  });
});

it('gives the writer and the consumer (its catalogue fill) the rules the recommendation function gets (the promoted-items row)', () => {
  const rules = {
    filters: { promoted: { match: [{ field: 'attribute', name: 'promoted', in: [true] }] } },
    promotion: { filter: 'promoted' },
  };
  const withRules = synthApp({ recommendationRules: rules });
  const envOf = (fn: { node: { defaultChild?: unknown } }) => {
    const id = logicalIdOf(fn as never);
    return withRules.template.toJSON().Resources[id].Properties.Environment.Variables;
  };
  const writerRules = envOf(withRules.stack.itemCatalogue.putItemsFunction).RECOMMEND_RULES;
  expect(JSON.parse(writerRules).promotion).toEqual({ filter: 'promoted', within: 10, slots: 1 });
  expect(writerRules).toBe(envOf(withRules.stack.recommendationApi.function).RECOMMEND_RULES);
  expect(envOf(withRules.stack.featureStore.consumerFunction).RECOMMEND_RULES).toBe(writerRules);
});

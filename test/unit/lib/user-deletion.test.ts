/** The admin DELETE method, its own uncached authorizer and the audit table, on the real stack. */
import { logicalIdOf, synthApp } from './helpers';

const { stack, template } = synthApp();
const deletion = stack.userDeletion;

it('routes DELETE /v1/users/{userId} to the delete function behind the admin authorizer', () => {
  const methods = template.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'DELETE' } });
  expect(Object.values(methods)).toHaveLength(1);
  const [method] = Object.values(methods) as Array<{
    Properties: { Integration: { Uri: unknown } } & Record<string, unknown>;
  }>;
  expect(method?.Properties).toMatchObject({
    AuthorizationType: 'CUSTOM',
    AuthorizerId: { Ref: logicalIdOf(deletion.node.findChild('AdminAuthorizer')) },
  });
  expect(JSON.stringify(method?.Properties.Integration.Uri)).toContain(
    logicalIdOf(deletion.deleteUserFunction),
  );
  template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{userId}' });
});

it('uses a separate, uncached authorizer that requires role admin', () => {
  template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
    Type: 'REQUEST',
    AuthorizerResultTtlInSeconds: 0,
    IdentitySource: 'method.request.header.Authorization',
  });
  template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: {
      Variables: {
        ACCEPTED_ROLES: 'admin',
        WRITE_KEYS_TABLE_NAME: { Ref: logicalIdOf(stack.ingestion.writeKeysTable) },
      },
    },
  });
});

it('keeps the audit in an encrypted, retained table with point-in-time recovery', () => {
  template.hasResource('AWS::DynamoDB::Table', {
    DeletionPolicy: 'Retain',
    Properties: {
      KeySchema: [{ AttributeName: 'requestId', KeyType: 'HASH' }],
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    },
  });
  template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: {
      Variables: {
        DELETION_REQUESTS_TABLE_NAME: { Ref: logicalIdOf(deletion.deletionRequestsTable) },
        PROFILES_TABLE_NAME: { Ref: logicalIdOf(stack.featureStore.profilesTable) },
      },
    },
  });
});

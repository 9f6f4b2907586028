import { Duration, Validations } from 'aws-cdk-lib';
import { AuthorizationType, LambdaIntegration, type RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { roleAuthorizer } from './private/role-authorizer';
import { RecoFunction } from './recostream-function';

export interface UserDeletionProps {
  /** The API that gets `DELETE /v1/users/{userId}` (the public ingest API). */
  readonly api: RestApi;
  /** Where admin keys live (hashed), next to the write keys, marked `role: 'admin'`. */
  readonly writeKeysTable: ITable;
  readonly profilesTable: ITable;
  /** The audit trail (`protectedTable(scope, 'DeletionRequestsTable', 'requestId', key)`, in the data stack). */
  readonly deletionRequestsTable: ITable;
}

/**
 * "Delete a user everywhere": an admin-only `DELETE /v1/users/{userId}` that deletes the profile at once
 * and records an auditable request in the DeletionRequests table; the lake purge completes it.
 *
 * Admin authentication is a separate REQUEST authorizer (the write-key authorizer's code with
 * ACCEPTED_ROLES=admin) rather than IAM auth: the local gateway enforces Lambda authorizers from the
 * template exactly as API Gateway does (it cannot verify SigV4), the admin key name is recorded as the
 * requester in the audit, and admin keys are revoked like write keys (`disabled`). Its decisions are
 * not cached, so a revoked admin key stops working at once.
 */
export class UserDeletion extends Construct {
  public readonly deletionRequestsTable: ITable;
  public readonly adminAuthorizerFunction: RecoFunction;
  public readonly deleteUserFunction: RecoFunction;

  constructor(scope: Construct, id: string, props: UserDeletionProps) {
    super(scope, id);
    this.deletionRequestsTable = props.deletionRequestsTable;

    const { function: adminAuthorizerFunction, authorizer } = roleAuthorizer(this, {
      writeKeysTable: props.writeKeysTable,
      roles: ['admin'],
      serviceName: 'admin-authorizer',
      description: 'Admin REQUEST authorizer: the key in the Authorization header must have role admin',
      functionId: 'AdminAuthorizerFunction',
      authorizerId: 'AdminAuthorizer',
    });
    this.adminAuthorizerFunction = adminAuthorizerFunction;

    this.deleteUserFunction = new RecoFunction(this, 'DeleteUserFunction', {
      entry: 'lambdas/deletion/api/handler.ts',
      description: 'DELETE /v1/users/{userId}: deletes the profile, records the deletion request',
      memorySize: 256,
      timeout: Duration.seconds(10),
    })
      .bindTable(props.profilesTable, 'PROFILES_TABLE_NAME', 'readWrite')
      .bindTable(this.deletionRequestsTable, 'DELETION_REQUESTS_TABLE_NAME', 'readWrite');

    const method = props.api.root
      .resourceForPath('v1/users/{userId}')
      .addMethod(
        'DELETE',
        new LambdaIntegration(this.deleteUserFunction, { proxy: true, allowTestInvoke: false }),
        {
          authorizer,
          authorizationType: AuthorizationType.CUSTOM,
        },
      );
    Validations.of(method).acknowledge({
      id: 'AwsSolutions-COG4',
      reason:
        'Operators call this method with an admin key checked by a Lambda REQUEST authorizer (role admin in ' +
        'the WriteKeys table), not as Cognito users.',
    });
  }
}

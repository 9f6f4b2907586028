import { Duration } from 'aws-cdk-lib';
import { IdentitySource, RequestAuthorizer } from 'aws-cdk-lib/aws-apigateway';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import type { KeyRole } from '../../lambdas/authorizer/write-keys';
import { acceptedRoles, RecoFunction } from '../recostream-function';
import { acknowledgeApiGatewayInvokePermissions } from './guard-rules';

export interface RoleAuthorizerProps {
  readonly writeKeysTable: ITable;
  /** Key roles the routes accept (the function's ACCEPTED_ROLES). */
  readonly roles: readonly KeyRole[];
  readonly serviceName: string;
  readonly description: string;
  /** Construct ids of the function and the authorizer (part of the template's logical ids). */
  readonly functionId: string;
  readonly authorizerId: string;
}

/**
 * An uncached REQUEST authorizer that lets through keys of the given roles: the write-key authorizer's
 * code with ACCEPTED_ROLES. Uncached, so a revoked key is refused at once (admin and catalogue routes).
 */
export function roleAuthorizer(
  scope: Construct,
  props: RoleAuthorizerProps,
): { readonly function: RecoFunction; readonly authorizer: RequestAuthorizer } {
  const fn = new RecoFunction(scope, props.functionId, {
    entry: 'lambdas/authorizer/handler.ts',
    serviceName: props.serviceName,
    description: props.description,
    memorySize: 256,
    timeout: Duration.seconds(5),
    environment: { ACCEPTED_ROLES: acceptedRoles(...props.roles) },
  }).bindTable(props.writeKeysTable, 'WRITE_KEYS_TABLE_NAME');
  const authorizer = new RequestAuthorizer(scope, props.authorizerId, {
    handler: fn,
    identitySources: [IdentitySource.header('Authorization')],
    resultsCacheTtl: Duration.seconds(0),
  });
  // The method's invoke permission sits under its API's construct; the authorizer's is here, for every route.
  acknowledgeApiGatewayInvokePermissions(fn);
  return { function: fn, authorizer };
}

/**
 * IAM policies returned by the REQUEST authorizer. Plain functions over strings (no AWS imports); the shapes
 * are structurally those of `APIGatewayAuthorizerResult` from @types/aws-lambda.
 */

export type PolicyEffect = 'Allow' | 'Deny';

export interface AuthorizerPolicy {
  principalId: string;
  policyDocument: {
    Version: '2012-10-17';
    Statement: Array<{ Action: 'execute-api:Invoke'; Effect: PolicyEffect; Resource: string }>;
  };
  context?: Record<string, string | number | boolean>;
}

/**
 * `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/*\/*` from a method ARN such as
 * `arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/POST/v1/events`.
 *
 * API Gateway caches the authorizer's answer per identity source (the Authorization header) and reuses it
 * for every route of the stage. A policy naming only the method that happened to come first would make the
 * cached answer deny the key's next call to another route, so the policy covers the whole stage.
 */
export function stageWildcardArn(methodArn: string): string {
  const parts = methodArn.split(':');
  const path = parts[5];
  if (parts.length !== 6 || parts[0] !== 'arn' || parts[2] !== 'execute-api' || path === undefined) {
    throw new Error(`not an execute-api method ARN: "${methodArn}"`);
  }
  const [apiId, stage] = path.split('/');
  if (!apiId || !stage) throw new Error(`method ARN has no API id or stage: "${methodArn}"`);
  return `${parts.slice(0, 5).join(':')}:${apiId}/${stage}/*/*`;
}

export function buildPolicy(
  principalId: string,
  effect: PolicyEffect,
  methodArn: string,
  context?: Record<string, string | number | boolean>,
): AuthorizerPolicy {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: stageWildcardArn(methodArn) }],
    },
    ...(context ? { context } : {}),
  };
}

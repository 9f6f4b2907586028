/**
 * The one account the local runtime plays: a region, an account id and credentials that the emulators
 * ignore (the SDK only needs some). Every local ARN, client and function environment uses these.
 */
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/** `arn:aws:<service>:<region>:<account>:<resource>` in the local account (S3 ARNs have neither). */
export function localArn(service: string, resource: string): string {
  return `arn:aws:${service}:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${resource}`;
}

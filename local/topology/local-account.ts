/**
 * The one account the local runtime plays: a region, an account id and credentials that the emulators
 * ignore (the SDK only needs some). Every local ARN, client and function environment uses these.
 */
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/**
 * The URL of a queue on the local SQS endpoint, `<endpoint>/<account>/<name>`, as SQS shapes it (moto finds a
 * queue by the name alone, so the same URL serves on moto).
 */
export function localQueueUrl(sqsEndpoint: string, name: string): string {
  return `${sqsEndpoint}/${LOCAL_ACCOUNT}/${name}`;
}

/** `arn:aws:<service>:<region>:<account>:<resource>` in the local account (S3 ARNs have neither). */
export function localArn(service: string, resource: string): string {
  return `arn:aws:${service}:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${resource}`;
}

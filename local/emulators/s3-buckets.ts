/**
 * The S3 side of local provisioning: an SDK client for the local S3 endpoint (the same one the functions
 * get as AWS_ENDPOINT_URL_S3) and the topology's buckets created through it, as CloudFormation creates them.
 */
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { LOCAL_CREDENTIALS, LOCAL_REGION, type LocalTopology } from '../topology';

/** Path-style requests: the endpoint is an address on loopback, not a host with bucket subdomains. */
export function localS3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    forcePathStyle: true,
    requestHandler: new NodeHttpHandler({}),
  });
}

/** Creates every bucket of the topology that does not exist yet. */
export async function provisionBuckets(
  topology: Pick<LocalTopology, 'buckets'>,
  s3: S3Client,
): Promise<void> {
  for (const bucket of topology.buckets.values()) {
    const exists = await s3.send(new HeadBucketCommand({ Bucket: bucket.name })).then(
      () => true,
      () => false,
    );
    if (!exists) await s3.send(new CreateBucketCommand({ Bucket: bucket.name }));
  }
}

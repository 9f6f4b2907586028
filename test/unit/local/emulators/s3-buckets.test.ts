/**
 * The S3 side of local provisioning (local/emulators/s3-buckets.ts): the client speaks path-style to the
 * loopback endpoint with the local region and credentials, and only the topology's buckets that do not exist
 * yet are created, as a restart finds the earlier ones. Over aws-sdk-client-mock: the endpoint's own
 * behaviour is s3-directory.test.ts's.
 */
import { CreateBucketCommand, HeadBucketCommand, NotFound, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { localS3Client, provisionBuckets } from '../../../../local/emulators/s3-buckets';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../../local/topology/local-account';

const s3 = mockClient(S3Client);
beforeEach(() => s3.reset());

it('creates the buckets that do not exist and leaves the others', async () => {
  s3.on(HeadBucketCommand, { Bucket: 'lakebucket' })
    .resolves({})
    .on(HeadBucketCommand, { Bucket: 'failedbatches' })
    .rejects(new NotFound({ message: 'Not Found', $metadata: {} }));
  s3.on(CreateBucketCommand).resolves({});
  const buckets = new Map([
    ['LakeBucket', { logicalId: 'LakeBucket', name: 'lakebucket' }],
    ['FailedBatches', { logicalId: 'FailedBatches', name: 'failedbatches' }],
  ]);
  await provisionBuckets({ buckets }, new S3Client({}));
  expect(s3.commandCalls(CreateBucketCommand).map((call) => call.args[0].input)).toEqual([
    { Bucket: 'failedbatches' },
  ]);
});

it('makes a path-style client for the endpoint with the local region and credentials', async () => {
  const client = localS3Client('http://127.0.0.1:4569');
  expect(client.config.forcePathStyle).toBe(true);
  expect(await client.config.region()).toBe(LOCAL_REGION);
  expect(await client.config.credentials()).toMatchObject(LOCAL_CREDENTIALS);
  const endpoint = await client.config.endpoint?.();
  expect(endpoint).toMatchObject({ hostname: '127.0.0.1', port: 4569, protocol: 'http:' });
});

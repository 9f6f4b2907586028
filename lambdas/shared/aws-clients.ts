/**
 * AWS SDK clients, created once per Lambda container (module scope) and shared by the adapters.
 * Every client honours AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>, which is how the local
 * runtime (or LocalStack/moto) points the same handler code at emulators.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';

// The Kinesis client defaults to an HTTP/2 handler that only SubscribeToShard needs; it fails
// against plain-HTTP emulators, and HTTP/1.1 keep-alive is what PutRecords wants anyway.
const httpHandler = () => new NodeHttpHandler({ connectionTimeout: 2000, requestTimeout: 10000 });

let kinesis: KinesisClient | undefined;
let retryingKinesis: KinesisClient | undefined;
let dynamo: DynamoDBDocumentClient | undefined;
let s3: S3Client | undefined;
let sqs: SQSClient | undefined;

export function kinesisClient(): KinesisClient {
  kinesis ??= new KinesisClient({ requestHandler: httpHandler(), maxAttempts: 1 });
  return kinesis;
}

/**
 * Kinesis with the SDK's standard retries (3 attempts: throttling, timeouts, 5xx) and a 3 s request timeout,
 * for puts nobody waits for to the end (the recommendation API's impressions, lambdas/recommend).
 */
export function retryingKinesisClient(): KinesisClient {
  retryingKinesis ??= new KinesisClient({
    requestHandler: new NodeHttpHandler({ connectionTimeout: 2000, requestTimeout: 3000 }),
    maxAttempts: 3,
  });
  return retryingKinesis;
}

/** Document client: plain JS objects in and out, undefined values dropped. */
export function dynamoDocumentClient(): DynamoDBDocumentClient {
  dynamo ??= DynamoDBDocumentClient.from(new DynamoDBClient({ requestHandler: httpHandler() }), {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });
  return dynamo;
}

export function s3Client(): S3Client {
  s3 ??= new S3Client({ requestHandler: httpHandler() });
  return s3;
}

export function sqsClient(): SQSClient {
  sqs ??= new SQSClient({ requestHandler: httpHandler() });
  return sqs;
}

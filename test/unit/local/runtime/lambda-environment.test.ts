/** What every local function gets besides its template environment: the emulators' endpoints, never the shell's AWS_*. */
import { lambdaEnvironment } from '../../../../local/runtime/lambda-environment';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../../local/topology';

const endpoints = {
  kinesis: 'http://127.0.0.1:1001',
  dynamodb: 'http://127.0.0.1:1002',
  s3: 'http://127.0.0.1:1003',
  sqs: 'http://127.0.0.1:1004',
};

it("points each SDK client at its emulator, with the local region and credentials, whatever the shell's AWS settings", () => {
  const saved = { ...process.env };
  process.env.AWS_PROFILE = 'production';
  process.env.AWS_ENDPOINT_URL = 'https://example.invalid';
  process.env.RECOSTREAM_SOMETHING = 'kept';
  try {
    const env = lambdaEnvironment(endpoints);
    expect(env).toMatchObject({
      AWS_REGION: LOCAL_REGION,
      AWS_DEFAULT_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_KINESIS: endpoints.kinesis,
      AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
      AWS_ENDPOINT_URL_S3: endpoints.s3,
      AWS_ENDPOINT_URL_SQS: endpoints.sqs,
      POWERTOOLS_METRICS_DISABLED: 'true',
      RECOSTREAM_SOMETHING: 'kept',
    });
    // A shell's profile or global endpoint must never send a local function to a real account.
    expect(env.AWS_PROFILE).toBeUndefined();
    expect(env.AWS_ENDPOINT_URL).toBeUndefined();
  } finally {
    process.env = saved;
  }
});

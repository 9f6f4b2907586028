/**
 * SDK clients for the local emulators, as the runtime and the CLI commands make them: the local region and
 * credentials, and plain HTTP (the SDK's default HTTP/2 handler fails against the emulators; LOCAL-NOTES).
 * A command gets timeouts (a runtime that is gone should fail it in seconds); the runtime's own clients
 * wait as long as their callers do.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../topology';

export interface LocalClientOptions {
  /** Fail a connection or a call that takes longer. @default no limit */
  readonly timeouts?: { readonly connectionMs: number; readonly requestMs: number };
}

/** The timeouts of the CLI commands' clients. */
export const COMMAND_TIMEOUTS = { connectionMs: 2000, requestMs: 10_000 } as const;

function clientConfig(endpoint: string, options: LocalClientOptions) {
  const { timeouts } = options;
  return {
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    requestHandler: new NodeHttpHandler(
      timeouts ? { connectionTimeout: timeouts.connectionMs, requestTimeout: timeouts.requestMs } : {},
    ),
  };
}

export function localKinesisClient(endpoint: string, options: LocalClientOptions = {}): KinesisClient {
  return new KinesisClient(clientConfig(endpoint, options));
}

export function localDynamoClient(endpoint: string, options: LocalClientOptions = {}): DynamoDBClient {
  return new DynamoDBClient(clientConfig(endpoint, options));
}

/** Secrets Manager on moto (the moto emulators; the default set has no Secrets Manager). */
export function localSecretsClient(endpoint: string, options: LocalClientOptions = {}): SecretsManagerClient {
  return new SecretsManagerClient(clientConfig(endpoint, options));
}

/** SQS on the local endpoint (sqs-directory.ts) or on moto: the dead-letter queues. */
export function localSqsClient(endpoint: string, options: LocalClientOptions = {}): SQSClient {
  return new SQSClient(clientConfig(endpoint, options));
}

/** SNS on the local endpoint (sns-directory.ts) or on moto: the alarm topic. */
export function localSnsClient(endpoint: string, options: LocalClientOptions = {}): SNSClient {
  return new SNSClient(clientConfig(endpoint, options));
}

/** A document client (undefined attributes left out, as the functions' own clients do) on a local DynamoDB. */
export function localDocumentClient(
  endpoint: string,
  options: LocalClientOptions = {},
): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(localDynamoClient(endpoint, options), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

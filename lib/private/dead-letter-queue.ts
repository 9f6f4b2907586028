/**
 * A dead-letter queue of the app: encrypted with the data key, SSL only, messages kept 14 days (SQS's
 * maximum) and the queue retained when its stack is deleted, since it may hold the only copy of what it
 * keeps. It is the end of the line, inspected and replayed by an operator, so it has no redrive of its own:
 * the nag and guard rules that ask for one are acknowledged with `reason`.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledgeGuardRule } from './guard-rules';

export function createDeadLetterQueue(
  scope: Construct,
  id: string,
  props: { readonly encryptionKey: IKey; readonly reason: string },
): Queue {
  const queue = new Queue(scope, id, {
    encryption: QueueEncryption.KMS,
    encryptionMasterKey: props.encryptionKey,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    removalPolicy: RemovalPolicy.RETAIN,
  });
  Validations.of(queue).acknowledge(
    { id: 'AwsSolutions-SQS3', reason: props.reason },
    { id: 'Serverless-SQSRedrivePolicy', reason: props.reason },
  );
  acknowledgeGuardRule(queue, 'sqs_dlq_check', props.reason);
  return queue;
}

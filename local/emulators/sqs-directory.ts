/**
 * The default local stand-in for SQS: an SQS endpoint on loopback (the AWS JSON 1.0 protocol the SDK v3
 * client speaks) over one JSON-lines file per queue (sqs-directory-store.ts), so the functions and the
 * runtime send and read dead letters through `@aws-sdk/client-sqs` (AWS_ENDPOINT_URL_SQS) while the queues
 * stay files under `<dataDir>/queues/` that survive a restart.
 *
 * Why not an emulator from npm (README, "Local emulators"): `fauxqs` needs Node >= 22.5 (the project runs on
 * Node 20) and keeps queues in memory; `local-aws-sqs` decodes the older query protocol. moto serves SQS in
 * the moto mode.
 *
 * Served: CreateQueue, GetQueueUrl, SendMessage, SendMessageBatch, ReceiveMessage (no long polling:
 * WaitTimeSeconds answers at once), DeleteMessage, DeleteMessageBatch, GetQueueAttributes
 * (ApproximateNumberOfMessages, ApproximateNumberOfMessagesNotVisible, QueueArn), PurgeQueue. Anything else,
 * and message attributes, delays and FIFO fields, answers UnsupportedOperation. Signatures are not checked.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { localArn, localQueueUrl } from '../topology';
import type { RunningEmulator } from './emulator';
import { listenOnLoopback } from './loopback-server';
import { DirectoryQueueStore, SqsFailure } from './sqs-directory-store';

export interface SqsDirectoryEmulator extends RunningEmulator {
  readonly store: DirectoryQueueStore;
}

/** SQS's largest message (and batch), 1 MiB since August 2025. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
/** The visibility timeout of a queue created without one, as in SQS. */
const DEFAULT_VISIBILITY_TIMEOUT_SECONDS = 30;
/** The characters SQS accepts in a message body. */
const INVALID_BODY_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

type Input = Record<string, unknown>;

export async function startSqsDirectory(options: {
  rootDir: string;
  port?: number;
  /** The queues' clock (visibility timeouts, SentTimestamp). @default Date.now */
  now?: () => number;
}): Promise<SqsDirectoryEmulator> {
  const store = new DirectoryQueueStore(options.rootDir, options.now);
  let endpoint = '';
  const server = createServer((req, res) => {
    serve(store, () => endpoint, req, res).catch((error: unknown) => {
      const failure =
        error instanceof SqsFailure
          ? error
          : new SqsFailure(500, 'InternalError', error instanceof Error ? error.message : String(error));
      sendError(res, failure);
    });
  });
  const listening = await listenOnLoopback(server, options.port);
  endpoint = listening.endpoint;
  return { ...listening, store };
}

async function serve(
  store: DirectoryQueueStore,
  endpoint: () => string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const target = String(req.headers['x-amz-target'] ?? '');
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (req.method !== 'POST' || !target.startsWith('AmazonSQS.'))
    throw unsupported(
      `${req.method} ${req.url} without an AmazonSQS target (only the JSON protocol is served)`,
    );
  let input: Input;
  try {
    input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Input;
  } catch {
    throw new SqsFailure(400, 'InvalidParameterValue', 'the request body is not JSON');
  }
  const action = target.slice('AmazonSQS.'.length);
  const output = await dispatch(store, endpoint(), action, input);
  res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
  res.end(JSON.stringify(output));
}

async function dispatch(store: DirectoryQueueStore, endpoint: string, action: string, input: Input) {
  switch (action) {
    case 'CreateQueue': {
      const name = requireString(input, 'QueueName');
      if (name.endsWith('.fifo')) throw unsupported('FIFO queues');
      await store.createQueue(name);
      return { QueueUrl: localQueueUrl(endpoint, name) };
    }
    case 'GetQueueUrl': {
      const name = requireString(input, 'QueueName');
      await store.assertExists(name);
      return { QueueUrl: localQueueUrl(endpoint, name) };
    }
    case 'SendMessage': {
      const body = checkedBody(input);
      const [sent] = await store.send(queueName(input), [body]);
      return { MessageId: sent?.messageId, MD5OfMessageBody: sent?.md5 };
    }
    case 'SendMessageBatch':
      return sendBatch(store, queueName(input), input);
    case 'ReceiveMessage':
      return receive(store, queueName(input), input);
    case 'DeleteMessage': {
      const [failure] = await store.delete(queueName(input), [requireString(input, 'ReceiptHandle')]);
      if (failure) throw failure;
      return {};
    }
    case 'DeleteMessageBatch':
      return deleteBatch(store, queueName(input), input);
    case 'GetQueueAttributes':
      return attributes(store, queueName(input), input);
    case 'PurgeQueue':
      await store.purge(queueName(input));
      return {};
    default:
      throw unsupported(action);
  }
}

async function sendBatch(store: DirectoryQueueStore, name: string, input: Input) {
  const entries = batchEntries(input);
  const valid: Array<{ id: string; body: string }> = [];
  const failed: Array<{ Id: string; SenderFault: boolean; Code: string; Message: string }> = [];
  for (const entry of entries) {
    try {
      valid.push({ id: entry.Id, body: checkedBody(entry) });
    } catch (error) {
      if (!(error instanceof SqsFailure) || error.code === 'UnsupportedOperation') throw error;
      failed.push({ Id: entry.Id, SenderFault: true, Code: error.code, Message: error.message });
    }
  }
  const total = valid.reduce((sum, e) => sum + Buffer.byteLength(e.body, 'utf8'), 0);
  if (total > MAX_MESSAGE_BYTES)
    throw new SqsFailure(
      400,
      'BatchRequestTooLong',
      `the batch's messages add up to ${total} bytes, more than ${MAX_MESSAGE_BYTES}`,
      'AWS.SimpleQueueService.BatchRequestTooLong',
    );
  const sent = await store.send(
    name,
    valid.map((e) => e.body),
  );
  return {
    Successful: valid.map((e, i) => ({
      Id: e.id,
      MessageId: sent[i]?.messageId,
      MD5OfMessageBody: sent[i]?.md5,
    })),
    Failed: failed,
  };
}

async function receive(store: DirectoryQueueStore, name: string, input: Input) {
  const max = optionalNumber(input, 'MaxNumberOfMessages') ?? 1;
  if (!Number.isInteger(max) || max < 1 || max > 10)
    throw new SqsFailure(400, 'InvalidParameterValue', `MaxNumberOfMessages must be 1 to 10, got ${max}`);
  const visibility = optionalNumber(input, 'VisibilityTimeout') ?? DEFAULT_VISIBILITY_TIMEOUT_SECONDS;
  if (!Number.isInteger(visibility) || visibility < 0 || visibility > 43_200)
    throw new SqsFailure(
      400,
      'InvalidParameterValue',
      `VisibilityTimeout must be 0 to 43200 seconds, got ${visibility}`,
    );
  const wanted = new Set([
    ...stringList(input.AttributeNames),
    ...stringList(input.MessageSystemAttributeNames),
  ]);
  const all = wanted.has('All');
  const messages = await store.receive(name, max, visibility);
  return {
    Messages: messages.map((m) => {
      const attributes: Record<string, string> = {};
      if (all || wanted.has('SentTimestamp')) attributes.SentTimestamp = String(m.sentTimestamp);
      if (all || wanted.has('ApproximateReceiveCount'))
        attributes.ApproximateReceiveCount = String(m.receiveCount);
      return {
        MessageId: m.messageId,
        ReceiptHandle: m.receiptHandle,
        MD5OfBody: m.md5OfBody,
        Body: m.body,
        ...(Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}),
      };
    }),
  };
}

async function deleteBatch(store: DirectoryQueueStore, name: string, input: Input) {
  const entries = batchEntries(input);
  const handles = entries.map((e) => requireString(e, 'ReceiptHandle'));
  const results = await store.delete(name, handles);
  return {
    Successful: entries.filter((_, i) => !results[i]).map((e) => ({ Id: e.Id })),
    Failed: entries.flatMap((e, i) => {
      const failure = results[i];
      return failure ? [{ Id: e.Id, SenderFault: true, Code: failure.code, Message: failure.message }] : [];
    }),
  };
}

async function attributes(store: DirectoryQueueStore, name: string, input: Input) {
  const wanted = new Set(stringList(input.AttributeNames));
  const all = wanted.has('All');
  const { visible, inFlight } = await store.counts(name);
  const served: Record<string, string> = {
    ApproximateNumberOfMessages: String(visible),
    ApproximateNumberOfMessagesNotVisible: String(inFlight),
    QueueArn: localArn('sqs', name),
  };
  const unserved = [...wanted].filter((n) => n !== 'All' && !(n in served));
  if (unserved.length > 0) throw unsupported(`the queue attribute(s) ${unserved.join(', ')}`);
  return { Attributes: Object.fromEntries(Object.entries(served).filter(([n]) => all || wanted.has(n))) };
}

/** The queue a request names: the last segment of its QueueUrl (the account is ignored, as moto does). */
function queueName(input: Input): string {
  const url = requireString(input, 'QueueUrl');
  return url.replace(/\/+$/, '').split('/').pop() ?? '';
}

function batchEntries(input: Input): Array<Input & { Id: string }> {
  const entries = Array.isArray(input.Entries) ? (input.Entries as Input[]) : [];
  if (entries.length === 0)
    throw new SqsFailure(
      400,
      'EmptyBatchRequest',
      'the batch request has no entries',
      'AWS.SimpleQueueService.EmptyBatchRequest',
    );
  if (entries.length > 10)
    throw new SqsFailure(
      400,
      'TooManyEntriesInBatchRequest',
      `a batch takes at most 10 entries, got ${entries.length}`,
      'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
    );
  const ids = entries.map((e) => requireString(e, 'Id'));
  if (new Set(ids).size !== ids.length)
    throw new SqsFailure(
      400,
      'BatchEntryIdsNotDistinct',
      'two entries of the batch have the same Id',
      'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
    );
  return entries.map((e, i) => ({ ...e, Id: ids[i] as string }));
}

function checkedBody(input: Input): string {
  for (const field of ['MessageAttributes', 'MessageSystemAttributes', 'MessageGroupId'])
    if (input[field] !== undefined) throw unsupported(field);
  if ((optionalNumber(input, 'DelaySeconds') ?? 0) !== 0) throw unsupported('DelaySeconds');
  const body = requireString(input, 'MessageBody');
  if (body === '') throw new SqsFailure(400, 'InvalidParameterValue', 'the message body is empty');
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > MAX_MESSAGE_BYTES)
    throw new SqsFailure(
      400,
      'InvalidParameterValue',
      `the message body is ${bytes} bytes, more than ${MAX_MESSAGE_BYTES}`,
    );
  if (INVALID_BODY_CHARACTER.test(body))
    throw new SqsFailure(
      400,
      'InvalidMessageContents',
      'the message body contains characters outside those SQS allows',
    );
  return body;
}

function requireString(input: Input, field: string): string {
  const value = input[field];
  if (typeof value !== 'string')
    throw new SqsFailure(400, 'MissingParameter', `the request must contain the parameter ${field}`);
  return value;
}

function optionalNumber(input: Input, field: string): number | undefined {
  const value = input[field];
  return value === undefined ? undefined : Number(value);
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function unsupported(what: string): SqsFailure {
  return new SqsFailure(400, 'UnsupportedOperation', `the local SQS stand-in does not serve ${what}`);
}

function sendError(res: ServerResponse, failure: SqsFailure): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(failure.status, {
    'content-type': 'application/x-amz-json-1.0',
    'x-amzn-query-error': `${failure.queryCode};${failure.status >= 500 ? 'Receiver' : 'Sender'}`,
  });
  res.end(JSON.stringify({ __type: `com.amazonaws.sqs#${failure.code}`, message: failure.message }));
}

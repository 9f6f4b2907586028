/**
 * The default local stand-in for SNS: an SNS endpoint on loopback (the AWS query protocol the SDK v3 client
 * speaks: form-encoded requests, XML answers) over one JSON-lines file per topic (sns-directory-store.ts), so
 * the local Step Functions stand-in publishes its failure notifications through `@aws-sdk/client-sns` while
 * the topics stay files under `<dataDir>/topics/` that survive a restart. moto serves SNS in the moto mode.
 *
 * Served: CreateTopic (a name only), Publish (TopicArn, Message, Subject, with SNS's limits), ListTopics,
 * GetTopicAttributes (TopicArn, DisplayName, Owner, SubscriptionsConfirmed). Anything else, topic attributes,
 * tags, FIFO topics and message attributes answer NotImplemented, naming what. Signatures are not checked.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { LOCAL_ACCOUNT } from '../topology';
import type { RunningEmulator } from './emulator';
import { listenOnLoopback } from './loopback-server';
import { DirectoryTopicStore, SnsFailure } from './sns-directory-store';

export interface SnsDirectoryEmulator extends RunningEmulator {
  readonly store: DirectoryTopicStore;
}

/** SNS's largest message, 256 KiB. */
export const MAX_SNS_MESSAGE_BYTES = 256 * 1024;
/** What SNS accepts as a Subject: printable ASCII, no line breaks, at most 100 characters. */
const SUBJECT = /^[\x20-\x7E]{1,100}$/;
const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
/** The Publish parameters the stand-in serves; any other one is refused rather than ignored. */
const PUBLISH_PARAMETERS = new Set(['Action', 'Version', 'TopicArn', 'Message', 'Subject']);

export async function startSnsDirectory(options: {
  rootDir: string;
  port?: number;
  /** The clock of the notifications' Timestamp. @default Date.now */
  now?: () => number;
}): Promise<SnsDirectoryEmulator> {
  const store = new DirectoryTopicStore(options.rootDir, options.now);
  const server = createServer((req, res) => {
    serve(store, req, res).catch((error: unknown) => {
      const failure =
        error instanceof SnsFailure
          ? error
          : new SnsFailure(500, 'InternalFailure', error instanceof Error ? error.message : String(error));
      sendError(res, failure);
    });
  });
  return { ...(await listenOnLoopback(server, options.port)), store };
}

async function serve(store: DirectoryTopicStore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const contentType = String(req.headers['content-type'] ?? '');
  if (req.method !== 'POST' || !contentType.startsWith('application/x-www-form-urlencoded'))
    throw notImplemented(
      `${req.method} ${req.url} (${contentType || 'no content type'}): only the query protocol`,
    );
  const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  const action = params.get('Action') ?? '';
  const result = await dispatch(store, action, params);
  res.writeHead(200, { 'content-type': 'text/xml' });
  res.end(
    `<${action}Response xmlns="${XMLNS}"><${action}Result>${result}</${action}Result>` +
      `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`,
  );
}

/** The inner XML of the action's Result element. */
async function dispatch(store: DirectoryTopicStore, action: string, params: URLSearchParams) {
  switch (action) {
    case 'CreateTopic': {
      const extra = [...params.keys()].find((k) => !['Action', 'Version', 'Name'].includes(k));
      if (extra) throw notImplemented(`CreateTopic with ${extra} (topic attributes, tags, data protection)`);
      const name = required(params, 'Name');
      if (name.endsWith('.fifo')) throw notImplemented('FIFO topics');
      return element('TopicArn', await store.createTopic(name));
    }
    case 'Publish': {
      const extra = [...params.keys()].find((k) => !PUBLISH_PARAMETERS.has(k));
      if (extra) throw notImplemented(`Publish with ${extra}`);
      const name = topicName(required(params, 'TopicArn'));
      const message = checkedMessage(params.get('Message'));
      const subject = params.get('Subject') ?? undefined;
      if (subject !== undefined && !SUBJECT.test(subject))
        throw new SnsFailure(
          400,
          'InvalidParameter',
          'Invalid parameter: Subject must be 1-100 printable ASCII characters without line breaks',
        );
      return element('MessageId', await store.publish(name, { subject, message }));
    }
    case 'ListTopics': {
      // One page: the app has a handful of topics (SNS pages by 100).
      const members = (await store.topicArns()).map((arn) => `<member>${element('TopicArn', arn)}</member>`);
      return `<Topics>${members.join('')}</Topics>`;
    }
    case 'GetTopicAttributes': {
      const arn = required(params, 'TopicArn');
      await store.assertExists(topicName(arn));
      const attributes = {
        TopicArn: arn,
        DisplayName: '',
        Owner: LOCAL_ACCOUNT,
        SubscriptionsConfirmed: '0',
      };
      const entries = Object.entries(attributes).map(
        ([key, value]) => `<entry>${element('key', key)}${element('value', value)}</entry>`,
      );
      return `<Attributes>${entries.join('')}</Attributes>`;
    }
    default:
      throw notImplemented(action || 'a request without an Action');
  }
}

/** The topic an ARN names: its last segment (the account and region are not checked, as moto does not). */
function topicName(arn: string): string {
  const parts = arn.split(':');
  if (parts.length !== 6 || parts[0] !== 'arn' || parts[2] !== 'sns')
    throw new SnsFailure(
      400,
      'InvalidParameter',
      `Invalid parameter: TopicArn '${arn}' is not an SNS topic ARN`,
    );
  return parts[5] as string;
}

function checkedMessage(message: string | null): string {
  if (message === null || message === '')
    throw new SnsFailure(400, 'InvalidParameter', 'Invalid parameter: Empty message');
  const bytes = Buffer.byteLength(message, 'utf8');
  if (bytes > MAX_SNS_MESSAGE_BYTES)
    throw new SnsFailure(
      400,
      'InvalidParameter',
      `Invalid parameter: Message too long: ${bytes} bytes, more than ${MAX_SNS_MESSAGE_BYTES}`,
    );
  return message;
}

function required(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (value === null) throw new SnsFailure(400, 'InvalidParameter', `Invalid parameter: ${name} is required`);
  return value;
}

function element(name: string, value: string): string {
  return `<${name}>${escapeXml(value)}</${name}>`;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function notImplemented(what: string): SnsFailure {
  return new SnsFailure(400, 'NotImplemented', `the local SNS stand-in does not serve ${what}`);
}

function sendError(res: ServerResponse, failure: SnsFailure): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(failure.status, { 'content-type': 'text/xml' });
  res.end(
    `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${failure.status >= 500 ? 'Receiver' : 'Sender'}</Type>` +
      `${element('Code', failure.code)}${element('Message', failure.message)}</Error>` +
      `<RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  );
}

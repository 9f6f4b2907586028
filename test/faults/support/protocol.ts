/** The messages between the fault tests (parent) and the process that runs the local runtime (child). */
import type { FaultPlan, FaultStats } from '../../../local/faults';

/** Passed to the child in RECOSTREAM_FAULT_CHILD (JSON). */
export interface ChildConfig {
  readonly dataDir: string;
  readonly port: number;
}

/** What the parent needs to talk to the runtime and to read its stores. */
export interface RuntimeInfo {
  readonly pid: number;
  readonly apiUrl: string;
  readonly writeKey: string;
  /** The emulators themselves, not the fault proxies. */
  readonly kinesisEndpoint: string;
  readonly dynamoEndpoint: string;
  readonly streamName: string;
  readonly profilesTable: string;
  readonly itemStatsTable: string;
  readonly lakeDir: string;
  /** The SQS endpoint (the local directory endpoint or moto) and the consumer's dead-letter queue on it. */
  readonly sqsEndpoint: string;
  readonly deadLetterQueueUrl: string;
}

/** After a drain: the stream is read to its end by the consumer and the lake delivery, and the lake is written. */
export interface DrainReport {
  /** Records the event source mapping gave up on (sent to the on-failure destination); must stay 0. */
  readonly recordsSentToOnFailure: number;
  readonly consumerInvocations: number;
  readonly consumerRetries: number;
  readonly lakeRecordsDelivered: number;
  readonly lakeRecordsFailed: number;
  readonly faults: FaultStats;
}

export type ParentCommand =
  | { readonly command: 'plan'; readonly plan: FaultPlan }
  | { readonly command: 'drain' }
  | { readonly command: 'stop' };

export type ParentRequest = ParentCommand & { readonly id: number };

export type ChildMessage =
  | { readonly type: 'ready'; readonly info: RuntimeInfo }
  | { readonly type: 'held'; readonly description: string }
  | { readonly type: 'reply'; readonly id: number; readonly result?: unknown; readonly error?: string };

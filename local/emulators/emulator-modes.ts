/**
 * Which emulator answers for which AWS service locally. Two switches, read once at start-up:
 *
 * - the emulator set, `npm start -- --emulators moto` or RECOSTREAM_EMULATORS=moto: `default` (kinesalite and
 *   dynalite from npm, S3, SQS and SNS on the local directory endpoints) or `moto` (Kinesis, DynamoDB, S3, SQS
 *   and SNS on one `moto_server`);
 * - the Kinesis emulator alone, RECOSTREAM_KINESIS=kinesalite | kinesis-mock | moto, which wins over the set
 *   (`kinesis-local`, the npm package's name, is kinesis-mock too).
 *
 * The app cannot tell them apart: each is an endpoint the same SDK clients talk to.
 */
export const EMULATOR_SETS = ['default', 'moto'] as const;
export type EmulatorSet = (typeof EMULATOR_SETS)[number];

export const KINESIS_EMULATORS = ['kinesalite', 'kinesis-mock', 'moto'] as const;
export type KinesisEmulatorName = (typeof KINESIS_EMULATORS)[number];

export type DynamoEmulatorName = 'dynalite' | 'moto';

/** `directory`: local/emulators/sqs-directory.ts, queues as JSON-lines files under the data directory. */
export type SqsEmulatorName = 'directory' | 'moto';

/** `directory`: local/emulators/sns-directory.ts, each topic's messages a JSON-lines file under the data directory. */
export type SnsEmulatorName = 'directory' | 'moto';

/** `directory`: local/emulators/s3-directory.ts, each object a plain file `<dataDir>/s3/<bucket>/<key>`. */
export type S3EmulatorName = 'directory' | 'moto';

export interface EmulatorChoice {
  readonly set: EmulatorSet;
  readonly kinesis: KinesisEmulatorName;
  readonly dynamodb: DynamoEmulatorName;
  readonly sqs: SqsEmulatorName;
  readonly sns: SnsEmulatorName;
  readonly s3: S3EmulatorName;
}

export function parseEmulatorSet(raw: string): EmulatorSet {
  const found = EMULATOR_SETS.find((name) => name === raw);
  if (!found) throw new Error(`unknown emulator set '${raw}': expected one of ${EMULATOR_SETS.join(', ')}`);
  return found;
}

export function parseKinesisEmulator(raw: string): KinesisEmulatorName {
  if (raw === 'kinesis-local') return 'kinesis-mock';
  const found = KINESIS_EMULATORS.find((name) => name === raw);
  if (!found)
    throw new Error(
      `unknown RECOSTREAM_KINESIS '${raw}': expected one of ${KINESIS_EMULATORS.join(', ')} (or kinesis-local)`,
    );
  return found;
}

/** The choice made by `set` (else RECOSTREAM_EMULATORS) and RECOSTREAM_KINESIS. */
export function emulatorChoice(set?: EmulatorSet, env: NodeJS.ProcessEnv = process.env): EmulatorChoice {
  const chosenSet = set ?? parseEmulatorSet(env.RECOSTREAM_EMULATORS || 'default');
  const kinesis = env.RECOSTREAM_KINESIS
    ? parseKinesisEmulator(env.RECOSTREAM_KINESIS)
    : chosenSet === 'moto'
      ? 'moto'
      : 'kinesalite';
  return chosenSet === 'moto'
    ? { set: chosenSet, kinesis, dynamodb: 'moto', sqs: 'moto', sns: 'moto', s3: 'moto' }
    : { set: chosenSet, kinesis, dynamodb: 'dynalite', sqs: 'directory', sns: 'directory', s3: 'directory' };
}

/** The services served by moto in this choice. */
export function motoServices(choice: EmulatorChoice): string[] {
  const services = {
    kinesis: choice.kinesis,
    dynamodb: choice.dynamodb,
    sqs: choice.sqs,
    sns: choice.sns,
    s3: choice.s3,
  };
  return Object.entries(services)
    .filter(([, emulator]) => emulator === 'moto')
    .map(([service]) => service);
}

/** Whether a restart on the same data directory keeps streams, tables, queues, topics and objects: moto keeps nothing. */
export function persistsAcrossRestart(choice: EmulatorChoice): boolean {
  return motoServices(choice).length === 0;
}

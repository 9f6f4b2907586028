/** Which emulator serves which service: RECOSTREAM_EMULATORS picks the set, RECOSTREAM_KINESIS wins for Kinesis. */
import {
  emulatorChoice,
  motoServices,
  parseEmulatorSet,
  persistsAcrossRestart,
} from '../../../../local/emulators/emulator-modes';

it('is kinesalite, dynalite and the local S3, SQS and SNS directory endpoints by default', () => {
  expect(emulatorChoice(undefined, {})).toEqual({
    set: 'default',
    kinesis: 'kinesalite',
    dynamodb: 'dynalite',
    sqs: 'directory',
    sns: 'directory',
    s3: 'directory',
  });
});

it('puts Kinesis, DynamoDB, S3, SQS and SNS on moto with the moto set, from the option or the environment', () => {
  const moto = { set: 'moto', kinesis: 'moto', dynamodb: 'moto', sqs: 'moto', sns: 'moto', s3: 'moto' };
  expect(emulatorChoice('moto', {})).toEqual(moto);
  expect(emulatorChoice(undefined, { RECOSTREAM_EMULATORS: 'moto' })).toEqual(moto);
  expect(emulatorChoice('default', { RECOSTREAM_EMULATORS: 'moto' }).dynamodb).toBe('dynalite');
  expect(emulatorChoice('default', { RECOSTREAM_EMULATORS: 'moto' }).sqs).toBe('directory');
  expect(emulatorChoice('default', { RECOSTREAM_EMULATORS: 'moto' }).sns).toBe('directory');
  expect(emulatorChoice('default', { RECOSTREAM_EMULATORS: 'moto' }).s3).toBe('directory');
});

it('names the services moto serves; a choice with any of them does not persist across a restart', () => {
  expect(motoServices(emulatorChoice('moto', {}))).toEqual(['kinesis', 'dynamodb', 'sqs', 'sns', 's3']);
  expect(motoServices(emulatorChoice(undefined, { RECOSTREAM_KINESIS: 'moto' }))).toEqual(['kinesis']);
  expect(persistsAcrossRestart(emulatorChoice(undefined, { RECOSTREAM_KINESIS: 'moto' }))).toBe(false);
  expect(persistsAcrossRestart(emulatorChoice('default', {}))).toBe(true);
});

it('lets RECOSTREAM_KINESIS choose the Kinesis emulator alone; kinesis-local is kinesis-mock', () => {
  expect(emulatorChoice(undefined, { RECOSTREAM_KINESIS: 'kinesis-local' })).toEqual({
    set: 'default',
    kinesis: 'kinesis-mock',
    dynamodb: 'dynalite',
    sqs: 'directory',
    sns: 'directory',
    s3: 'directory',
  });
  expect(emulatorChoice('moto', { RECOSTREAM_KINESIS: 'kinesalite' }).kinesis).toBe('kinesalite');
  expect(emulatorChoice(undefined, { RECOSTREAM_KINESIS: 'moto' }).kinesis).toBe('moto');
});

it('refuses names it does not know, saying which it does', () => {
  expect(() => emulatorChoice(undefined, { RECOSTREAM_KINESIS: 'builtin' })).toThrow(
    "unknown RECOSTREAM_KINESIS 'builtin': expected one of kinesalite, kinesis-mock, moto (or kinesis-local)",
  );
  expect(() => parseEmulatorSet('localstack')).toThrow(
    "unknown emulator set 'localstack': expected one of default, moto",
  );
});

/**
 * The data lake is where every event ends up and what analysts and batch jobs query: these tests pin the
 * contract between its parts and with the local runtime. The Glue tables must carry exactly the shared column
 * lists (lake-columns.ts) and the partition projections Athena needs without a crawler; Firehose must read the
 * events stream and write Parquet under the same `event_type=/dt=/hour=` keys the table projects (the local
 * delivery loop reads these very properties from the template); the Athena workgroup must enforce its limits
 * and encryption; every `sql/named/*.sql` file must become a named query; and cdk-nag must stay clean.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duration, Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Stream, StreamEncryption } from 'aws-cdk-lib/aws-kinesis';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import {
  EVENT_COLUMNS,
  EVENT_PARTITION_KEYS,
  EVENT_TYPES,
  type LakeColumn,
  QUARANTINE_COLUMNS,
  QUARANTINE_PARTITION_KEYS,
} from '../../../lambdas/shared/events';
import { buildApp } from '../../../lib/app-builder';
import { DataLake, type DataLakeProps, NAMED_QUERIES_DIR, QUARANTINE_REASONS } from '../../../lib/data-lake';
import { logicalIdOf, synthApp, testApp } from './helpers';

const { stack, dataStack, template } = synthApp();
const lake = stack.dataLake;
const keyArn = { 'Fn::GetAtt': [logicalIdOf(dataStack.node.findChild('DataKey')), 'Arn'] };
const lakeBucketId = logicalIdOf(dataStack.lake.bucket);
const databaseRef = { Ref: logicalIdOf(lake.database) };
const roleArn = { 'Fn::GetAtt': [logicalIdOf(lake.deliveryRole), 'Arn'] };
const resources = template.toJSON().Resources;

function props(id: string) {
  return resources[id]!.Properties;
}

function s3Url(bucketId: string, suffix: string) {
  return { 'Fn::Join': ['', ['s3://', { Ref: bucketId }, suffix]] };
}

/** Name and type of the expected columns, as they appear in a Glue table. */
function nameAndType(columns: readonly LakeColumn[]) {
  return columns.map((c) => ({ Name: c.name, Type: c.type }));
}

/** Name and type of the columns in a template's Glue table. */
function templateColumns(columns: ReadonlyArray<{ Name: string; Type: string }>) {
  return columns.map(({ Name, Type }) => ({ Name, Type }));
}

/** A DataLake in a stack of its own, over a KMS bucket and stream, with `overrides` applied. */
function lakeAlone(overrides: Partial<DataLakeProps> = {}): { template: Template; dataLake: DataLake } {
  const alone = new Stack(testApp(), 'Alone');
  const key = new Key(alone, 'Key', { enableKeyRotation: true });
  const dataLake = new DataLake(alone, 'DataLake', {
    lakeBucket: new Bucket(alone, 'Lake', { encryption: BucketEncryption.KMS, encryptionKey: key }),
    stream: new Stream(alone, 'Stream', { encryption: StreamEncryption.KMS, encryptionKey: key }),
    resultsBucket: new Bucket(alone, 'Results'),
    ...overrides,
  });
  return { template: Template.fromStack(alone), dataLake };
}

describe('Glue database', () => {
  it('has an Athena-friendly name derived from the construct path', () => {
    template.hasResourceProperties('AWS::Glue::Database', {
      DatabaseInput: { Name: Match.stringLikeRegexp('^[a-z0-9_]+$') },
    });
  });

  it('uses the name given as a prop', () => {
    lakeAlone({ databaseName: 'analytics' }).template.hasResourceProperties('AWS::Glue::Database', {
      DatabaseInput: { Name: 'analytics' },
    });
  });

  it('refuses a name Athena would need to quote', () => {
    expect(() => lakeAlone({ databaseName: 'Reco-Stream' })).toThrow(
      "databaseName must be 1 to 255 lower-case letters, digits or underscores, got 'Reco-Stream'",
    );
  });
});

describe('events table', () => {
  const table = () => props(logicalIdOf(lake.eventsTable)).TableInput;

  it('is an external table named events in the lake database', () => {
    template.hasResourceProperties('AWS::Glue::Table', {
      DatabaseName: databaseRef,
      TableInput: { Name: 'events', TableType: 'EXTERNAL_TABLE' },
    });
  });

  it('has exactly the EVENT_COLUMNS, in order, with their types', () => {
    expect(templateColumns(table().StorageDescriptor.Columns)).toEqual(nameAndType(EVENT_COLUMNS));
  });

  it('is partitioned by EVENT_PARTITION_KEYS, in order', () => {
    expect(templateColumns(table().PartitionKeys)).toEqual(nameAndType(EVENT_PARTITION_KEYS));
  });

  it('reads Parquet under events/ of the lake bucket', () => {
    expect(table().StorageDescriptor).toMatchObject({
      Location: s3Url(lakeBucketId, '/events/'),
      InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
    });
  });

  it('projects event_type, dt and hour partitions, so Athena needs no crawler or MSCK REPAIR', () => {
    expect(table().Parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.event_type.type': 'enum',
      'projection.event_type.values': EVENT_TYPES.join(','),
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
      'projection.dt.range': '2024-01-01,NOW',
      'projection.dt.interval': '1',
      'projection.dt.interval.unit': 'DAYS',
      'projection.hour.type': 'integer',
      'projection.hour.range': '0,23',
      'projection.hour.digits': '2',
    });
  });

  it('locates projected partitions with the Firehose key layout', () => {
    expect(table().Parameters['storage.location.template']).toEqual(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's storage.location.template placeholders
      s3Url(lakeBucketId, '/events/event_type=${event_type}/dt=${dt}/hour=${hour}/'),
    );
  });

  it('starts the dt projection at the date given as a prop', () => {
    lakeAlone({ projectionStartDate: '2025-06-01' }).template.hasResourceProperties('AWS::Glue::Table', {
      TableInput: {
        Name: 'events',
        Parameters: Match.objectLike({ 'projection.dt.range': '2025-06-01,NOW' }),
      },
    });
  });
});

describe('quarantine table', () => {
  const table = () => props(logicalIdOf(lake.quarantineTable)).TableInput;

  it('has exactly the QUARANTINE_COLUMNS and QUARANTINE_PARTITION_KEYS', () => {
    expect([
      templateColumns(table().StorageDescriptor.Columns),
      templateColumns(table().PartitionKeys),
    ]).toEqual([nameAndType(QUARANTINE_COLUMNS), nameAndType(QUARANTINE_PARTITION_KEYS)]);
  });

  it('reads JSON lines under quarantine/ with the OpenX SerDe', () => {
    expect(table().StorageDescriptor).toMatchObject({
      Location: s3Url(lakeBucketId, '/quarantine/'),
      InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
      SerdeInfo: { SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' },
    });
  });

  it('maps every column with a jsonKey, skips malformed lines and has no other SerDe parameter', () => {
    const mappings = Object.fromEntries(
      QUARANTINE_COLUMNS.filter((c) => c.jsonKey).map((c) => [`mapping.${c.name}`, c.jsonKey]),
    );
    expect(table().StorageDescriptor.SerdeInfo.Parameters).toEqual({
      'ignore.malformed.json': 'true',
      ...mappings,
    });
  });

  it('projects dt as a date and reason as the enum of QUARANTINE_REASONS', () => {
    expect(table().Parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
      'projection.dt.range': '2024-01-01,NOW',
      'projection.reason.type': 'enum',
      'projection.reason.values': QUARANTINE_REASONS.join(','),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's storage.location.template placeholders
      'storage.location.template': s3Url(lakeBucketId, '/quarantine/dt=${dt}/reason=${reason}/'),
    });
  });

  it('knows every reason the ingest API, the catalogue API and the consumer quarantine under', () => {
    expect([...QUARANTINE_REASONS].sort()).toEqual(
      [
        'invalid_event',
        'event_too_large',
        'missing_identity',
        'unknown_type',
        'future_timestamp',
        'event_too_old',
        'non_finite_number',
        'invalid_id',
        'reserved_id',
        'invalid_json',
        'unsupported_media_type',
        'payload_too_large',
        'too_many_events',
        'invalid_body',
        'nesting_too_deep',
        'internal_error',
        'invalid_items',
        'too_many_items',
        'duplicate_item',
        'invalid_record',
        'poison_record',
        'refused_window_row',
      ].sort(),
    );
  });
});

describe('Firehose delivery stream', () => {
  const destination = () => props(logicalIdOf(lake.deliveryStream)).ExtendedS3DestinationConfiguration;

  it('reads the events stream through its own role', () => {
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamType: 'KinesisStreamAsSource',
      KinesisStreamSourceConfiguration: {
        KinesisStreamARN: { 'Fn::GetAtt': [logicalIdOf(stack.ingestion.stream), 'Arn'] },
        RoleARN: roleArn,
      },
    });
  });

  it('writes to the lake bucket under the event_type/dt/hour partition prefix', () => {
    expect([destination().BucketARN, destination().Prefix]).toEqual([
      { 'Fn::GetAtt': [lakeBucketId, 'Arn'] },
      'events/event_type=!{partitionKeyFromQuery:event_type}/dt=!{partitionKeyFromQuery:dt}/hour=!{partitionKeyFromQuery:hour}/',
    ]);
  });

  it('keeps failed records under errors/ by error type and day', () => {
    expect(destination().ErrorOutputPrefix).toBe(
      'errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/',
    );
  });

  it('partitions dynamically with a JQ 1.6 query on the event type and the receipt time (never the client time)', () => {
    expect([destination().DynamicPartitioningConfiguration, destination().ProcessingConfiguration]).toEqual([
      { Enabled: true, RetryOptions: { DurationInSeconds: 300 } },
      {
        Enabled: true,
        Processors: [
          {
            Type: 'MetadataExtraction',
            Parameters: [
              {
                ParameterName: 'MetadataExtractionQuery',
                ParameterValue: '{event_type: .type, dt: .receivedAt[0:10], hour: .receivedAt[11:13]}',
              },
              { ParameterName: 'JsonParsingEngine', ParameterValue: 'JQ-1.6' },
            ],
          },
        ],
      },
    ]);
  });

  it('converts JSON to SNAPPY Parquet with the schema of the Glue events table', () => {
    expect(destination().DataFormatConversionConfiguration).toMatchObject({
      Enabled: true,
      OutputFormatConfiguration: { Serializer: { ParquetSerDe: { Compression: 'SNAPPY' } } },
      SchemaConfiguration: {
        CatalogId: { Ref: 'AWS::AccountId' },
        DatabaseName: databaseRef,
        TableName: { Ref: logicalIdOf(lake.eventsTable) },
        Region: { Ref: 'AWS::Region' },
        RoleARN: roleArn,
        VersionId: 'LATEST',
      },
    });
  });

  it('maps each EVENT_COLUMNS jsonKey to its column in the OpenX JSON deserializer', () => {
    expect(
      destination().DataFormatConversionConfiguration.InputFormatConfiguration.Deserializer.OpenXJsonSerDe,
    ).toEqual({
      ColumnToJsonKeyMappings: Object.fromEntries(
        EVENT_COLUMNS.filter((c) => c.jsonKey).map((c) => [c.name, c.jsonKey]),
      ),
    });
  });

  it('writes .parquet objects without S3-level compression', () => {
    expect([destination().CompressionFormat, destination().FileExtension]).toEqual([
      'UNCOMPRESSED',
      '.parquet',
    ]);
  });

  it('buffers 300 s or 128 MiB by default', () => {
    expect(destination().BufferingHints).toEqual({ IntervalInSeconds: 300, SizeInMBs: 128 });
  });

  it('takes the buffering hints from props', () => {
    lakeAlone({
      bufferingInterval: Duration.seconds(60),
      bufferingSize: Size.mebibytes(64),
    }).template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      ExtendedS3DestinationConfiguration: { BufferingHints: { IntervalInSeconds: 60, SizeInMBs: 64 } },
    });
  });

  it.each([
    [{ bufferingInterval: Duration.seconds(30) }, /bufferingInterval must be .* from 60 to 900 .*, got 30/],
    [{ bufferingSize: Size.mebibytes(32) }, /bufferingSize must be .* from 64 to 128 .*, got 32/],
  ])('refuses buffering hints Firehose rejects with format conversion: %o', (bad, message) => {
    expect(() => lakeAlone(bad)).toThrow(message);
  });

  it('encrypts the objects it writes with the stack CMK', () => {
    expect(destination().EncryptionConfiguration).toEqual({ KMSEncryptionConfig: { AWSKMSKeyARN: keyArn } });
  });

  it('logs delivery errors to its own log group, kept one month', () => {
    expect(destination().CloudWatchLoggingOptions).toEqual({
      Enabled: true,
      LogGroupName: { Ref: logicalIdOf(lake.deliveryLogGroup) },
      LogStreamName: { Ref: expect.any(String) },
    });
    expect(props(logicalIdOf(lake.deliveryLogGroup)).RetentionInDays).toBe(30);
  });

  it('is created after the role policy it needs', () => {
    const policyId = logicalIdOf(lake.deliveryRole.node.findChild('DefaultPolicy'));
    expect(resources[logicalIdOf(lake.deliveryStream)]).toMatchObject({
      DependsOn: expect.arrayContaining([policyId]),
    });
  });
});

describe('Firehose role', () => {
  const statements = () =>
    props(logicalIdOf(lake.deliveryRole.node.findChild('DefaultPolicy'))).PolicyDocument.Statement as Array<{
      Action: string | string[];
      Resource: unknown;
    }>;
  const actions = () => statements().flatMap((s) => [s.Action].flat());

  it('can only be assumed by Firehose for this account', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'firehose.amazonaws.com' },
            Condition: { StringEquals: { 'sts:ExternalId': { Ref: 'AWS::AccountId' } } },
          },
        ],
      },
    });
  });

  it('writes objects under events/ and errors/ only, and can delete nothing', () => {
    const put = statements().find((s) => [s.Action].flat().includes('s3:PutObject'));
    const objectArn = (prefix: string) => ({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [lakeBucketId, 'Arn'] }, prefix]],
    });
    expect([put?.Resource, actions().filter((a) => a.startsWith('s3:Delete'))]).toEqual([
      [objectArn('/errors/*'), objectArn('/events/*')],
      [],
    ]);
  });

  it('reads the schema of the events table and nothing else in Glue', () => {
    const glue = statements().filter((s) => [s.Action].flat().some((a) => a.startsWith('glue:')));
    expect(glue).toEqual([
      expect.objectContaining({
        Action: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'],
        Resource: expect.arrayContaining([
          {
            'Fn::Join': ['', expect.arrayContaining([`:table/${lake.databaseName}/events`])],
          },
        ]),
      }),
    ]);
  });

  it('reads the stream and writes its log group', () => {
    expect(actions()).toEqual(
      expect.arrayContaining(['kinesis:GetRecords', 'kinesis:GetShardIterator', 'logs:PutLogEvents']),
    );
  });
});

describe('Athena workgroup', () => {
  const configuration = () => props(logicalIdOf(lake.workGroup)).WorkGroupConfiguration;

  it('enforces its settings on engine version 3 and publishes metrics', () => {
    expect(configuration()).toMatchObject({
      EnforceWorkGroupConfiguration: true,
      PublishCloudWatchMetricsEnabled: true,
      EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
    });
  });

  it('cancels queries after 10 GiB scanned by default', () => {
    expect(configuration().BytesScannedCutoffPerQuery).toBe(10 * 1024 ** 3);
  });

  it('takes the bytes-scanned cutoff from props', () => {
    lakeAlone({ bytesScannedCutoffPerQuery: Size.gibibytes(1) }).template.hasResourceProperties(
      'AWS::Athena::WorkGroup',
      { WorkGroupConfiguration: { BytesScannedCutoffPerQuery: 1024 ** 3 } },
    );
  });

  it('refuses a cutoff below the 10 MB Athena accepts', () => {
    expect(() => lakeAlone({ bytesScannedCutoffPerQuery: Size.mebibytes(1) })).toThrow(
      'bytesScannedCutoffPerQuery must be at least 10 MB (10000000 bytes), got 1048576',
    );
  });

  it('writes results to its results bucket, SSE-KMS with the stack CMK', () => {
    expect(configuration().ResultConfiguration).toEqual({
      OutputLocation: s3Url(logicalIdOf(lake.resultsBucket), '/results/'),
      ExpectedBucketOwner: { Ref: 'AWS::AccountId' },
      EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: keyArn },
    });
  });
});

describe('Athena results bucket', () => {
  const bucket = () => props(logicalIdOf(lake.resultsBucket));

  it('is encrypted with the stack CMK and blocks public access', () => {
    expect(bucket()).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn } },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
  });

  it('refuses requests without TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalIdOf(lake.resultsBucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('expires query results after 30 days', () => {
    expect(bucket().LifecycleConfiguration.Rules).toEqual([
      expect.objectContaining({ Status: 'Enabled', ExpirationInDays: 30 }),
    ]);
  });

  it('logs server access to the lake access-logs bucket', () => {
    expect(bucket().LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: logicalIdOf(dataStack.lake.accessLogsBucket) },
      LogFilePrefix: 'athena-results/',
    });
  });
});

describe('named queries', () => {
  it('has one named query per sql/named/*.sql file, named after the file', () => {
    let files: string[] = [];
    try {
      files = readdirSync(NAMED_QUERIES_DIR).filter((f) => f.endsWith('.sql'));
    } catch {
      // no directory yet: no named queries
    }
    const names = Object.values(template.findResources('AWS::Athena::NamedQuery')).map(
      (r) => r.Properties.Name,
    );
    expect(names.sort()).toEqual(files.map((f) => f.replace(/\.sql$/, '')).sort());
  });

  describe('from a directory of SQL files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'named-queries-'));
    writeFileSync(join(dir, 'with_description.sql'), '-- Counts events\nSELECT count(*) FROM events;\n');
    writeFileSync(join(dir, 'without_description.sql'), 'SELECT 1\n');
    writeFileSync(join(dir, 'notes.txt'), 'not a query');
    const { template: alone, dataLake } = lakeAlone({ namedQueriesDirectory: dir });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('creates one query per .sql file only', () => {
      expect(dataLake.namedQueries.map((q) => q.name)).toEqual(['with_description', 'without_description']);
    });

    it('takes the description from a leading `-- ` line, in the lake database and workgroup', () => {
      alone.hasResourceProperties('AWS::Athena::NamedQuery', {
        Name: 'with_description',
        Description: 'Counts events',
        QueryString: '-- Counts events\nSELECT count(*) FROM events;',
        Database: { Ref: logicalIdOf(dataLake.database) },
        WorkGroup: { Ref: logicalIdOf(dataLake.workGroup) },
      });
    });

    it('leaves the description out when the file does not open with a comment', () => {
      alone.hasResourceProperties('AWS::Athena::NamedQuery', {
        Name: 'without_description',
        Description: Match.absent(),
      });
    });
  });

  it('are none when the directory does not exist', () => {
    expect(
      lakeAlone({ namedQueriesDirectory: join(tmpdir(), 'no-such-named-queries') }).dataLake.namedQueries,
    ).toEqual([]);
  });

  it('refuse an empty SQL file, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'named-queries-'));
    try {
      writeFileSync(join(dir, 'blank.sql'), '\n  \n');
      expect(() => lakeAlone({ namedQueriesDirectory: dir })).toThrow(
        /Named query file '.*blank\.sql' is empty/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('stack outputs', () => {
  it.each([
    ['GlueDatabaseName', () => databaseRef],
    ['AthenaWorkGroupName', () => ({ Ref: logicalIdOf(lake.workGroup) })],
    ['DeliveryStreamName', () => ({ Ref: logicalIdOf(lake.deliveryStream) })],
  ])('outputs %s', (name, value) => {
    template.hasOutput(name, { Value: value() });
  });
});

describe('cdk-nag', () => {
  const { app, stack: nagged } = buildApp({}, { skipBundling: true, validate: false });
  app.synth();

  it.each([
    ['AwsSolutions', new AwsSolutionsChecks()],
    ['Serverless', new ServerlessChecks()],
  ])('%s reports no unacknowledged finding on the data lake', (_name, pack) => {
    const findings = pack
      .validateScope(nagged)
      .violations.flatMap((v) =>
        v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath}`),
      )
      .filter((f) => f.includes(`${nagged.dataLake.node.path}/`));
    expect(findings).toEqual([]);
  });
});

/**
 * Parsing of Firehose delivery streams (and of the event source mappings' on-failure destinations) in
 * local/template-topology.ts. The local lake delivery loop
 * is configured only from the template, so the standard CloudFormation properties (source stream
 * ARN, bucket ARN, Prefix, ErrorOutputPrefix, BufferingHints, dynamic partitioning) must map to the
 * right LocalDeliveryStream, with Firehose's defaults where the template is silent. A hand-written
 * template fragment keeps this test independent of the CDK construct that emits the resource, and
 * an app without a delivery stream must still parse.
 */
import { type CfnTemplate, topologyFromTemplate } from '../../../../local/topology/template-topology';

const options = { stackName: 'Test', sqsEndpoint: 'http://127.0.0.1:4566' };
const PREFIX =
  'events/event_type=!{partitionKeyFromQuery:event_type}/dt=!{partitionKeyFromQuery:dt}/hour=!{partitionKeyFromQuery:hour}/';

function template(deliveryProperties: Record<string, unknown> | undefined): CfnTemplate {
  const resources: Record<string, unknown> = {
    EventsStream: { Type: 'AWS::Kinesis::Stream', Properties: { ShardCount: 2 } },
    LakeBucket: { Type: 'AWS::S3::Bucket' },
    DeliveryRole: { Type: 'AWS::IAM::Role' },
  };
  if (deliveryProperties)
    resources.Delivery = { Type: 'AWS::KinesisFirehose::DeliveryStream', Properties: deliveryProperties };
  return { Resources: resources } as unknown as CfnTemplate;
}

const source = {
  DeliveryStreamType: 'KinesisStreamAsSource',
  KinesisStreamSourceConfiguration: {
    KinesisStreamARN: { 'Fn::GetAtt': ['EventsStream', 'Arn'] },
    RoleARN: { 'Fn::GetAtt': ['DeliveryRole', 'Arn'] },
  },
};

describe('delivery streams in the template topology', () => {
  it('is empty when the template has no delivery stream', () => {
    const topology = topologyFromTemplate(template(undefined), options);
    expect(topology.deliveryStreams.size).toBe(0);
  });

  it('reads source, destination, prefixes, buffering hints and dynamic partitioning', () => {
    const topology = topologyFromTemplate(
      template({
        ...source,
        ExtendedS3DestinationConfiguration: {
          BucketARN: { 'Fn::GetAtt': ['LakeBucket', 'Arn'] },
          RoleARN: { 'Fn::GetAtt': ['DeliveryRole', 'Arn'] },
          Prefix: PREFIX,
          ErrorOutputPrefix: 'errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/',
          BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 120 },
          DynamicPartitioningConfiguration: { Enabled: true, RetryOptions: { DurationInSeconds: 300 } },
          ProcessingConfiguration: { Enabled: true, Processors: [] },
          DataFormatConversionConfiguration: { Enabled: true },
        },
      }),
      options,
    );
    expect([...topology.deliveryStreams.values()]).toEqual([
      {
        logicalId: 'Delivery',
        name: 'Delivery',
        sourceStreamId: 'EventsStream',
        bucketId: 'LakeBucket',
        prefix: PREFIX,
        errorPrefix: 'errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/',
        bufferSizeMb: 64,
        bufferIntervalSeconds: 120,
        dynamicPartitioning: true,
      },
    ]);
    expect(topology.streams.get('EventsStream')?.shardCount).toBe(2);
  });

  it("applies Firehose's defaults and resolves Fn::Join prefixes", () => {
    const topology = topologyFromTemplate(
      template({
        ...source,
        ExtendedS3DestinationConfiguration: {
          BucketARN: { 'Fn::GetAtt': ['LakeBucket', 'Arn'] },
          Prefix: { 'Fn::Join': ['', ['raw/', { Ref: 'AWS::StackName' }, '/']] },
          DataFormatConversionConfiguration: { Enabled: true },
        },
      }),
      options,
    );
    expect(topology.deliveryStreams.get('Delivery')).toMatchObject({
      prefix: 'raw/Test/',
      errorPrefix: '',
      bufferSizeMb: 128,
      bufferIntervalSeconds: 300,
      dynamicPartitioning: false,
    });

    const plain = topologyFromTemplate(
      template({
        ...source,
        ExtendedS3DestinationConfiguration: { BucketARN: { 'Fn::GetAtt': ['LakeBucket', 'Arn'] } },
      }),
      options,
    );
    expect(plain.deliveryStreams.get('Delivery')).toMatchObject({
      bufferSizeMb: 5,
      bufferIntervalSeconds: 300,
    });
  });

  it('fails loudly on delivery streams the local runtime cannot reproduce', () => {
    expect(() =>
      topologyFromTemplate(
        template({
          DeliveryStreamType: 'DirectPut',
          ExtendedS3DestinationConfiguration: { BucketARN: { 'Fn::GetAtt': ['LakeBucket', 'Arn'] } },
        }),
        options,
      ),
    ).toThrow(/Kinesis stream as source/);
    expect(() =>
      topologyFromTemplate(
        template({
          ...source,
          ExtendedS3DestinationConfiguration: { BucketARN: { 'Fn::GetAtt': ['EventsStream', 'Arn'] } },
        }),
        options,
      ),
    ).toThrow(/AWS::S3::Bucket/);
  });
});

describe('event source mappings in the template topology', () => {
  const mappingTemplate = (destination: unknown) =>
    ({
      Resources: {
        EventsStream: { Type: 'AWS::Kinesis::Stream', Properties: { ShardCount: 2 } },
        FailedBatches: { Type: 'AWS::S3::Bucket' },
        Dlq: { Type: 'AWS::SQS::Queue' },
        Consumer: { Type: 'AWS::Lambda::Function', Properties: {}, Metadata: { 'recostream:entry': 'x.ts' } },
        Mapping: {
          Type: 'AWS::Lambda::EventSourceMapping',
          Properties: {
            FunctionName: { Ref: 'Consumer' },
            EventSourceArn: { 'Fn::GetAtt': ['EventsStream', 'Arn'] },
            BatchSize: 500,
            StartingPosition: 'TRIM_HORIZON',
            DestinationConfig: { OnFailure: { Destination: destination } },
          },
        },
      },
    }) as unknown as CfnTemplate;

  it('reads an S3 bucket as the on-failure destination (the whole batch goes there)', () => {
    const topology = topologyFromTemplate(
      mappingTemplate({ 'Fn::GetAtt': ['FailedBatches', 'Arn'] }),
      options,
    );
    expect(topology.eventSourceMappings[0]?.onFailure).toEqual({ bucketId: 'FailedBatches' });
  });

  it('still reads an SQS queue as the on-failure destination', () => {
    const topology = topologyFromTemplate(mappingTemplate({ 'Fn::GetAtt': ['Dlq', 'Arn'] }), options);
    expect(topology.eventSourceMappings[0]?.onFailure).toEqual({ queueId: 'Dlq' });
  });

  it('refuses any other destination', () => {
    expect(() =>
      topologyFromTemplate(mappingTemplate({ 'Fn::GetAtt': ['EventsStream', 'Arn'] }), options),
    ).toThrow(/Expected a reference to a AWS::SQS::Queue/);
  });
});

/**
 * Reads the synthesised CloudFormation template and derives the local topology: the streams,
 * tables, queues, buckets, functions (with their environment resolved to local names), API routes,
 * event source mappings and Firehose delivery streams that `npm start` must reproduce. Only the
 * resource types and intrinsic functions this app uses are understood; anything else fails loudly.
 */

import {
  type CfnResource,
  type CfnTemplate,
  IntrinsicResolver,
  isObject,
  type Json,
  type ResolverOptions,
} from './intrinsic-resolver';
import type {
  LocalAuthorizer,
  LocalDeliveryStream,
  LocalEventSourceMapping,
  LocalFunction,
  LocalQueue,
  LocalRoute,
  LocalSchedule,
  LocalStateMachine,
  LocalStream,
  LocalTable,
  LocalTopic,
  LocalTopology,
} from './local-topology';
import { tablePropertiesOf } from './table-properties';

export type { CfnTemplate } from './intrinsic-resolver';
export type TopologyOptions = ResolverOptions;

export function topologyFromTemplate(template: CfnTemplate, options: TopologyOptions): LocalTopology {
  const resources = template.Resources;
  const resolver = new IntrinsicResolver(resources, options);
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

  const streams = new Map<string, LocalStream>();
  for (const [id, r] of ofType('AWS::Kinesis::Stream')) {
    const p = r.Properties ?? {};
    const mode = (p.StreamModeDetails as { StreamMode?: string } | undefined)?.StreamMode ?? 'PROVISIONED';
    streams.set(id, {
      logicalId: id,
      name: resolver.nameOf(id),
      // On-demand streams start with 4 shards in AWS; locally one shard per expected core is plenty.
      shardCount: mode === 'ON_DEMAND' ? 2 : Number(p.ShardCount ?? 1),
      retentionHours: Number(p.RetentionPeriodHours ?? 24),
    });
  }

  const tables = new Map<string, LocalTable>();
  for (const [id, r] of ofType('AWS::DynamoDB::Table')) {
    const p = tablePropertiesOf(id, r.Properties ?? {});
    tables.set(id, {
      logicalId: id,
      name: resolver.nameOf(id),
      keySchema: p.KeySchema,
      attributeDefinitions: p.AttributeDefinitions,
      globalSecondaryIndexes: p.GlobalSecondaryIndexes,
      ttlAttribute: p.TimeToLiveSpecification?.AttributeName,
    });
  }

  const queues = new Map<string, LocalQueue>();
  for (const [id] of ofType('AWS::SQS::Queue')) queues.set(id, { logicalId: id, url: resolver.queueUrl(id) });

  const topics = new Map<string, LocalTopic>();
  for (const [id] of ofType('AWS::SNS::Topic'))
    topics.set(id, { logicalId: id, name: resolver.nameOf(id), arn: resolver.topicArn(id) });

  const buckets = new Map<string, { logicalId: string; name: string }>();
  for (const [id] of ofType('AWS::S3::Bucket')) buckets.set(id, { logicalId: id, name: resolver.nameOf(id) });

  const functions = new Map<string, LocalFunction>();
  for (const [id, r] of ofType('AWS::Lambda::Function')) {
    const entry = r.Metadata?.['recostream:entry'];
    // Functions CDK adds for its own purposes (custom resources, log retention) have no entry.
    if (typeof entry !== 'string') continue;
    const p = r.Properties ?? {};
    const variables = ((p.Environment as { Variables?: Record<string, Json> } | undefined)?.Variables ??
      {}) as Record<string, Json>;
    const environment: Record<string, string> = {};
    for (const [name, value] of Object.entries(variables))
      environment[name] = String(resolver.resolve(value));
    functions.set(id, {
      logicalId: id,
      entry,
      handlerExport: String(r.Metadata?.['recostream:handler'] ?? 'handler'),
      environment,
      timeoutSeconds: Number(p.Timeout ?? 3),
      memoryMb: Number(p.MemorySize ?? 128),
    });
  }

  const eventSourceMappings: LocalEventSourceMapping[] = [];
  for (const [id, r] of ofType('AWS::Lambda::EventSourceMapping')) {
    const p = r.Properties ?? {};
    const functionId = resolver.referencedLogicalId(p.FunctionName, 'AWS::Lambda::Function');
    const streamId = resolver.referencedLogicalId(p.EventSourceArn, 'AWS::Kinesis::Stream');
    const onFailure = (p.DestinationConfig as { OnFailure?: { Destination?: Json } } | undefined)?.OnFailure
      ?.Destination;
    eventSourceMappings.push({
      logicalId: id,
      functionId,
      streamId,
      batchSize: Number(p.BatchSize ?? 100),
      maxBatchingWindowSeconds: Number(p.MaximumBatchingWindowInSeconds ?? 0),
      bisectBatchOnError: p.BisectBatchOnFunctionError === true,
      maxRetryAttempts: Number(p.MaximumRetryAttempts ?? -1),
      maxRecordAgeSeconds: Number(p.MaximumRecordAgeInSeconds ?? -1),
      parallelizationFactor: Number(p.ParallelizationFactor ?? 1),
      tumblingWindowSeconds: Number(p.TumblingWindowInSeconds ?? 0),
      reportBatchItemFailures: ((p.FunctionResponseTypes as string[] | undefined) ?? []).includes(
        'ReportBatchItemFailures',
      ),
      startingPosition: (p.StartingPosition as 'TRIM_HORIZON' | 'LATEST' | undefined) ?? 'LATEST',
      onFailure: onFailure ? onFailureOf(resolver, onFailure) : undefined,
    });
  }

  return {
    stackName: options.stackName,
    functions,
    routes: routesOf(resources, resolver),
    streams,
    tables,
    queues,
    topics,
    buckets,
    eventSourceMappings,
    deliveryStreams: deliveryStreamsOf(resources, resolver),
    ...schedulesOf(resources, resolver),
  };
}

/** An event source mapping's on-failure destination: an SQS queue or an S3 bucket. */
function onFailureOf(resolver: IntrinsicResolver, destination: Json): LocalEventSourceMapping['onFailure'] {
  const bucketId = resolver.logicalIdOfType(destination, 'AWS::S3::Bucket');
  if (bucketId) return { bucketId };
  return { queueId: resolver.referencedLogicalId(destination, 'AWS::SQS::Queue') };
}

/**
 * The SNS topic a state machine's definition references (its SnsPublish step's TopicArn, a Ref inside the
 * definition's Fn::Join); two different topics are refused, as the local runner publishes to one.
 */
function referencedTopicOf(resources: Record<string, CfnResource>, definition: Json | undefined) {
  const found = new Set<string>();
  const visit = (node: Json | undefined) => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (isObject(node)) {
      if (typeof node.Ref === 'string' && resources[node.Ref]?.Type === 'AWS::SNS::Topic')
        found.add(node.Ref);
      else Object.values(node).forEach(visit);
    }
  };
  visit(definition);
  if (found.size > 1) throw new Error(`A state machine publishes to two topics: ${[...found].join(', ')}`);
  return [...found][0];
}

/** State machines (with the batch job they run) and the EventBridge Scheduler schedules that start them. */
function schedulesOf(
  resources: Record<string, CfnResource>,
  resolver: IntrinsicResolver,
): { stateMachines: Map<string, LocalStateMachine>; schedules: LocalSchedule[] } {
  const stateMachines = new Map<string, LocalStateMachine>();
  const schedules: LocalSchedule[] = [];
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const job = r.Metadata?.['recostream:job'];
    const notifyTopicId = referencedTopicOf(resources, r.Properties?.DefinitionString);
    stateMachines.set(id, {
      logicalId: id,
      ...(typeof job === 'string' ? { job } : {}),
      ...(notifyTopicId ? { notifyTopicId } : {}),
    });
  }
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::Scheduler::Schedule') continue;
    const p = r.Properties ?? {};
    const target = p.Target as { Arn?: Json; Input?: Json } | undefined;
    if (!target?.Arn) throw new Error(`Schedule ${id} has no target`);
    const rawInput = target.Input === undefined ? undefined : String(resolver.resolve(target.Input));
    let input: unknown;
    try {
      input = rawInput === undefined ? {} : JSON.parse(rawInput);
    } catch {
      throw new Error(`Schedule ${id}: target Input is not JSON: ${rawInput}`);
    }
    schedules.push({
      logicalId: id,
      expression: String(p.ScheduleExpression),
      timezone: String(p.ScheduleExpressionTimezone ?? 'UTC'),
      enabled: p.State !== 'DISABLED',
      stateMachineId: resolver.referencedLogicalId(target.Arn, 'AWS::StepFunctions::StateMachine'),
      input,
    });
  }
  return { stateMachines, schedules };
}

/**
 * Firehose delivery streams that read a Kinesis stream and write to S3. Firehose's defaults apply
 * where the template says nothing: 300 s, and 5 MB (128 MB with record format conversion, which
 * needs at least 64 MB).
 */
function deliveryStreamsOf(
  resources: Record<string, CfnResource>,
  resolver: IntrinsicResolver,
): Map<string, LocalDeliveryStream> {
  const deliveryStreams = new Map<string, LocalDeliveryStream>();
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::KinesisFirehose::DeliveryStream') continue;
    const p = r.Properties ?? {};
    const source = p.KinesisStreamSourceConfiguration as { KinesisStreamARN?: Json } | undefined;
    if (!source)
      throw new Error(`Delivery stream ${id}: the local runtime only supports a Kinesis stream as source`);
    const destination = (p.ExtendedS3DestinationConfiguration ?? p.S3DestinationConfiguration) as
      | {
          BucketARN?: Json;
          Prefix?: Json;
          ErrorOutputPrefix?: Json;
          BufferingHints?: { SizeInMBs?: Json; IntervalInSeconds?: Json };
          DynamicPartitioningConfiguration?: { Enabled?: Json };
          DataFormatConversionConfiguration?: { Enabled?: Json };
          ProcessingConfiguration?: {
            Enabled?: Json;
            Processors?: { Type?: Json; Parameters?: { ParameterName?: Json; ParameterValue?: Json }[] }[];
          };
        }
      | undefined;
    if (!destination)
      throw new Error(`Delivery stream ${id}: the local runtime only supports an S3 destination`);
    const conversion = destination.DataFormatConversionConfiguration;
    const converts = conversion !== undefined && String(conversion.Enabled ?? true) !== 'false';
    const text = (value: Json | undefined) => (value === undefined ? '' : String(resolver.resolve(value)));
    deliveryStreams.set(id, {
      logicalId: id,
      name: resolver.nameOf(id),
      sourceStreamId: resolver.referencedLogicalId(source.KinesisStreamARN, 'AWS::Kinesis::Stream'),
      bucketId: resolver.referencedLogicalId(destination.BucketARN, 'AWS::S3::Bucket'),
      prefix: text(destination.Prefix),
      errorPrefix: text(destination.ErrorOutputPrefix),
      bufferSizeMb: Number(destination.BufferingHints?.SizeInMBs ?? (converts ? 128 : 5)),
      bufferIntervalSeconds: Number(destination.BufferingHints?.IntervalInSeconds ?? 300),
      dynamicPartitioning: String(destination.DynamicPartitioningConfiguration?.Enabled ?? false) === 'true',
      ...transformFunctionOf(id, destination.ProcessingConfiguration, resolver),
    });
  }
  return deliveryStreams;
}

/** The function of the delivery stream's `Lambda` processor, if processing is on and has one (at most one). */
function transformFunctionOf(
  id: string,
  processing:
    | {
        Enabled?: Json;
        Processors?: { Type?: Json; Parameters?: { ParameterName?: Json; ParameterValue?: Json }[] }[];
      }
    | undefined,
  resolver: IntrinsicResolver,
): { transformFunctionId?: string } {
  if (!processing || String(processing.Enabled ?? true) === 'false') return {};
  const lambdas = (processing.Processors ?? []).filter((p) => p.Type === 'Lambda');
  if (lambdas.length === 0) return {};
  if (lambdas.length > 1) throw new Error(`Delivery stream ${id}: more than one Lambda processor`);
  const arn = lambdas[0]?.Parameters?.find((p) => p.ParameterName === 'LambdaArn')?.ParameterValue;
  if (arn === undefined) throw new Error(`Delivery stream ${id}: Lambda processor without LambdaArn`);
  return { transformFunctionId: resolver.findReferencedFunction(arn) };
}

function routesOf(resources: Record<string, CfnResource>, resolver: IntrinsicResolver): LocalRoute[] {
  const pathOf = (resourceRef: Json): string => {
    // The root resource is referenced as GetAtt RestApi.RootResourceId.
    if (isObject(resourceRef) && 'Fn::GetAtt' in resourceRef) return '';
    const id = resolver.referencedLogicalId(resourceRef, 'AWS::ApiGateway::Resource');
    const p = resources[id]?.Properties ?? {};
    return `${pathOf(p.ParentId as Json)}/${String(p.PathPart)}`;
  };

  const authorizers = new Map<string, LocalAuthorizer>();
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::ApiGateway::Authorizer') continue;
    const p = r.Properties ?? {};
    const identitySource = String(p.IdentitySource ?? '');
    authorizers.set(id, {
      logicalId: id,
      functionId: resolver.findReferencedFunction(p.AuthorizerUri as Json),
      type: p.Type === 'TOKEN' ? 'TOKEN' : 'REQUEST',
      identityHeaders: identitySource
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.startsWith('method.request.header.'))
        .map((s) => s.slice('method.request.header.'.length).toLowerCase()),
      resultTtlSeconds: Number(p.AuthorizerResultTtlInSeconds ?? 300),
    });
  }

  const routes: LocalRoute[] = [];
  for (const r of Object.values(resources)) {
    if (r.Type !== 'AWS::ApiGateway::Method') continue;
    const p = r.Properties ?? {};
    const integration = p.Integration as { Type?: string; Uri?: Json } | undefined;
    if (integration?.Type !== 'AWS_PROXY') continue;
    const authorizerId =
      p.AuthorizationType === 'CUSTOM'
        ? resolver.referencedLogicalId(p.AuthorizerId, 'AWS::ApiGateway::Authorizer')
        : undefined;
    routes.push({
      method: String(p.HttpMethod),
      path: pathOf(p.ResourceId as Json) || '/',
      functionId: resolver.findReferencedFunction(integration.Uri as Json),
      authorizer: authorizerId ? authorizers.get(authorizerId) : undefined,
      apiKeyRequired: p.ApiKeyRequired === true,
    });
  }
  return routes;
}

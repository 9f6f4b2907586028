/**
 * Reads the synthesised CloudFormation template and derives the local topology: the streams,
 * tables, queues, buckets, functions (with their environment resolved to local names), API routes,
 * event source mappings and Firehose delivery streams that `npm start` must reproduce. Only the
 * resource types and intrinsic functions this app uses are understood; anything else fails loudly.
 */
import { pathToFileURL } from 'node:url';
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
  LocalTopology,
} from './topology';

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface CfnResource {
  Type: string;
  Properties?: Record<string, Json>;
  Metadata?: Record<string, Json>;
}
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
}

export interface TopologyOptions {
  readonly stackName: string;
  /** Folder whose files stand in for SQS queues (one JSON-lines file per queue). */
  readonly queueDir: string;
}

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
    const p = r.Properties ?? {};
    tables.set(id, {
      logicalId: id,
      name: resolver.nameOf(id),
      keySchema: p.KeySchema as unknown as LocalTable['keySchema'],
      attributeDefinitions: p.AttributeDefinitions as unknown as LocalTable['attributeDefinitions'],
      globalSecondaryIndexes: p.GlobalSecondaryIndexes as unknown as LocalTable['globalSecondaryIndexes'],
      ttlAttribute: (p.TimeToLiveSpecification as { AttributeName?: string } | undefined)?.AttributeName,
    });
  }

  const queues = new Map<string, LocalQueue>();
  for (const [id] of ofType('AWS::SQS::Queue')) queues.set(id, { logicalId: id, url: resolver.queueUrl(id) });

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
    stateMachines.set(id, { logicalId: id, ...(typeof job === 'string' ? { job } : {}) });
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

/** Resolves the intrinsic functions CDK emits, mapping resources to their local names. */
class IntrinsicResolver {
  constructor(
    private readonly resources: Record<string, CfnResource>,
    private readonly options: TopologyOptions,
  ) {}

  /** Local physical name of a resource: its logical id (stable across synths of the same app). */
  nameOf(logicalId: string): string {
    return logicalId;
  }

  queueUrl(logicalId: string): string {
    return pathToFileURL(`${this.options.queueDir}/${logicalId}.jsonl`).href;
  }

  resolve(value: Json): Json {
    if (!isObject(value)) return Array.isArray(value) ? value.map((v) => this.resolve(v)) : value;
    const [fn, arg] = Object.entries(value)[0] ?? [];
    switch (fn) {
      case 'Ref':
        return this.ref(String(arg));
      case 'Fn::GetAtt': {
        const [id, attribute] = Array.isArray(arg) ? arg.map(String) : String(arg).split('.');
        return this.getAtt(id as string, attribute as string);
      }
      case 'Fn::Join': {
        const [separator, parts] = arg as [string, Json[]];
        return parts.map((part) => String(this.resolve(part))).join(separator);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [number, Json];
        return (this.resolve(list) as Json[])[Number(index)] ?? null;
      }
      case 'Fn::Split': {
        const [separator, source] = arg as [string, Json];
        return String(this.resolve(source)).split(separator);
      }
      default:
        throw new Error(`Local runtime cannot resolve ${JSON.stringify(value).slice(0, 200)}`);
    }
  }

  /** The logical id `value` references when it is a resource of `type`, else undefined. */
  logicalIdOfType(value: Json | undefined, type: string): string | undefined {
    const id = this.logicalIdIn(value);
    return id && this.resources[id]?.Type === type ? id : undefined;
  }

  referencedLogicalId(value: Json | undefined, type: string): string {
    const id = this.logicalIdIn(value);
    if (!id || this.resources[id]?.Type !== type) {
      throw new Error(`Expected a reference to a ${type}, got ${JSON.stringify(value)}`);
    }
    return id;
  }

  /** The Lambda function an integration or authorizer URI points at (a GetAtt Arn inside a Join). */
  findReferencedFunction(value: Json): string {
    const found = new Set<string>();
    const visit = (node: Json) => {
      if (Array.isArray(node)) node.forEach(visit);
      else if (isObject(node)) {
        const id = this.logicalIdIn(node);
        if (id && this.resources[id]?.Type === 'AWS::Lambda::Function') found.add(id);
        else Object.values(node).forEach(visit);
      }
    };
    visit(value);
    if (found.size !== 1)
      throw new Error(`Expected one Lambda function in ${JSON.stringify(value).slice(0, 300)}`);
    return [...found][0] as string;
  }

  private logicalIdIn(value: Json | undefined): string | undefined {
    if (!isObject(value)) return undefined;
    if (typeof value.Ref === 'string') return value.Ref;
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return String(getAtt[0]);
    return undefined;
  }

  private ref(id: string): Json {
    switch (id) {
      case 'AWS::Region':
        return LOCAL_REGION;
      case 'AWS::AccountId':
        return LOCAL_ACCOUNT;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return this.options.stackName;
    }
    const resource = this.resources[id];
    if (!resource) throw new Error(`Ref to unknown resource ${id}`);
    return resource.Type === 'AWS::SQS::Queue' ? this.queueUrl(id) : this.nameOf(id);
  }

  private getAtt(id: string, attribute: string): Json {
    const resource = this.resources[id];
    if (!resource) throw new Error(`GetAtt on unknown resource ${id}`);
    const name = this.nameOf(id);
    const arnOf: Record<string, string> = {
      'AWS::Kinesis::Stream': `arn:aws:kinesis:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stream/${name}`,
      'AWS::DynamoDB::Table': `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${name}`,
      'AWS::SQS::Queue': `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${name}`,
      'AWS::S3::Bucket': `arn:aws:s3:::${name}`,
      'AWS::Lambda::Function': `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${name}`,
      'AWS::KMS::Key': `arn:aws:kms:${LOCAL_REGION}:${LOCAL_ACCOUNT}:key/${name}`,
      'AWS::KinesisFirehose::DeliveryStream': `arn:aws:firehose:${LOCAL_REGION}:${LOCAL_ACCOUNT}:deliverystream/${name}`,
    };
    if (attribute === 'Arn' && arnOf[resource.Type]) return arnOf[resource.Type] as string;
    if (attribute === 'QueueUrl') return this.queueUrl(id);
    if (attribute === 'QueueName') return name;
    throw new Error(`Local runtime cannot resolve GetAtt ${id}.${attribute} (${resource.Type})`);
  }
}

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Resolves the intrinsic functions CDK emits (Ref, Fn::GetAtt, Fn::Join, Fn::Select, Fn::Split) against the
 * template's resources, mapping each resource to its local name and ARN. Anything else fails loudly.
 */
import { LOCAL_ACCOUNT, LOCAL_REGION, localArn, localQueueUrl } from './local-account';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface CfnResource {
  Type: string;
  Properties?: Record<string, Json>;
  Metadata?: Record<string, Json>;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
}

export interface ResolverOptions {
  readonly stackName: string;
  /** The local SQS endpoint (the directory endpoint or moto): queue URLs are on it. */
  readonly sqsEndpoint: string;
}

export class IntrinsicResolver {
  constructor(
    private readonly resources: Record<string, CfnResource>,
    private readonly options: ResolverOptions,
  ) {}

  /**
   * Local physical name of a resource: its logical id (stable across synths of the same app); lower-cased
   * for a bucket, whose name S3 (and the local S3 endpoint) only accepts in lower case.
   */
  nameOf(logicalId: string): string {
    return this.resources[logicalId]?.Type === 'AWS::S3::Bucket' ? logicalId.toLowerCase() : logicalId;
  }

  queueUrl(logicalId: string): string {
    return localQueueUrl(this.options.sqsEndpoint, this.nameOf(logicalId));
  }

  topicArn(logicalId: string): string {
    return localArn('sns', this.nameOf(logicalId));
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
    // As CloudFormation answers Ref: a queue's URL, a topic's ARN, else the physical name.
    if (resource.Type === 'AWS::SQS::Queue') return this.queueUrl(id);
    if (resource.Type === 'AWS::SNS::Topic') return this.topicArn(id);
    return this.nameOf(id);
  }

  private getAtt(id: string, attribute: string): Json {
    const resource = this.resources[id];
    if (!resource) throw new Error(`GetAtt on unknown resource ${id}`);
    const name = this.nameOf(id);
    const arnOf: Record<string, string> = {
      'AWS::Kinesis::Stream': localArn('kinesis', `stream/${name}`),
      'AWS::DynamoDB::Table': localArn('dynamodb', `table/${name}`),
      'AWS::SQS::Queue': localArn('sqs', name),
      'AWS::S3::Bucket': `arn:aws:s3:::${name}`,
      'AWS::Lambda::Function': localArn('lambda', `function:${name}`),
      'AWS::KMS::Key': localArn('kms', `key/${name}`),
      'AWS::KinesisFirehose::DeliveryStream': localArn('firehose', `deliverystream/${name}`),
    };
    if (attribute === 'Arn' && arnOf[resource.Type]) return arnOf[resource.Type] as string;
    if (attribute === 'QueueUrl') return this.queueUrl(id);
    if (attribute === 'QueueName') return name;
    if (resource.Type === 'AWS::SNS::Topic' && attribute === 'TopicArn') return this.topicArn(id);
    if (resource.Type === 'AWS::SNS::Topic' && attribute === 'TopicName') return name;
    throw new Error(`Local runtime cannot resolve GetAtt ${id}.${attribute} (${resource.Type})`);
  }
}

export function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

import { isAbsolute, normalize, posix, relative, resolve, sep } from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import {
  ApplicationLogLevel,
  Architecture,
  type CfnFunction,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { type ILogGroup, LogGroup } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { KeyRole } from '../lambdas/authorizer/write-keys';
import { METRICS_NAMESPACE } from '../lambdas/shared/metric-names';
import { BUNDLING } from './bundling';
import { acknowledgeOutsideVpc } from './private/guard-rules';
import { LOG_RETENTION } from './private/log-groups';
import { KMS_GRANT_WILDCARDS, nagArn } from './private/nag-refs';

/** The repository root: `lib/` sits directly under it, both in source (tsx, jest) and in any build. */
export const REPO_ROOT = resolve(__dirname, '..');

/** Metadata keys on every `AWS::Lambda::Function`; the local runtime reads them from the template. */
export const ENTRY_METADATA_KEY = 'recostream:entry';
export const HANDLER_METADATA_KEY = 'recostream:handler';

/** The ACCEPTED_ROLES value of an authorizer function (lambdas/authorizer/handler.ts). */
export function acceptedRoles(...roles: readonly KeyRole[]): string {
  return roles.join(',');
}

/** Namespace for the custom metrics every function publishes with Powertools Metrics. */

export interface RecoFunctionProps {
  /**
   * Handler source file, relative to the repository root, e.g. `lambdas/ingest/handler.ts`.
   * It must export a function named `handler`.
   */
  readonly entry: string;
  /**
   * Memory in MB. Always written to the template (cdk-nag Serverless-LambdaDefaultMemorySize).
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Maximum run time of one invocation. Always written to the template.
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * Extra environment variables. Resource names are better wired with the `bind*` helpers,
   * which grant access and set the variable in one call.
   * @default - none beyond the project-wide Powertools and Node.js settings
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Function description shown in the console.
   * @default - none
   */
  readonly description?: string;
  /**
   * Powertools service name (`POWERTOOLS_SERVICE_NAME`), a dimension of every metric and a key of every log line.
   * @default - the entry's folder name, e.g. `ingest` for `lambdas/ingest/handler.ts`
   */
  readonly serviceName?: string;
  /**
   * Repository-relative folders copied next to the bundle (same relative path), for files the handler reads
   * at run time, e.g. `sql/jobs`.
   * @default - none
   */
  readonly copyIntoBundle?: readonly string[];
  /**
   * Reserved concurrency: a floor and a ceiling on this function's concurrent executions.
   * @default - none (the account's unreserved pool)
   */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * The one Lambda function construct of the project. It fixes what every function shares: Node.js 22 on
 * arm64, active tracing, JSON logs into an explicit log group kept one month, esbuild options and the
 * Powertools environment. It also records the handler's source path as CloudFormation metadata
 * (`recostream:entry`, `recostream:handler`) so the local runtime can run the same module in-process.
 */
export class RecoFunction extends NodejsFunction {
  /** Handler source, relative to the repository root, with forward slashes. */
  public readonly entryPath: string;
  private readonly explicitLogGroup: LogGroup;

  constructor(scope: Construct, id: string, props: RecoFunctionProps) {
    const entryPath = RecoFunction.normaliseEntry(props.entry);
    const serviceName = props.serviceName ?? posix.basename(posix.dirname(entryPath));
    super(scope, id, {
      entry: resolve(REPO_ROOT, entryPath),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: resolve(REPO_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      tracing: Tracing.ACTIVE,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel.INFO,
      systemLogLevelV2: SystemLogLevel.WARN,
      environment: {
        POWERTOOLS_SERVICE_NAME: serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        minify: BUNDLING.minify,
        sourceMap: true,
        sourcesContent: BUNDLING.sourcesContent,
        target: 'node22',
        format: OutputFormat.CJS,
        // We bundle the AWS SDK v3 instead of using the copy in the Lambda runtime: the deployed code then
        // runs exactly the client versions pinned in package-lock.json, which the unit and local tests ran,
        // rather than whatever the runtime ships that month. Tree-shaken and minified, the clients add little
        // to the cold start, and upgrades become a reviewed lock-file change.
        bundleAwsSDK: true,
        externalModules: [],
        mainFields: [...BUNDLING.mainFields],
        logLevel: LogLevel.WARNING,
        ...(props.copyIntoBundle?.length ? { commandHooks: copyHooks(props.copyIntoBundle) } : {}),
      },
    });
    this.entryPath = entryPath;

    // An explicit log group (a child of this construct, generated name) so retention is set without the
    // LogRetention custom resource; the function writes to it through its logging configuration.
    this.explicitLogGroup = new LogGroup(this, 'LogGroup', { retention: LOG_RETENTION });
    const cfnFunction = this.node.defaultChild as CfnFunction;
    cfnFunction.loggingConfig = {
      logFormat: LoggingFormat.JSON,
      applicationLogLevel: ApplicationLogLevel.INFO,
      systemLogLevel: SystemLogLevel.WARN,
      logGroup: this.explicitLogGroup.logGroupName,
    };
    cfnFunction.addMetadata(ENTRY_METADATA_KEY, entryPath);
    cfnFunction.addMetadata(HANDLER_METADATA_KEY, 'handler');

    const role = this.role?.node.defaultChild;
    if (role) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'Lambda basic execution role: only logs:CreateLogGroup/CreateLogStream/PutLogEvents. The function ' +
          'logs to its own log group with one-month retention; the AWS managed policy is the standard minimum.',
      });
    }
    acknowledgeOutsideVpc(this);
    this.acknowledgeOnPolicy(
      'AwsSolutions-IAM5[Resource::*]',
      'Active tracing adds xray:PutTraceSegments and xray:PutTelemetryRecords, which support no ' +
        'resource-level permissions; every other statement of this policy names its resources.',
    );
    Validations.of(cfnFunction).acknowledge(
      {
        id: 'AwsSolutions-L1',
        reason:
          'nodejs22.x is the pinned project runtime (esbuild target node22, AWS SDK v3 support); moving to a ' +
          'newer runtime is a deliberate, tested upgrade rather than an automatic one.',
      },
      {
        id: 'Serverless-LambdaLatestVersion',
        reason:
          'nodejs22.x is the pinned project runtime (esbuild target node22, AWS SDK v3 support); moving to a ' +
          'newer runtime is a deliberate, tested upgrade rather than an automatic one.',
      },
      {
        id: 'Serverless-LambdaDLQ',
        reason:
          'No function of this app is invoked asynchronously: API Gateway invokes synchronously and the ' +
          'Kinesis event source mapping has its own on-failure S3 destination, so an async DLQ would never fire.',
      },
    );
  }

  /** The explicit log group the function writes to (LOG_RETENTION: one month). */
  public override get logGroup(): ILogGroup {
    return this.explicitLogGroup;
  }

  /**
   * Grants read (or read/write) data access to a table and sets its name in `envVar`; `update` grants
   * only `dynamodb:UpdateItem` (and the table key), for a writer that never reads, puts or deletes.
   */
  public bindTable(table: ITable, envVar: string, access: 'read' | 'readWrite' | 'update' = 'read'): this {
    if (access === 'update') {
      table.grant(this, 'dynamodb:UpdateItem');
      if (table.encryptionKey) {
        table.encryptionKey.grantEncryptDecrypt(this);
        this.acknowledgeKmsEncryptWildcards();
      }
    } else if (access === 'readWrite') {
      table.grantReadWriteData(this);
      if (table.encryptionKey) this.acknowledgeKmsEncryptWildcards();
    } else {
      table.grantReadData(this);
    }
    this.addEnvironment(envVar, table.tableName);
    return this;
  }

  /** Grants write (PutRecord/PutRecords) on a stream and sets its name in `envVar`. */
  public bindStreamWriter(stream: IStream, envVar: string): this {
    stream.grantWrite(this);
    if (stream.encryptionKey) this.acknowledgeKmsEncryptWildcards();
    this.addEnvironment(envVar, stream.streamName);
    return this;
  }

  /** Grants send on a queue and sets its URL in `envVar`. */
  public bindQueueSender(queue: IQueue, envVar: string): this {
    queue.grantSendMessages(this);
    if (queue.encryptionMasterKey) this.acknowledgeKmsEncryptWildcards();
    this.addEnvironment(envVar, queue.queueUrl);
    return this;
  }

  /**
   * Grants PutObject on `prefix*` only (never the whole bucket) and sets the bucket name in `bucketEnvVar`
   * and, when given, the prefix in `prefixEnvVar`.
   */
  public bindBucketPrefixWriter(
    bucket: IBucket,
    prefix: string,
    bucketEnvVar: string,
    prefixEnvVar?: string,
  ): this {
    if (prefix === '' || prefix.startsWith('/') || !prefix.endsWith('/') || prefix.includes('*')) {
      throw new Error(
        `Bucket prefix must be non-empty, relative, free of '*' and end with '/', got '${prefix}'`,
      );
    }
    bucket.grantPut(this, `${prefix}*`);
    this.acknowledgeOnPolicy(
      'AwsSolutions-IAM5[Action::s3:Abort*]',
      'Part of the CDK grantPut action set (s3:AbortMultipartUpload), on the same prefix-scoped object ARN.',
    );
    const bucketArn = nagArn(bucket, this);
    if (bucketArn) {
      this.acknowledgeOnPolicy(
        `AwsSolutions-IAM5[Resource::${bucketArn}/${prefix}*]`,
        `Object writes are scoped to the '${prefix}' prefix of the bucket; the wildcard stands for object keys ` +
          'under that prefix only.',
      );
    }
    if (bucket.encryptionKey) this.acknowledgeKmsEncryptWildcards();
    this.addEnvironment(bucketEnvVar, bucket.bucketName);
    if (prefixEnvVar) this.addEnvironment(prefixEnvVar, prefix);
    return this;
  }

  /** Acknowledges the KMS action wildcards that every CDK encrypt grant adds (resource: the one key). */
  private acknowledgeKmsEncryptWildcards(): void {
    const reason =
      'Added by a CDK grant on a KMS-encrypted resource; the statement is scoped to that one customer-managed ' +
      'key, and the wildcard only spans the ReEncrypt* / GenerateDataKey* variants the service calls.';
    for (const finding of KMS_GRANT_WILDCARDS) this.acknowledgeOnPolicy(finding, reason);
  }

  private acknowledgeOnPolicy(id: string, reason: string): void {
    const policy = this.role?.node.tryFindChild('DefaultPolicy');
    if (policy) Validations.of(policy).acknowledge({ id, reason });
  }

  private static normaliseEntry(entry: string): string {
    if (isAbsolute(entry)) {
      throw new Error(
        `RecoFunction entry must be relative to the repository root, got absolute path '${entry}'`,
      );
    }
    const rel = relative(REPO_ROOT, resolve(REPO_ROOT, normalize(entry)));
    if (rel.startsWith('..') || !/\.(ts|js|mts|cts|mjs|cjs)$/.test(rel)) {
      throw new Error(`RecoFunction entry must be a .ts/.js file inside the repository, got '${entry}'`);
    }
    return rel.split(sep).join('/');
  }
}

/** esbuild hooks that copy repository folders into the bundle's output directory after bundling. */
function copyHooks(folders: readonly string[]) {
  for (const folder of folders) {
    if (isAbsolute(folder) || normalize(folder).startsWith('..') || !/^[\w./-]+$/.test(folder))
      throw new Error(`copyIntoBundle entries must be plain repository-relative folders, got '${folder}'`);
  }
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir: string, outputDir: string) =>
      folders.map((f) => `mkdir -p "${outputDir}/${f}" && cp -R "${inputDir}/${f}/." "${outputDir}/${f}/"`),
  };
}

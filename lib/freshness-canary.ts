import { type CfnElement, CustomResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import { ApiKey, type IUsagePlan } from 'aws-cdk-lib/aws-apigateway';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { SERVICES } from '../lambdas/shared/metric-names';
import { acknowledgeProviderFramework, encryptedLogGroup } from './private/log-groups';
import { grantSecretRead } from './private/secret-grants';
import { RecoFunction } from './recostream-function';

/** The attributes of an ordinary write key, the only ones the canary key's registration may write. */
export const ORDINARY_WRITE_KEY_ATTRIBUTES = ['keyHash', 'name', 'createdAt', 'disabled'] as const;

export interface FreshnessCanaryProps {
  /** Base URL of the ingest API (stage URL, ending in `/`). */
  readonly ingestBaseUrl: string;
  readonly writeKeysTable: ITable;
  readonly profilesTable: ITable;
  /** Key of the WriteKeys table (the registration writes it) and of the secrets. */
  readonly encryptionKey: IKey;
  /** The canary's secrets (`createCanarySecrets`, in the data stack). */
  readonly secrets: CanarySecrets;
  /** @default Duration.minutes(1) */
  readonly interval?: Duration;
  /**
   * The recommendation API to check (its stage URL and usage plan): the canary gets its own API key on
   * that plan and also measures until the API reflects the event. Absent: only the profile is checked.
   */
  readonly recommendationApi?: { readonly url: string; readonly usagePlan: IUsagePlan };
}

export interface CanarySecrets {
  /** The canary's ingest write key (its hash is registered in WriteKeys at deploy). */
  readonly writeKeySecret: ISecret;
  /** The value of the canary's recommendation API key. */
  readonly apiKeySecret: ISecret;
}

/**
 * The canary's secrets. Stateful (the write key's hash is registered in WriteKeys), so created in the data stack
 * under a scope named `FreshnessCanary`: the logical ids are those the single stack had.
 */
export function createCanarySecrets(scope: Construct, encryptionKey: IKey): CanarySecrets {
  const writeKeySecret = new Secret(scope, 'WriteKey', {
    description: 'RecoStream freshness canary: ingest write key (its hash is registered on first use)',
    encryptionKey,
    generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
  });
  Validations.of(writeKeySecret).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason:
      'The canary key is a 48-character random write key that only sends canary events; rotating it needs ' +
      'the old hash disabled in WriteKeys, an operator step documented in the README, not a rotation Lambda.',
  });
  const apiKeySecret = new Secret(scope, 'ApiKeySecret', {
    description: 'RecoStream freshness canary: value of its recommendation API key',
    encryptionKey,
    // API Gateway key values: 20-128 characters.
    generateSecretString: { passwordLength: 40, excludePunctuation: true, includeSpace: false },
  });
  Validations.of(apiKeySecret).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason:
      'The value of an API Gateway API key that only reads recommendations for canary users; the key is ' +
      'replaced by changing the secret and redeploying, which updates the key, not by a rotation Lambda.',
  });
  return { writeKeySecret, apiKeySecret };
}

/**
 * The end-to-end freshness canary: a function run every minute by an EventBridge rule (not Scheduler:
 * the local runtime maps Scheduler schedules to batch jobs), with its own write key in Secrets Manager
 * and, when given the recommendation API, its own API key on that API's usage plan.
 * Its metric and SLO alarm are in Monitoring (`freshnessCanary: true`).
 *
 * The write key's hash is registered in WriteKeys at deploy by a custom resource (`Custom::CanaryWriteKey`),
 * whose function may write only the attributes of an ordinary key (never `role`); the canary function itself
 * has no write on the table, so neither role can create an admin key.
 */
export class FreshnessCanary extends Construct {
  public readonly function: RecoFunction;
  public readonly writeKeySecret: ISecret;
  public readonly rule: Rule;
  /** The canary's recommendation API key and the secret that holds its value (with `recommendationApi`). */
  public readonly apiKey?: ApiKey;
  public readonly apiKeySecret?: ISecret;
  /** Registers the write key's hash in WriteKeys at deploy; disables it when the resource is deleted. */
  public readonly keyRegistration: { readonly function: RecoFunction; readonly resource: CustomResource };

  constructor(scope: Construct, id: string, props: FreshnessCanaryProps) {
    super(scope, id);
    this.writeKeySecret = props.secrets.writeKeySecret;
    this.keyRegistration = this.registerKeyAtDeploy(props);
    this.function = new RecoFunction(this, 'Function', {
      entry: 'lambdas/canary/handler.ts',
      serviceName: SERVICES.canary,
      description: 'Freshness canary: ingest API -> visible in the profile and recommendations, every minute',
      memorySize: 256,
      timeout: Duration.seconds(55),
      environment: {
        INGEST_BASE_URL: props.ingestBaseUrl,
        CANARY_WRITE_KEY_SECRET_ARN: this.writeKeySecret.secretArn,
        CANARY_TIMEOUT_MS: '45000',
      },
    }).bindTable(props.profilesTable, 'PROFILES_TABLE_NAME');
    grantSecretRead(this.writeKeySecret, this.function);
    if (props.recommendationApi) {
      this.apiKeySecret = props.secrets.apiKeySecret;
      // A dynamic reference ({{resolve:secretsmanager:...}}): the value is never in the template.
      this.apiKey = new ApiKey(this, 'ApiKey', {
        description: 'Freshness canary: reads recommendations of canary users',
        value: this.apiKeySecret.secretValue.unsafeUnwrap(),
      });
      props.recommendationApi.usagePlan.addApiKey(this.apiKey);
      grantSecretRead(this.apiKeySecret, this.function);
      this.function.addEnvironment('RECOMMENDATION_API_URL', props.recommendationApi.url);
      this.function.addEnvironment('CANARY_API_KEY_SECRET_ARN', this.apiKeySecret.secretArn);
    }
    this.rule = new Rule(this, 'Schedule', {
      description: 'Runs the freshness canary',
      schedule: Schedule.rate(props.interval ?? Duration.minutes(1)),
      targets: [new LambdaFunction(this.function, { retryAttempts: 0 })],
    });
    Validations.of(this.rule).acknowledge({
      id: 'Serverless-EventBusDLQ',
      reason:
        'A canary run that could not be delivered is itself the signal: the freshness SLO alarm treats a ' +
        'missing data point as breaching, and a run retried later would measure nothing useful.',
    });
    // The first run needs its key registered.
    this.rule.node.addDependency(this.keyRegistration.resource);
  }

  private registerKeyAtDeploy(props: FreshnessCanaryProps): FreshnessCanary['keyRegistration'] {
    const fn = new RecoFunction(this, 'KeyRegistrationFunction', {
      entry: 'lambdas/canary-key/handler.ts',
      serviceName: SERVICES.canary,
      description: 'Custom resource: registers the freshness canary write key hash in WriteKeys at deploy',
      memorySize: 256,
      timeout: Duration.seconds(30),
    });
    grantSecretRead(this.writeKeySecret, fn);
    // An ordinary key only: DynamoDB refuses a put or update that names any other attribute (`role`).
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [props.writeKeysTable.tableArn],
        conditions: {
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...ORDINARY_WRITE_KEY_ATTRIBUTES] },
        },
      }),
    );
    props.encryptionKey.grant(fn, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey');
    const provider = new Provider(this, 'KeyRegistrationProvider', {
      onEventHandler: fn,
      logGroup: encryptedLogGroup(this, 'KeyRegistrationProviderLogs', props.encryptionKey),
    });
    acknowledgeProviderFramework(provider, Stack.of(this).getLogicalId(fn.node.defaultChild as CfnElement));
    const resource = new CustomResource(this, 'KeyRegistration', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::CanaryWriteKey',
      properties: { SecretArn: this.writeKeySecret.secretArn, TableName: props.writeKeysTable.tableName },
    });
    return { function: fn, resource };
  }
}

import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnLoggingConfiguration, CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { INGEST_ROUTES } from '../lambdas/ingest/ingest-routes';
import { decimalAbove } from './private/decimal-pattern';

export interface ApiWafProps {
  /** REST APIs whose deployment stage gets the web ACL. */
  readonly apis: readonly RestApi[];
  /** Key that encrypts the WAF log group (the app's data key). */
  readonly encryptionKey: IKey;
  /** Requests per 5 minutes per client IP before the rate rule blocks. @default 20000 */
  readonly rateLimitPer5Minutes?: number;
  /**
   * Ingest routes (`/v1/<route>`, with or without the stage in front) whose bodies may exceed the common rule
   * set's 8 KB: Segment libraries send batches of up to 500 events.
   * @default INGEST_ROUTES
   */
  readonly largeBodyRoutes?: readonly string[];
  /**
   * Requests whose `Content-Length` is larger are blocked (WAF sees at most the first 16-64 KB of a body, so the
   * size comes from the header; API Gateway itself refuses bodies over 10 MB, the ingest function over 1 MB).
   * @default 1 MiB
   */
  readonly maxBodyBytes?: number;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

/** The common rule set's label on a request whose body is over 8 KB (its SizeRestrictions_BODY rule). */
export const OVERSIZE_BODY_LABEL = 'awswaf:managed:aws:core-rule-set:SizeRestrictions_Body';

/** Request headers never written to the WAF log: the ingest write key (Basic auth) and the API key. */
export const WAF_REDACTED_HEADERS = ['authorization', 'x-api-key'] as const;

/**
 * Optional WAF (context `waf=true`): one regional web ACL on the API stages with AWS managed rule groups
 * (common exploits, known bad inputs, IP reputation), a per-IP rate limit on top of the stage throttling, and a
 * body size limit. The common rule set's 8 KB body rule only counts (and labels); a rule of our own blocks
 * labelled requests except on the ingest routes, where batches are larger. Every request is logged to a
 * KMS-encrypted log group with the credential headers redacted.
 * Off by default: a web ACL costs a fixed monthly fee plus per request, and ingest clients are authenticated.
 */
export class ApiWaf extends Construct {
  public readonly webAcl: CfnWebACL;
  /** `aws-waf-logs-<stack>`: WAF requires the prefix. */
  public readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ApiWafProps) {
    super(scope, id);
    const limit = props.rateLimitPer5Minutes ?? 20_000;
    if (!Number.isInteger(limit) || limit < 10)
      throw new Error(`rateLimitPer5Minutes must be an integer >= 10, got ${limit}`);
    const maxBodyBytes = props.maxBodyBytes ?? 1024 * 1024;
    if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 8192)
      throw new Error(`maxBodyBytes must be an integer >= 8192, got ${maxBodyBytes}`);
    const routes = props.largeBodyRoutes ?? INGEST_ROUTES;
    if (routes.length === 0 || routes.some((r) => !/^[a-z0-9-]+$/.test(r)))
      throw new Error(`largeBodyRoutes must be path segments like 'events', got ${JSON.stringify(routes)}`);

    const visibility = (metricName: string) => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    const managed = (
      name: string,
      priority: number,
      ruleActionOverrides?: CfnWebACL.RuleActionOverrideProperty[],
    ): CfnWebACL.RuleProperty => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: 'AWS',
          name,
          ...(ruleActionOverrides ? { ruleActionOverrides } : {}),
        },
      },
      visibilityConfig: visibility(name),
    });
    const noTransformation = [{ priority: 0, type: 'NONE' }];
    // `/prod/v1/events` on the stage URL, `/v1/events` behind a custom domain.
    const ingestPath = {
      regexMatchStatement: {
        regexString: `^(/[^/]+)?/v1/(${routes.join('|')})/?$`,
        fieldToMatch: { uriPath: {} },
        textTransformations: noTransformation,
      },
    };

    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(`${Stack.of(this).stackName}-api-waf`),
      rules: [
        {
          name: 'RateLimitPerIp',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { limit, aggregateKeyType: 'IP' } },
          visibilityConfig: visibility('RateLimitPerIp'),
        },
        {
          name: 'BodyOverLimit',
          priority: 1,
          action: { block: {} },
          statement: {
            regexMatchStatement: {
              regexString: `^${decimalAbove(maxBodyBytes)}$`,
              fieldToMatch: { singleHeader: { Name: 'content-length' } },
              textTransformations: noTransformation,
            },
          },
          visibilityConfig: visibility('BodyOverLimit'),
        },
        managed('AWSManagedRulesAmazonIpReputationList', 2),
        // Count, not block: the rule still labels the request, and OversizeBodyOutsideIngest decides.
        managed('AWSManagedRulesCommonRuleSet', 3, [
          { name: 'SizeRestrictions_BODY', actionToUse: { count: {} } },
        ]),
        {
          name: 'OversizeBodyOutsideIngest',
          priority: 4,
          action: { block: {} },
          statement: {
            andStatement: {
              statements: [
                { labelMatchStatement: { scope: 'LABEL', key: OVERSIZE_BODY_LABEL } },
                { notStatement: { statement: ingestPath } },
              ],
            },
          },
          visibilityConfig: visibility('OversizeBodyOutsideIngest'),
        },
        managed('AWSManagedRulesKnownBadInputsRuleSet', 5),
      ],
    });
    props.apis.forEach((api, i) => {
      new CfnWebACLAssociation(this, `Association${i}`, {
        resourceArn: api.deploymentStage.stageArn,
        webAclArn: this.webAcl.attrArn,
      });
    });

    this.logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `aws-waf-logs-${Stack.of(this).stackName}`,
      encryptionKey: props.encryptionKey,
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
    });
    new CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      // The log group's ARN without the `:*` that its Arn attribute ends with, as WAF wants it.
      logDestinationConfigs: [
        Stack.of(this).formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: this.logGroup.logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      redactedFields: WAF_REDACTED_HEADERS.map((name) => ({ singleHeader: { Name: name } })),
    });
  }
}

import { Stack } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

export interface ApiWafProps {
  /** REST APIs whose deployment stage gets the web ACL. */
  readonly apis: readonly RestApi[];
  /** Requests per 5 minutes per client IP before the rate rule blocks. @default 20000 */
  readonly rateLimitPer5Minutes?: number;
}

/**
 * Optional WAF (context `waf=true`): one regional web ACL on the API stages with AWS managed rule groups
 * (common exploits, known bad inputs, IP reputation) and a per-IP rate limit on top of the stage throttling.
 * Off by default: a web ACL costs a fixed monthly fee plus per request, and ingest clients are authenticated.
 */
export class ApiWaf extends Construct {
  public readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: ApiWafProps) {
    super(scope, id);
    const limit = props.rateLimitPer5Minutes ?? 20_000;
    if (!Number.isInteger(limit) || limit < 10)
      throw new Error(`rateLimitPer5Minutes must be an integer >= 10, got ${limit}`);
    const visibility = (metricName: string) => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    const managed = (name: string, priority: number) => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
      visibilityConfig: visibility(name),
    });
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
        managed('AWSManagedRulesAmazonIpReputationList', 1),
        managed('AWSManagedRulesCommonRuleSet', 2),
        managed('AWSManagedRulesKnownBadInputsRuleSet', 3),
      ],
    });
    props.apis.forEach((api, i) => {
      new CfnWebACLAssociation(this, `Association${i}`, {
        resourceArn: api.deploymentStage.stageArn,
        webAclArn: this.webAcl.attrArn,
      });
    });
  }
}

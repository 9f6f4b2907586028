/** The optional WAF: absent by default; with `-c waf=true` one web ACL on both API stages. */
import { Match } from 'aws-cdk-lib/assertions';
import { logicalIdOf, synthApp } from './helpers';

it('adds no web ACL unless the waf context is set', () => {
  const { template } = synthApp();
  template.resourceCountIs('AWS::WAFv2::WebACL', 0);
  template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
});

it('associates a regional web ACL with managed rules and a per-IP rate limit to both API stages', () => {
  const { stack, template } = synthApp({ waf: 'true' });
  template.resourceCountIs('AWS::WAFv2::WebACL', 1);
  template.hasResourceProperties('AWS::WAFv2::WebACL', {
    Scope: 'REGIONAL',
    DefaultAction: { Allow: {} },
    Rules: [
      Match.objectLike({
        Name: 'RateLimitPerIp',
        Action: { Block: {} },
        Statement: { RateBasedStatement: { Limit: 20_000, AggregateKeyType: 'IP' } },
      }),
      Match.objectLike({
        Statement: {
          ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesAmazonIpReputationList' },
        },
      }),
      Match.objectLike({
        Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' } },
      }),
      Match.objectLike({
        Statement: {
          ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesKnownBadInputsRuleSet' },
        },
      }),
    ],
  });
  const stages = Object.values(template.findResources('AWS::WAFv2::WebACLAssociation')).map((r) =>
    JSON.stringify(r.Properties.ResourceArn),
  );
  expect(stages).toHaveLength(2);
  const stageIds = [stack.ingestion.api, stack.recommendationApi.api].map((api) =>
    logicalIdOf(api.deploymentStage),
  );
  for (const id of stageIds) expect(stages.some((arn) => arn.includes(id))).toBe(true);
});

/**
 * The optional WAF: absent by default; with `-c waf=true` one web ACL on both API stages. Issue 13: the common
 * rule set's 8 KB body rule blocked Segment-sized batches on the ingest routes, nothing capped bodies at 1 MiB
 * and nothing was logged. The rules' regular expressions are taken from the template and run here.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { OVERSIZE_BODY_LABEL } from '../../../lib/api-waf';
import { decimalAbove } from '../../../lib/private/decimal-pattern';
import { logicalIdOf, synthApp } from './helpers';

it('adds no web ACL unless the waf context is set', () => {
  const { template } = synthApp();
  template.resourceCountIs('AWS::WAFv2::WebACL', 0);
  template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
  template.resourceCountIs('AWS::WAFv2::LoggingConfiguration', 0);
});

describe('with -c waf=true', () => {
  const { stack, dataStack, template } = synthApp({ waf: 'true' });
  interface RegexMatch {
    readonly RegexString: string;
    readonly FieldToMatch: unknown;
  }
  /** The template's shape of the two custom rules these tests read. */
  interface Rule {
    readonly Name: string;
    readonly Priority: number;
    readonly Action?: unknown;
    readonly Statement: {
      readonly RegexMatchStatement: RegexMatch;
      readonly AndStatement: {
        readonly Statements: [unknown, { NotStatement: { Statement: { RegexMatchStatement: RegexMatch } } }];
      };
    };
  }
  const rules = (): Rule[] =>
    (Object.values(template.findResources('AWS::WAFv2::WebACL'))[0]?.Properties.Rules ?? []) as Rule[];
  const rule = (name: string) => {
    const found = rules().find((r) => r.Name === name);
    if (!found) throw new Error(`no rule ${name}`);
    return found;
  };

  it('associates a regional web ACL with managed rules and a per-IP rate limit to both API stages', () => {
    template.resourceCountIs('AWS::WAFv2::WebACL', 1);
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      Rules: Match.arrayWith([
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
          Statement: {
            ManagedRuleGroupStatement: Match.objectLike({
              VendorName: 'AWS',
              Name: 'AWSManagedRulesCommonRuleSet',
            }),
          },
        }),
        Match.objectLike({
          Statement: {
            ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesKnownBadInputsRuleSet' },
          },
        }),
      ]),
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

  it("only counts the common rule set's 8 KB body rule, so it labels instead of blocking", () => {
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: Match.arrayWith([
        Match.objectLike({
          Name: 'AWSManagedRulesCommonRuleSet',
          OverrideAction: { None: {} },
          Statement: {
            ManagedRuleGroupStatement: Match.objectLike({
              RuleActionOverrides: [{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }],
            }),
          },
        }),
      ]),
    });
  });

  it('blocks labelled bodies over 8 KB everywhere but on the ingest routes, after the common rule set', () => {
    const oversize = rule('OversizeBodyOutsideIngest');
    expect(oversize.Action).toEqual({ Block: {} });
    const [label, notIngest] = oversize.Statement.AndStatement.Statements;
    expect(label).toEqual({ LabelMatchStatement: { Scope: 'LABEL', Key: OVERSIZE_BODY_LABEL } });
    const path = notIngest.NotStatement.Statement.RegexMatchStatement;
    expect(path.FieldToMatch).toEqual({ UriPath: {} });
    const ingest = new RegExp(path.RegexString);
    for (const p of [
      '/prod/v1/events',
      '/prod/v1/batch',
      '/v1/track',
      '/prod/v1/page/',
      '/prod/v1/identify',
      '/prod/v1/alias',
      '/prod/v1/items',
    ])
      expect([p, ingest.test(p)]).toEqual([p, true]);
    for (const p of [
      '/prod/v1/users/u-1/recommendations',
      '/prod/v1/items/trending',
      '/prod/v1/items/i-1/similar',
      '/prod/v1/events/x',
      '/',
    ])
      expect([p, ingest.test(p)]).toEqual([p, false]);
    const priority = (name: string) => rule(name).Priority;
    expect(priority('OversizeBodyOutsideIngest')).toBeGreaterThan(priority('AWSManagedRulesCommonRuleSet'));
  });

  it('blocks any request whose Content-Length is over 1 MiB', () => {
    const body = rule('BodyOverLimit');
    expect(body.Action).toEqual({ Block: {} });
    const match = body.Statement.RegexMatchStatement;
    expect(match.FieldToMatch).toEqual({ SingleHeader: { Name: 'content-length' } });
    const over = new RegExp(match.RegexString);
    for (const length of ['1048577', '1048600', '2000000', '10485760', '01048577'])
      expect([length, over.test(length)]).toEqual([length, true]);
    for (const length of ['1048576', '1048575', '999999', '8192', '0', '0001048576'])
      expect([length, over.test(length)]).toEqual([length, false]);
  });

  it('logs every request to a KMS-encrypted aws-waf-logs- log group, without the credential headers', () => {
    const logGroupId = logicalIdOf(stack.node.findChild('ApiWaf').node.findChild('Logs'));
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: 'aws-waf-logs-RecoStream',
      KmsKeyId: { 'Fn::GetAtt': [logicalIdOf(dataStack.node.findChild('DataKey')), 'Arn'] },
      RetentionInDays: 30,
    });
    const logging = Object.values(template.findResources('AWS::WAFv2::LoggingConfiguration'));
    expect(logging).toHaveLength(1);
    const properties = logging[0]?.Properties;
    expect(JSON.stringify(properties.LogDestinationConfigs)).toContain(`:log-group:`);
    expect(JSON.stringify(properties.LogDestinationConfigs)).toContain(logGroupId);
    expect(JSON.stringify(properties.LogDestinationConfigs)).not.toContain(':*');
    expect(properties.RedactedFields).toEqual([
      { SingleHeader: { Name: 'authorization' } },
      { SingleHeader: { Name: 'x-api-key' } },
    ]);
  });
});

describe('decimalAbove', () => {
  it.each([0, 7, 9, 10, 99, 100, 189, 1999, 8192, 1_048_576])(
    'matches exactly the integers above %d',
    (n) => {
      const above = new RegExp(`^${decimalAbove(n)}$`);
      for (let v = Math.max(0, n - 250); v <= n + 250; v++)
        expect([v, above.test(String(v))]).toEqual([v, v > n]);
      for (const v of [n * 10 + 1, n * 100, 10 ** String(n).length, 10 ** (String(n).length + 3)])
        expect([v, above.test(String(v))]).toEqual([v, v > n]);
      expect(above.test(`00${n}`)).toBe(false);
      expect(above.test(`00${n + 1}`)).toBe(true);
    },
  );

  it('refuses what is not a non-negative integer', () => {
    expect(() => decimalAbove(-1)).toThrow('decimalAbove needs a non-negative integer, got -1');
    expect(() => decimalAbove(1.5)).toThrow('got 1.5');
  });
});

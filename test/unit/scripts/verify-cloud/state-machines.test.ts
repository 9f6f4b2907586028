/**
 * asl-validator step of `npm run verify:cloud`: CDK's Fn::Join definitions are rendered with placeholder
 * values, the app's state machines pass, and a broken definition fails.
 */
import {
  aslErrors,
  renderIntrinsic,
  validateStateMachines,
} from '../../../../scripts/verify-cloud/state-machines';
import type { CfnTemplate } from '../../../../scripts/verify-cloud/template';
import { synthApp } from '../../lib/helpers';

const template: CfnTemplate = {
  Resources: {
    Fn: { Type: 'AWS::Lambda::Function' },
    Table: { Type: 'AWS::DynamoDB::Table' },
    Machine: {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: {
        DefinitionString: {
          'Fn::Join': [
            '',
            [
              '{"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"arn:',
              { Ref: 'AWS::Partition' },
              ':states:::lambda:invoke","Parameters":{"FunctionName":"',
              { 'Fn::GetAtt': ['Fn', 'Arn'] },
              '","Payload.$":"$"},"Next":"Done"},"Done":{"Type":"Succeed"}}}',
            ],
          ],
        },
      },
    },
  },
};

describe('state machine definitions', () => {
  it('renders Fn::Join with pseudo parameters and ARNs of the referenced resource type', () => {
    expect(
      renderIntrinsic(template, {
        'Fn::Join': [':', [{ Ref: 'AWS::Region' }, { 'Fn::GetAtt': ['Fn', 'Arn'] }, { Ref: 'Table' }]],
      }),
    ).toBe('eu-west-1:arn:aws:lambda:eu-west-1:123456789012:function:Fn:Table');
    expect(() => renderIntrinsic(template, { 'Fn::ImportValue': 'x' })).toThrow(/cannot render/);
  });

  it('passes a valid definition', () => {
    expect(validateStateMachines(template)).toEqual([{ logicalId: 'Machine', errors: [] }]);
  });

  it('fails a broken definition: a transition to a state that does not exist, an unknown state type', () => {
    const missingTarget = {
      StartAt: 'Call',
      States: { Call: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Next: 'Missing' } },
    };
    expect(aslErrors(missingTarget)).toContain(
      "MISSING_TRANSITION_TARGET: Missing 'StartAt'|'Next'|'Default' target: Missing",
    );
    const unknownType = { StartAt: 'Odd', States: { Odd: { Type: 'Teleport', End: true } } };
    expect(
      aslErrors(unknownType).some((e) => e.startsWith('SCHEMA_VALIDATION_FAILED: /States/Odd/Type')),
    ).toBe(true);
    // Through the template path too: the step fails, it does not only log.
    const json = JSON.stringify(missingTarget);
    const machine = { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: json } };
    expect(validateStateMachines({ Resources: { Machine: machine } })[0]?.errors).not.toEqual([]);
  });

  it('the app has three state machines and each is valid', () => {
    const results = validateStateMachines(synthApp().template.toJSON() as CfnTemplate);
    expect(results).toHaveLength(3);
    for (const r of results) expect(r).toEqual({ logicalId: r.logicalId, errors: [] });
  });
});

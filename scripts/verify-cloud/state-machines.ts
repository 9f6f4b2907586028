/**
 * asl-validator on every state machine of a template. CDK writes a definition as an `Fn::Join` of JSON text
 * and references (function ARNs, table names, the partition and region), so it is rendered first with a
 * plausible value for each reference: an ARN of the referenced resource's service where the attribute is `Arn`.
 */
import type { CfnTemplate } from './template';

interface AslValidationError {
  readonly 'Error code': string;
  readonly Message: string;
}
type AslValidator = (definition: unknown) => { isValid: boolean; errors: AslValidationError[] };
// asl-validator ships no type declarations.
const validateAsl = require('asl-validator') as AslValidator;

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const PSEUDO: Readonly<Record<string, string>> = {
  'AWS::Partition': 'aws',
  'AWS::Region': REGION,
  'AWS::AccountId': ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'RecoStream',
};

export interface StateMachineResult {
  readonly logicalId: string;
  readonly errors: string[];
}

function placeholderArn(template: CfnTemplate, logicalId: string): string {
  const type = template.Resources?.[logicalId]?.Type ?? 'AWS::Unknown::Resource';
  if (type === 'AWS::Lambda::Function') return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${logicalId}`;
  const service = (type.split('::')[1] ?? 'unknown').toLowerCase();
  return `arn:aws:${service}:${REGION}:${ACCOUNT}:${logicalId}`;
}

/** Renders an intrinsic-function value of the template to a string with placeholder values. */
export function renderIntrinsic(template: CfnTemplate, value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const [fn, args] = Object.entries(value)[0] ?? [];
    if (fn === 'Ref' && typeof args === 'string') return PSEUDO[args] ?? args;
    if (fn === 'Fn::GetAtt' && Array.isArray(args)) {
      const [id, attribute] = args as [string, string];
      return attribute === 'Arn' ? placeholderArn(template, id) : `${id}.${attribute}`;
    }
    if (fn === 'Fn::Join' && Array.isArray(args)) {
      const [separator, parts] = args as [string, unknown[]];
      return parts.map((p) => renderIntrinsic(template, p)).join(separator);
    }
  }
  throw new Error(`cannot render ${JSON.stringify(value).slice(0, 120)} in a state machine definition`);
}

/** Validates one definition (parsed JSON) with asl-validator; the errors as `CODE: message`. */
export function aslErrors(definition: unknown): string[] {
  const { errors } = validateAsl(definition);
  return errors.map((e) => `${e['Error code']}: ${e.Message}`);
}

/** Every `AWS::StepFunctions::StateMachine` of the template, rendered and validated. */
export function validateStateMachines(template: CfnTemplate): StateMachineResult[] {
  return Object.entries(template.Resources ?? {})
    .filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine')
    .map(([logicalId, r]) => {
      const props = r.Properties ?? {};
      const raw = props.DefinitionString ?? JSON.stringify(props.Definition);
      try {
        return { logicalId, errors: aslErrors(JSON.parse(renderIntrinsic(template, raw))) };
      } catch (e) {
        return { logicalId, errors: [`not renderable: ${(e as Error).message}`] };
      }
    });
}

/**
 * The app is two stacks (RecoStreamData with the stateful resources, RecoStream with the rest); the local
 * runtime reads them as one template, as CloudFormation would see them deployed together: the resources of
 * every stack side by side (their logical ids are unique across the app) and each `Fn::ImportValue` replaced by
 * the value the exporting stack's output gives it, which then resolves like any Ref or GetAtt of that stack.
 */
import { type CfnResource, type CfnTemplate, isObject, type Json } from './intrinsic-resolver';

/** A synthesised stack: a cloud assembly's `stacks` entries have this shape. */
export interface SynthesisedStack {
  readonly stackName: string;
  readonly template: StackTemplate;
}

interface StackTemplate {
  Resources?: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: Json; Description?: Json; Export?: { Name: Json } }>;
}

/** CDK's own bookkeeping resource, one per stack with the same logical id; nothing local reads it. */
const CDK_METADATA = 'AWS::CDK::Metadata';

/** The stacks as one template, with the outputs they show (not the exports between them). */
export interface AppTemplate extends CfnTemplate {
  Outputs: Record<string, { Value: Json; Description?: Json }>;
}

/** The stacks of a cloud assembly as one template (see the file comment). */
export function templateOfStacks(stacks: readonly SynthesisedStack[]): AppTemplate {
  const exports = new Map<string, Json>();
  for (const { stackName, template } of stacks) {
    for (const [id, output] of Object.entries(template.Outputs ?? {})) {
      if (output.Export === undefined) continue;
      const name = output.Export.Name;
      if (typeof name !== 'string') throw new Error(`${stackName} output ${id}: export name is not a string`);
      exports.set(name, output.Value);
    }
  }
  const resources: Record<string, CfnResource> = {};
  const owner = new Map<string, string>();
  for (const { stackName, template } of stacks) {
    for (const [id, resource] of Object.entries(template.Resources ?? {})) {
      if (resource.Type === CDK_METADATA) continue;
      const other = owner.get(id);
      if (other !== undefined)
        throw new Error(
          `Logical id ${id} is in both ${other} and ${stackName}: the local runtime needs them unique`,
        );
      owner.set(id, stackName);
      // Imports only occur in properties (CDK emits them there: names, ARNs, environment variables).
      const properties = resource.Properties;
      resources[id] = properties
        ? {
            ...resource,
            Properties: Object.fromEntries(
              Object.entries(properties).map(([k, v]) => [k, importsResolved(v, exports)]),
            ),
          }
        : resource;
    }
  }
  const outputs: AppTemplate['Outputs'] = {};
  for (const { template } of stacks)
    for (const [id, output] of Object.entries(template.Outputs ?? {}))
      if (output.Export === undefined)
        outputs[id] = { ...output, Value: importsResolved(output.Value, exports) };
  return { Resources: resources, Outputs: outputs };
}

function importsResolved(value: Json, exports: ReadonlyMap<string, Json>): Json {
  if (Array.isArray(value)) return value.map((v) => importsResolved(v, exports));
  if (!isObject(value)) return value;
  const entries = Object.entries(value);
  const [fn, arg] = entries[0] ?? [];
  if (entries.length === 1 && fn === 'Fn::ImportValue') {
    if (typeof arg !== 'string')
      throw new Error(`Fn::ImportValue of a computed name: ${JSON.stringify(arg)}`);
    const exported = exports.get(arg);
    if (exported === undefined) throw new Error(`Fn::ImportValue '${arg}': no stack of the app exports it`);
    return exported;
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, importsResolved(v, exports)]));
}

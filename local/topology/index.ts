/**
 * Topology: what CloudFormation would create, as the local runtime sees it. `templateOfStacks` reads the
 * synthesised templates of the CDK app's stacks (the ones `cdk deploy --all` deploys) as one, with the cross-stack
 * imports resolved, and `topologyFromTemplate` derives from it the streams, tables, queues, topics,
 * buckets, functions (environment with Ref/GetAtt resolved to local names), API routes with their authorizers,
 * event source mappings, Firehose delivery streams, state machines and schedules, so nothing in local/ keeps a
 * hand-written copy of a name, key, batch size or route. Also here: the one local account (region, account id,
 * credentials, ARNs) every local part uses.
 *
 * Public surface: `templateOfStacks`, `topologyFromTemplate`, the `Local*` resource types and `Invoke`,
 * `LOCAL_REGION`, `LOCAL_ACCOUNT`, `LOCAL_CREDENTIALS`, `localArn`, `localQueueUrl`.
 */

export type { CfnTemplate } from './intrinsic-resolver';
export { LOCAL_ACCOUNT, LOCAL_CREDENTIALS, LOCAL_REGION, localArn, localQueueUrl } from './local-account';
export type * from './local-topology';
export { type AppTemplate, type SynthesisedStack, templateOfStacks } from './stack-templates';
export { type TopologyOptions, topologyFromTemplate } from './template-topology';

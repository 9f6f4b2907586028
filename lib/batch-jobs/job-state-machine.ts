/**
 * One batch job as a Standard state machine: the plan Lambda, the job's Athena queries as StartQueryExecution
 * .sync tasks in order, the validation-gate Lambda, a Choice and the publish Lambda; any error is caught,
 * recorded on the run and published to the alarm topic. Created in the BatchJobs scope, so the logical ids
 * are the construct's.
 */
import { Duration } from 'aws-cdk-lib';
import type { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import {
  type CfnStateMachine,
  Choice,
  Condition,
  DefinitionBody,
  Errors,
  Fail,
  type IChainable,
  type INextable,
  IntegrationPattern,
  JitterType,
  JsonPath,
  LogLevel,
  type RetryProps,
  type State,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  type TaskStateBase,
} from 'aws-cdk-lib/aws-stepfunctions';
import {
  AthenaStartQueryExecution,
  type AthenaStartQueryExecutionProps,
  LambdaInvoke,
  SnsPublish,
} from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { JobName } from '../../lambdas/shared/published';
import type { DataLake } from '../data-lake';
import type { RecoFunction } from '../recostream-function';
import { pascal } from './private/names';

/** CloudFormation metadata key naming the job a state machine runs; the local scheduler reads it. */
export const JOB_METADATA_KEY = 'recostream:job';

/** Lambda service errors worth retrying (LambdaInvoke's own retry covers the SDK-level ones). */
const LAMBDA_TRANSIENT: RetryProps = {
  errors: [
    'Lambda.TooManyRequestsException',
    'ProvisionedThroughputExceededException',
    'ThrottlingException',
  ],
  interval: Duration.seconds(2),
  maxAttempts: 4,
  backoffRate: 2,
  jitterStrategy: JitterType.FULL,
};
/** Athena API throttling and internal errors; a FAILED query is not retried (UNLOAD needs an empty target). */
const ATHENA_TRANSIENT: RetryProps = {
  errors: ['Athena.TooManyRequestsException', 'Athena.InternalServerException'],
  interval: Duration.seconds(5),
  maxAttempts: 4,
  backoffRate: 2,
  jitterStrategy: JitterType.FULL,
};

export interface JobStepFunctions {
  readonly plan: RecoFunction;
  readonly validate: RecoFunction;
  readonly publish: RecoFunction;
  readonly recordFailure: RecoFunction;
}

export interface JobStateMachineProps {
  readonly job: JobName;
  /** Names of the job's query steps, in order (the plan renders their SQL at run time). */
  readonly stepNames: readonly string[];
  readonly functions: JobStepFunctions;
  readonly logGroup: LogGroup;
  readonly alarmTopic: ITopic;
  readonly dataLake: DataLake;
}

export function createJobStateMachine(scope: Construct, props: JobStateMachineProps): StateMachine {
  const { job, functions: fns } = props;
  const steps = new Construct(scope, `${pascal(job)}Job`);
  const lambdaStep = (id: string, fn: RecoFunction, payload: TaskInput, resultPath: string) => {
    const task = new LambdaInvoke(steps, id, {
      lambdaFunction: fn,
      payload,
      payloadResponseOnly: true,
      resultPath,
    });
    task.addRetry(LAMBDA_TRANSIENT);
    return task;
  };
  const fail = new Fail(steps, 'RunFailed', {
    error: 'JobRunFailed',
    cause: 'Recorded in JobRuns; notified the alarm topic',
  });
  const notify = new SnsPublish(steps, 'NotifyFailure', {
    topic: props.alarmTopic,
    subject: JsonPath.stringAt('$.failure.subject'),
    message: TaskInput.fromJsonPathAt('$.failure.message'),
    resultPath: JsonPath.DISCARD,
  }).next(fail);
  // Two recorders: before the plan exists there is no run id to mark.
  const recordPlanFailure = lambdaStep(
    'RecordPlanFailure',
    fns.recordFailure,
    TaskInput.fromObject({ job, error: JsonPath.objectAt('$.error') }),
    '$.failure',
  ).next(notify);
  const recordRunFailure = lambdaStep(
    'RecordRunFailure',
    fns.recordFailure,
    TaskInput.fromObject({
      job,
      runId: JsonPath.stringAt('$.plan.runId'),
      error: JsonPath.objectAt('$.error'),
    }),
    '$.failure',
  ).next(notify);
  const catchInto = (state: TaskStateBase, handler: IChainable) =>
    state.addCatch(handler, { errors: [Errors.ALL], resultPath: '$.error' });

  // The job is fixed per state machine; the execution input travels as `options` (e.g. `asOf` for a replay).
  const planStep = lambdaStep(
    'Plan',
    fns.plan,
    // The run's clock is the execution's start time (the local runner passes its own clock the same way).
    TaskInput.fromObject({
      job,
      options: JsonPath.objectAt('$'),
      startedAt: JsonPath.stringAt('$$.Execution.StartTime'),
    }),
    '$.plan',
  );
  catchInto(planStep, recordPlanFailure);

  const queries = props.stepNames.map((name, i) => {
    const query = new ScopedAthenaQuery(steps, `Query ${name}`, {
      queryString: JsonPath.stringAt(`$.plan.steps[${i}].athenaQuery`),
      queryExecutionContext: { databaseName: props.dataLake.database.ref },
      workGroup: props.dataLake.workGroupName,
      integrationPattern: IntegrationPattern.RUN_JOB,
      resultPath: JsonPath.DISCARD,
    });
    query.addRetry(ATHENA_TRANSIENT);
    catchInto(query, recordRunFailure);
    return query;
  });

  const validateStep = lambdaStep(
    'Validate',
    fns.validate,
    TaskInput.fromJsonPathAt('$.plan'),
    '$.validation',
  );
  catchInto(validateStep, recordRunFailure);
  const publishStep = lambdaStep('Publish', fns.publish, TaskInput.fromJsonPathAt('$.plan'), '$.publish');
  catchInto(publishStep, recordRunFailure);

  const gate = new Choice(steps, 'Gate passed?')
    .when(
      Condition.booleanEquals('$.validation.passed', true),
      publishStep.next(new Succeed(steps, 'Published')),
    )
    // The validate step already recorded the run as rejected and emitted RunsRejected (alarmed on).
    .otherwise(new Succeed(steps, 'Rejected, nothing published'));

  let chain: INextable & State = planStep;
  for (const query of queries) {
    chain.next(query);
    chain = query;
  }
  chain.next(validateStep);
  validateStep.next(gate);

  const machine = new StateMachine(scope, `${pascal(job)}StateMachine`, {
    stateMachineType: StateMachineType.STANDARD,
    definitionBody: DefinitionBody.fromChainable(planStep),
    timeout: Duration.hours(job === 'cf' ? 4 : 1),
    tracingEnabled: true,
    logs: { destination: props.logGroup, level: LogLevel.ALL, includeExecutionData: true },
    comment: `RecoStream batch job ${job}: plan, Athena queries, validation gate, versioned publish`,
  });
  (machine.node.defaultChild as CfnStateMachine).addMetadata(JOB_METADATA_KEY, job);
  return machine;
}

/**
 * AthenaStartQueryExecution with the policies passed in: the stock task grants s3:* reads on every bucket
 * and Glue create/delete on the whole catalog; `grantJobAthenaAccess` gives Athena exactly what these
 * queries touch.
 */
class ScopedAthenaQuery extends AthenaStartQueryExecution {
  protected override readonly taskPolicies: PolicyStatement[];

  constructor(scope: Construct, id: string, props: AthenaStartQueryExecutionProps) {
    super(scope, id, props);
    this.taskPolicies = [];
  }
}

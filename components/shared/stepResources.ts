/**
 * `(name, inputs, parent)` builders of the children every pipeline component has: Lambda (with its role and log
 * group), state machine, schedule, EventBridge rule and alarm. Child names derive from the component name
 * (STYLE.md): `${name}-fn`, `-role`, `-logs`, `-sfn`, `-schedule`, `-alarm`, ...
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Step } from "../../config";
import { handlerArchive, LAMBDA_RUNTIME } from "./bundle";
import {
  distributedMapPolicy,
  type PolicyDocument,
  startExecutionPolicy,
  stateMachinePolicy,
  trustPolicy,
} from "./iam";

import { FUNCTION_MEMORY_MB, FUNCTION_TIMEOUT_SECONDS } from "./lambdaSettings";

// Defined without Pulumi imports so the simulator reads the same timeout (sim/lambdaRuntime.ts).
export { FUNCTION_MEMORY_MB, FUNCTION_TIMEOUT_SECONDS };
/** Alarm period (seconds). */
export const ALARM_PERIOD_SECONDS = 300;

const json = (doc: pulumi.Input<PolicyDocument>) => pulumi.output(doc).apply((d) => JSON.stringify(d));

/**
 * Per-resource `region` input (`@pulumi/aws` v7): set only when a child lives outside the stack region, so every
 * resource still uses the stack's one provider and its credentials (`aws:profile`, `aws:assumeRoles`), which an
 * explicit region-only provider would not inherit (pulumi/pulumi-aws#1307, #3259). Changing it replaces the resource.
 * https://www.pulumi.com/registry/packages/aws/how-to-guides/aws-enhanced-region-support
 */
export function regionInput(region: string | undefined): { region?: string } {
  return region === undefined ? {} : { region };
}

/** A log group with retention; the Lambda logs into it through `loggingConfig`. */
export function logGroup(
  name: string,
  retentionDays: number,
  parent: pulumi.Resource,
  region?: string,
): aws.cloudwatch.LogGroup {
  return new aws.cloudwatch.LogGroup(
    `${name}-logs`,
    { retentionInDays: retentionDays, ...regionInput(region) },
    { parent },
  );
}

/** An IAM role assumable by `service` (for this account only when `sourceAccount` is given) with one inline policy. */
export function serviceRole(
  name: string,
  service: string,
  policy: pulumi.Input<PolicyDocument>,
  parent: pulumi.Resource,
  sourceAccount?: pulumi.Input<string>,
): { role: aws.iam.Role; policy: aws.iam.RolePolicy } {
  const assume = pulumi.output(sourceAccount).apply((a) => JSON.stringify(trustPolicy(service, a)));
  const role = new aws.iam.Role(name, { assumeRolePolicy: assume }, { parent });
  const rolePolicy = new aws.iam.RolePolicy(`${name}-policy`, { role: role.name, policy: json(policy) }, { parent });
  return { role, policy: rolePolicy };
}

/** Inputs of {@link stepFunction}. */
export interface StepFunctionInputs {
  /** Folder under functions/ whose entry point is bundled (the pipeline steps, `freshness`, `restore`). */
  readonly step: Step | "freshness" | "restore";
  /** Lambda timeout; defaults to {@link FUNCTION_TIMEOUT_SECONDS}. */
  readonly timeoutSeconds?: number;
  readonly roleArn: pulumi.Input<string>;
  readonly environment: Record<string, pulumi.Input<string>>;
  readonly logGroupName: pulumi.Input<string>;
  /** Resources the function must wait for (its role policy, so the first invocation is authorised). */
  readonly dependsOn: pulumi.Resource[];
  /** Region of the function when not the stack region ({@link regionInput}). */
  readonly region?: string;
}

/** The step Lambda: bundled handler, nodejs22.x on arm64, JSON logs into its own group. */
export function stepFunction(name: string, i: StepFunctionInputs, parent: pulumi.Resource): aws.lambda.Function {
  return new aws.lambda.Function(
    name,
    {
      runtime: LAMBDA_RUNTIME,
      architectures: ["arm64"],
      handler: "index.handler",
      code: handlerArchive(i.step),
      role: i.roleArn,
      timeout: i.timeoutSeconds ?? FUNCTION_TIMEOUT_SECONDS,
      memorySize: FUNCTION_MEMORY_MB,
      environment: { variables: i.environment },
      loggingConfig: { logFormat: "JSON", logGroup: i.logGroupName },
      ...regionInput(i.region),
    },
    { parent, dependsOn: i.dependsOn },
  );
}

/**
 * A STANDARD state machine with a role that can invoke exactly `functionArns`. With `distributedMap` (a sweep in
 * DISTRIBUTED mode, components/shared/sweepMachine.ts) the role may also start, describe and stop the machine's own
 * child executions; that policy is a second resource created after the machine, because it names the machine's ARN.
 */
export function stateMachine(
  name: string,
  definition: pulumi.Input<string>,
  functionArns: pulumi.Input<string>[],
  parent: pulumi.Resource,
  account: pulumi.Input<string>,
  distributedMap = false,
): aws.sfn.StateMachine {
  const policy = pulumi.all(functionArns).apply((arns) => stateMachinePolicy(arns));
  const { role, policy: rolePolicy } = serviceRole(`${name}-sfn-role`, "states.amazonaws.com", policy, parent, account);
  const machine = new aws.sfn.StateMachine(
    `${name}-sfn`,
    { roleArn: role.arn, definition, type: "STANDARD" },
    { parent, dependsOn: [rolePolicy] },
  );
  if (distributedMap) {
    new aws.iam.RolePolicy(
      `${name}-sfn-role-map-policy`,
      { role: role.name, policy: json(machine.arn.apply((arn) => distributedMapPolicy(arn))) },
      { parent },
    );
  }
  return machine;
}

/** An EventBridge Scheduler schedule that starts `stateMachineArn` with `{}`. */
export function schedule(
  name: string,
  expression: string,
  stateMachineArn: pulumi.Input<string>,
  parent: pulumi.Resource,
  account: pulumi.Input<string>,
): aws.scheduler.Schedule {
  const policy = pulumi.output(stateMachineArn).apply((a) => startExecutionPolicy(a));
  const { role, policy: rolePolicy } = serviceRole(
    `${name}-schedule-role`,
    "scheduler.amazonaws.com",
    policy,
    parent,
    account,
  );
  return new aws.scheduler.Schedule(
    `${name}-schedule`,
    {
      scheduleExpression: expression,
      flexibleTimeWindow: { mode: "OFF" },
      target: { arn: stateMachineArn, roleArn: role.arn, input: "{}" },
    },
    { parent, dependsOn: [rolePolicy] },
  );
}

/** An EventBridge rule on `eventBusName` (default bus when undefined) that starts `stateMachineArn` with the event. */
export function eventRule(
  name: string,
  pattern: Record<string, unknown>,
  stateMachineArn: pulumi.Input<string>,
  parent: pulumi.Resource,
  account: pulumi.Input<string>,
  eventBusName?: pulumi.Input<string>,
): { rule: aws.cloudwatch.EventRule; target: aws.cloudwatch.EventTarget } {
  const policy = pulumi.output(stateMachineArn).apply((a) => startExecutionPolicy(a));
  const { role, policy: rolePolicy } = serviceRole(`${name}-role`, "events.amazonaws.com", policy, parent, account);
  const rule = new aws.cloudwatch.EventRule(
    name,
    { eventPattern: JSON.stringify(pattern), ...(eventBusName ? { eventBusName } : {}) },
    { parent },
  );
  const target = new aws.cloudwatch.EventTarget(
    `${name}-target`,
    { rule: rule.name, arn: stateMachineArn, roleArn: role.arn, ...(eventBusName ? { eventBusName } : {}) },
    { parent, dependsOn: [rolePolicy] },
  );
  return { rule, target };
}

/** AWS/States metrics that mean a run did not succeed. */
export const FAILURE_METRICS = ["ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"] as const;

/**
 * One alarm on failed + timed-out + aborted executions of a state machine (metric math sum), notifying `topicArn`
 * when it fires and when it recovers.
 */
export function failureAlarm(
  name: string,
  stateMachineArn: pulumi.Input<string>,
  topicArn: pulumi.Input<string>,
  description: string,
  parent: pulumi.Resource,
  region?: string,
): aws.cloudwatch.MetricAlarm {
  const ids = FAILURE_METRICS.map((m) => m.charAt(0).toLowerCase() + m.slice(1));
  return new aws.cloudwatch.MetricAlarm(
    `${name}-alarm`,
    {
      alarmDescription: description,
      ...regionInput(region),
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: "notBreaching",
      alarmActions: [topicArn],
      okActions: [topicArn],
      metricQueries: [
        ...FAILURE_METRICS.map((metricName, k) => ({
          id: ids[k]!,
          returnData: false,
          metric: {
            namespace: "AWS/States",
            metricName,
            dimensions: { StateMachineArn: stateMachineArn },
            period: ALARM_PERIOD_SECONDS,
            stat: "Sum",
          },
        })),
        {
          id: "notSucceeded",
          label: "Executions failed, timed out or aborted",
          returnData: true,
          expression: ids.map((i) => `FILL(${i},0)`).join("+"),
        },
      ],
    },
    { parent },
  );
}

/**
 * SnapshotTaker: on a schedule, takes a manual `rpl-*` snapshot of every matching DB instance and Aurora cluster
 * whose newest snapshot is older than the interval (functions/take).
 */
import * as pulumi from "@pulumi/pulumi";
import { handlerEnvironment, type PilotLightConfig, schedulesFor } from "../config";
import { takerPolicy } from "./shared/iam";
import { quotaAlarms } from "./shared/quotaAlarms";
import { buildStepDefinition } from "./shared/stateMachines";
import { failureAlarm, logGroup, schedule, serviceRole, stateMachine, stepFunction } from "./shared/stepResources";

/** Arguments of {@link SnapshotTaker}. */
export interface SnapshotTakerArgs {
  /** Validated stack configuration (config keys `rds-pilot-light:*`). */
  readonly config: PilotLightConfig;
  /** This account's id. */
  readonly accountId: pulumi.Input<string>;
  /** SNS topic the failure alarm notifies (`rds-pilot-light:alerts`). */
  readonly alarmTopicArn: pulumi.Input<string>;
  /** AWS partition. @defaultValue `"aws"` */
  readonly partition?: string;
}

/** Scheduled snapshot taker: Lambda, state machine, schedule and failure alarm. */
export class SnapshotTaker extends pulumi.ComponentResource {
  /** ARN of the take Lambda. */
  readonly functionArn: pulumi.Output<string>;
  /** ARN of the state machine. */
  readonly stateMachineArn: pulumi.Output<string>;
  /** Schedule expression (`rate(N minutes)`). */
  readonly scheduleExpression: string;

  constructor(name: string, args: SnapshotTakerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rds-pilot-light:snapshots:SnapshotTaker", name, {}, opts);
    const expression = schedulesFor(args.config).taker;
    if (expression === undefined)
      throw new Error(`SnapshotTaker ${name}: "taker" is not in rds-pilot-light:components`);
    const partition = args.partition ?? "aws";
    const region = args.config.region;

    const logs = logGroup(name, args.config.logRetentionDays, this);
    const policy = pulumi
      .all([args.accountId, logs.arn])
      .apply(([account, logGroupArn]) => takerPolicy({ partition, region, account, logGroupArn }));
    const { role, policy: rolePolicy } = serviceRole(`${name}-role`, "lambda.amazonaws.com", policy, this);
    const fn = stepFunction(
      `${name}-fn`,
      {
        step: "take",
        roleArn: role.arn,
        environment: handlerEnvironment(args.config, "take"),
        logGroupName: logs.name,
        dependsOn: [rolePolicy],
      },
      this,
    );
    const definition = fn.arn.apply((functionArn) =>
      JSON.stringify(buildStepDefinition({ stepName: "Take", functionArn })),
    );
    const sfn = stateMachine(name, definition, [fn.arn], this, args.accountId);
    schedule(name, expression, sfn.arn, this, args.accountId);
    failureAlarm(name, sfn.arn, args.alarmTopicArn, `rds-pilot-light: snapshot Taker run failed (${name})`, this);
    quotaAlarms(
      name,
      { step: "take", accountId: args.accountId, regions: [region], topicArn: args.alarmTopicArn },
      this,
    );

    this.functionArn = fn.arn;
    this.stateMachineArn = sfn.arn;
    this.scheduleExpression = expression;
    this.registerOutputs({
      functionArn: this.functionArn,
      stateMachineArn: this.stateMachineArn,
      scheduleExpression: this.scheduleExpression,
    });
  }
}

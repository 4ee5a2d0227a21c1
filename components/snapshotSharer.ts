/**
 * SnapshotSharer: shares each owned source snapshot with the DR accounts and tells their event buses
 * (functions/share). Started by RDS "snapshot created" events, and on a fallback schedule that catches anything an
 * event missed.
 */
import * as pulumi from "@pulumi/pulumi";
import { SWEEP_DEFAULTS } from "../config/apiBudget";
import { lambdaEnvironment, rateExpression, shareEnvironment, sweepMapOptions } from "../config/derive";
import { MAX_DR_ACCOUNTS } from "../config/schema";
import { rdsSnapshotCreatedPattern } from "./shared/events";
import { sharerPolicy } from "./shared/iam";
import {
  eventRule,
  failureAlarm,
  logGroup,
  schedule,
  serviceRole,
  stateMachine,
  stepFunction,
} from "./shared/stepResources";
import { buildSweepStepDefinition, type SweepOptions } from "./shared/sweepMachine";

/** Arguments of {@link SnapshotSharer}. */
export interface SnapshotSharerArgs {
  /** Region the Sharer runs in (the provider's region). Config: `aws:region`. */
  readonly region: string;
  /** DR account ids each snapshot is shared with (1-20, the RDS sharing limit). Config: `drAccounts`. */
  readonly drAccounts: readonly string[];
  /** Event buses of the DR accounts notified of each share. @defaultValue `[]` (the fallback schedule only) Config: `drEventBusArns`. */
  readonly drEventBusArns?: readonly string[];
  /** Minutes between fallback runs. @defaultValue `60` Config: `fallbackScheduleMinutes`. */
  readonly scheduleMinutes?: number;
  /** CloudWatch Logs retention (days). @defaultValue `30` Config: `logRetentionDays`. */
  readonly logRetentionDays?: number;
  /** This account's id. */
  readonly accountId: pulumi.Input<string>;
  /** SNS topic the failure alarm notifies (`rds-pilot-light:alerts`). */
  readonly alarmTopicArn: pulumi.Input<string>;
  /**
   * How schedule-started sweeps fan out per DB (Map mode and MaxConcurrency). @defaultValue DISTRIBUTED, MaxConcurrency
   * derived from the default RDS API budget (config/apiBudget.ts). Config: `sweep`.
   */
  readonly sweep?: SweepOptions;
  /** AWS partition. @defaultValue `"aws"` */
  readonly partition?: string;
}

/** Event-driven sharer: Lambda, state machine, RDS event rule, fallback schedule and failure alarm. */
export class SnapshotSharer extends pulumi.ComponentResource {
  /** ARN of the share Lambda. */
  readonly functionArn: pulumi.Output<string>;
  /** ARN of the state machine. */
  readonly stateMachineArn: pulumi.Output<string>;
  /** ARN of the EventBridge rule on RDS snapshot events. */
  readonly ruleArn: pulumi.Output<string>;
  /** Fallback schedule expression. */
  readonly scheduleExpression: string;

  constructor(name: string, args: SnapshotSharerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rds-pilot-light:snapshots:SnapshotSharer", name, {}, opts);
    if (args.drAccounts.length === 0 || args.drAccounts.length > MAX_DR_ACCOUNTS)
      throw new Error(
        `SnapshotSharer ${name}: drAccounts must list 1-${MAX_DR_ACCOUNTS} accounts (got ${args.drAccounts.length})`,
      );
    const expression = rateExpression(args.scheduleMinutes ?? 60);
    const partition = args.partition ?? "aws";
    const region = args.region;
    const eventBusArns = [...(args.drEventBusArns ?? [])];

    const logs = logGroup(name, args.logRetentionDays ?? 30, this);
    const policy = pulumi
      .all([args.accountId, logs.arn])
      .apply(([account, logGroupArn]) => sharerPolicy({ partition, region, account, logGroupArn, eventBusArns }));
    const { role, policy: rolePolicy } = serviceRole(`${name}-role`, "lambda.amazonaws.com", policy, this);
    const fn = stepFunction(
      `${name}-fn`,
      {
        step: "share",
        roleArn: role.arn,
        environment: lambdaEnvironment(
          "share",
          shareEnvironment({ drAccounts: args.drAccounts, drEventBusArns: eventBusArns }),
        ),
        logGroupName: logs.name,
        dependsOn: [rolePolicy],
      },
      this,
    );
    const sweep = args.sweep ?? sweepMapOptions({ sweep: SWEEP_DEFAULTS });
    const definition = fn.arn.apply((functionArn) =>
      JSON.stringify(buildSweepStepDefinition({ stepName: "Share", functionArn, sweep })),
    );
    const sfn = stateMachine(name, definition, [fn.arn], this, args.accountId, sweep.mode === "DISTRIBUTED");
    const { rule } = eventRule(`${name}-rds-events`, rdsSnapshotCreatedPattern(), sfn.arn, this, args.accountId);
    schedule(name, expression, sfn.arn, this, args.accountId);
    failureAlarm(name, sfn.arn, args.alarmTopicArn, `rds-pilot-light: snapshot Sharer run failed (${name})`, this);

    this.functionArn = fn.arn;
    this.stateMachineArn = sfn.arn;
    this.ruleArn = rule.arn;
    this.scheduleExpression = expression;
    this.registerOutputs({
      functionArn: this.functionArn,
      stateMachineArn: this.stateMachineArn,
      ruleArn: this.ruleArn,
      scheduleExpression: this.scheduleExpression,
    });
  }
}

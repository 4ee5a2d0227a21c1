/**
 * SnapshotJanitor: applies the retention policy to owned snapshots of one stage (source or DR) in its regions
 * (functions/expire). Deletes are limited by IAM to snapshots carrying the ownership tag.
 */
import * as pulumi from "@pulumi/pulumi";
import { SWEEP_DEFAULTS } from "../config/apiBudget";
import { expireEnvironment, lambdaEnvironment, rateExpression, sweepMapOptions } from "../config/derive";
import { DEFAULT_RETENTION, type RetentionPolicy } from "../functions/lib/retention";
import { janitorPolicy } from "./shared/iam";
import { failureAlarm, logGroup, schedule, serviceRole, stateMachine, stepFunction } from "./shared/stepResources";
import { buildSweepStepDefinition, type SweepOptions } from "./shared/sweepMachine";

/** Arguments of {@link SnapshotJanitor}. */
export interface SnapshotJanitorArgs {
  /** Region the Janitor runs in (the provider's region). Config: `aws:region`. */
  readonly region: string;
  /** Regions swept. @defaultValue `[region]` (the index maps role and `drRegion` to it, config/derive.ts janitorRegions) */
  readonly regions?: readonly string[];
  /** Retention policy. @defaultValue `DEFAULT_RETENTION` (functions/lib/retention.ts) Config: `retention`. */
  readonly retention?: RetentionPolicy;
  /** Minutes between sweeps. @defaultValue `60` Config: `janitorScheduleMinutes`. */
  readonly scheduleMinutes?: number;
  /** CloudWatch Logs retention (days). @defaultValue `30` Config: `logRetentionDays`. */
  readonly logRetentionDays?: number;
  /** Which owned snapshots this Janitor manages: `source` (source account) or `dr` (DR copies). */
  readonly stage: "source" | "dr";
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

/** Retention sweeper: Lambda, state machine, schedule and failure alarm. */
export class SnapshotJanitor extends pulumi.ComponentResource {
  /** ARN of the expire Lambda. */
  readonly functionArn: pulumi.Output<string>;
  /** ARN of the state machine. */
  readonly stateMachineArn: pulumi.Output<string>;
  /** Regions swept. */
  readonly regions: readonly string[];
  /** Schedule expression. */
  readonly scheduleExpression: string;

  constructor(name: string, args: SnapshotJanitorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rds-pilot-light:snapshots:SnapshotJanitor", name, {}, opts);
    const regions = [...(args.regions ?? [args.region])];
    if (regions.length === 0) throw new Error(`SnapshotJanitor ${name}: regions is empty`);
    const expression = rateExpression(args.scheduleMinutes ?? 60);
    const partition = args.partition ?? "aws";
    const retention = args.retention ?? DEFAULT_RETENTION;

    const logs = logGroup(name, args.logRetentionDays ?? 30, this);
    const policy = pulumi
      .all([args.accountId, logs.arn])
      .apply(([account, logGroupArn]) =>
        janitorPolicy({ partition, region: args.region, account, logGroupArn, regions }),
      );
    const { role, policy: rolePolicy } = serviceRole(`${name}-role`, "lambda.amazonaws.com", policy, this);
    const fn = stepFunction(
      `${name}-fn`,
      {
        step: "expire",
        roleArn: role.arn,
        environment: lambdaEnvironment("expire", expireEnvironment({ stage: args.stage, regions, retention })),
        logGroupName: logs.name,
        dependsOn: [rolePolicy],
      },
      this,
    );
    const sweep = args.sweep ?? sweepMapOptions({ sweep: SWEEP_DEFAULTS });
    const definition = fn.arn.apply((functionArn) =>
      JSON.stringify(buildSweepStepDefinition({ stepName: "Expire", functionArn, sweep })),
    );
    const sfn = stateMachine(name, definition, [fn.arn], this, args.accountId, sweep.mode === "DISTRIBUTED");
    schedule(name, expression, sfn.arn, this, args.accountId);
    failureAlarm(name, sfn.arn, args.alarmTopicArn, `rds-pilot-light: snapshot Janitor run failed (${name})`, this);

    this.functionArn = fn.arn;
    this.stateMachineArn = sfn.arn;
    this.regions = regions;
    this.scheduleExpression = expression;
    this.registerOutputs({
      functionArn: this.functionArn,
      stateMachineArn: this.stateMachineArn,
      regions: this.regions,
      scheduleExpression: this.scheduleExpression,
    });
  }
}

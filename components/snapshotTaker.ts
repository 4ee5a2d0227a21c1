/**
 * SnapshotTaker: on a schedule, takes a manual `rpl-*` snapshot of every matching DB instance and Aurora cluster
 * whose newest snapshot is older than the interval (functions/take).
 */
import * as pulumi from "@pulumi/pulumi";
import { SWEEP_DEFAULTS } from "../config/apiBudget";
import { lambdaEnvironment, rateExpression, sweepMapOptions, takeEnvironment } from "../config/derive";
import { takerPolicy } from "./shared/iam";
import { quotaAlarms } from "./shared/quotaAlarms";
import { failureAlarm, logGroup, schedule, serviceRole, stateMachine, stepFunction } from "./shared/stepResources";
import { buildSweepStepDefinition, type SweepOptions } from "./shared/sweepMachine";

/** Default {@link SnapshotTakerArgs.intervalMinutes}: one snapshot an hour. */
export const DEFAULT_TAKER_INTERVAL_MINUTES = 60;
/** Default {@link SnapshotTakerArgs.quotaHeadroom}. */
export const DEFAULT_QUOTA_HEADROOM = 2;
/** Default CloudWatch Logs retention of the component's log groups (days). */
export const DEFAULT_LOG_RETENTION_DAYS = 30;

/** Arguments of {@link SnapshotTaker}. */
export interface SnapshotTakerArgs {
  /** Region the Taker runs in and snapshots (the provider's region). Config: `aws:region`. */
  readonly region: string;
  /** This account's id. */
  readonly accountId: pulumi.Input<string>;
  /** SNS topic the failure alarm notifies. Config: `rds-pilot-light:alerts`. */
  readonly alarmTopicArn: pulumi.Input<string>;
  /** JavaScript regular expression DB instance/cluster ids must match. @defaultValue `".*"` Config: `dbIdRegex`. */
  readonly dbIdRegex?: string;
  /** Only DBs carrying this tag (`"key"` or `"key=value"`) are snapshotted. @defaultValue none (all matching DBs) Config: `optInTag`. */
  readonly optInTag?: string;
  /** Minutes between snapshots of one DB, and the schedule. @defaultValue `60` Config: `snapshotIntervalMinutes` (derived from `rpoMinutes`). */
  readonly intervalMinutes?: number;
  /** Manual snapshots to leave free in the quota; the Taker skips below it. @defaultValue `2` Config: `quotaHeadroom`. */
  readonly quotaHeadroom?: number;
  /** CloudWatch Logs retention (days). @defaultValue `30` Config: `logRetentionDays`. */
  readonly logRetentionDays?: number;
  /**
   * How schedule-started sweeps fan out per DB (Map mode and MaxConcurrency). @defaultValue DISTRIBUTED, MaxConcurrency
   * derived from the default RDS API budget (config/apiBudget.ts). Config: `sweep`.
   */
  readonly sweep?: SweepOptions;
  /** AWS partition. @defaultValue `"aws"` */
  readonly partition?: string;
}

/** {@link SnapshotTakerArgs} with every default resolved. */
export function resolveTakerArgs(args: SnapshotTakerArgs) {
  const intervalMinutes = args.intervalMinutes ?? DEFAULT_TAKER_INTERVAL_MINUTES;
  if (!Number.isInteger(intervalMinutes) || intervalMinutes < 1)
    throw new Error(`SnapshotTaker: intervalMinutes must be a whole number of minutes >= 1 (got ${intervalMinutes})`);
  return {
    partition: args.partition ?? "aws",
    logRetentionDays: args.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS,
    settings: {
      dbIdRegex: args.dbIdRegex ?? ".*",
      ...(args.optInTag !== undefined ? { optInTag: args.optInTag } : {}),
      intervalMinutes,
      quotaHeadroom: args.quotaHeadroom ?? DEFAULT_QUOTA_HEADROOM,
    },
  };
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
    const { partition, logRetentionDays, settings } = resolveTakerArgs(args);
    const expression = rateExpression(settings.intervalMinutes);
    const region = args.region;

    const logs = logGroup(name, logRetentionDays, this);
    const policy = pulumi
      .all([args.accountId, logs.arn])
      .apply(([account, logGroupArn]) => takerPolicy({ partition, region, account, logGroupArn }));
    const { role, policy: rolePolicy } = serviceRole(`${name}-role`, "lambda.amazonaws.com", policy, this);
    const fn = stepFunction(
      `${name}-fn`,
      {
        step: "take",
        roleArn: role.arn,
        environment: lambdaEnvironment("take", takeEnvironment(settings)),
        logGroupName: logs.name,
        dependsOn: [rolePolicy],
      },
      this,
    );
    const sweep = args.sweep ?? sweepMapOptions({ sweep: SWEEP_DEFAULTS });
    const definition = fn.arn.apply((functionArn) =>
      JSON.stringify(buildSweepStepDefinition({ stepName: "Take", functionArn, sweep, batched: true })),
    );
    const sfn = stateMachine(name, definition, [fn.arn], this, args.accountId, sweep.mode === "DISTRIBUTED");
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

/**
 * SnapshotJanitor: applies the retention policy to owned snapshots of one stage (source or DR) in its regions
 * (functions/expire). Deletes are limited by IAM to snapshots carrying the ownership tag.
 */
import * as pulumi from "@pulumi/pulumi";
import { handlerEnvironment, janitorRegions, type PilotLightConfig, schedulesFor } from "../config";
import { janitorPolicy } from "./shared/iam";
import { buildStepDefinition } from "./shared/stateMachines";
import { failureAlarm, logGroup, schedule, serviceRole, stateMachine, stepFunction } from "./shared/stepResources";

/** Arguments of {@link SnapshotJanitor}. */
export interface SnapshotJanitorArgs {
  /** Validated stack configuration (`retention`, `janitorScheduleMinutes`, `drRegion`, ...). */
  readonly config: PilotLightConfig;
  /** Which owned snapshots this Janitor manages: `source` (source account) or `dr` (DR copies). */
  readonly stage: "source" | "dr";
  /** This account's id. */
  readonly accountId: pulumi.Input<string>;
  /** SNS topic the failure alarm notifies (`rds-pilot-light:alerts`). */
  readonly alarmTopicArn: pulumi.Input<string>;
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
    const expression = schedulesFor(args.config).janitor;
    if (expression === undefined)
      throw new Error(`SnapshotJanitor ${name}: "janitor" is not in rds-pilot-light:components`);
    if (args.stage === "source" && args.config.role === "dr") {
      throw new Error(`SnapshotJanitor ${name}: stage "source" needs role source or both (role is "dr")`);
    }
    if (args.stage === "dr" && args.config.role === "source") {
      throw new Error(`SnapshotJanitor ${name}: stage "dr" needs role dr or both (role is "source")`);
    }
    const partition = args.partition ?? "aws";
    const regions = janitorRegions(args.config, args.stage);

    const logs = logGroup(name, args.config.logRetentionDays, this);
    const policy = pulumi
      .all([args.accountId, logs.arn])
      .apply(([account, logGroupArn]) =>
        janitorPolicy({ partition, region: args.config.region, account, logGroupArn, regions }),
      );
    const { role, policy: rolePolicy } = serviceRole(`${name}-role`, "lambda.amazonaws.com", policy, this);
    const fn = stepFunction(
      `${name}-fn`,
      {
        step: "expire",
        roleArn: role.arn,
        environment: handlerEnvironment(args.config, "expire", { stage: args.stage }),
        logGroupName: logs.name,
        dependsOn: [rolePolicy],
      },
      this,
    );
    const definition = fn.arn.apply((functionArn) =>
      JSON.stringify(buildStepDefinition({ stepName: "Expire", functionArn })),
    );
    const sfn = stateMachine(name, definition, [fn.arn], this, args.accountId);
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

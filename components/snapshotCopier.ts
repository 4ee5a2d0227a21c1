/**
 * SnapshotCopier: copies the snapshots the source accounts shared into the DR account, re-encrypted with the DR
 * keys, and on into the DR region (functions/copy), then polls the copies in progress (functions/check) from its
 * state machine's wait/check loop. In the DR account it also owns the event bus the source Sharers notify.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  copyCheckLoop,
  DR_EVENT_BUS_NAME,
  deploymentPlan,
  handlerEnvironment,
  type PilotLightConfig,
  schedulesFor,
} from "../config";
import { snapshotSharedPattern } from "./shared/events";
import { checkerPolicy, copierPolicy, drEventBusPolicy } from "./shared/iam";
import { quotaAlarms } from "./shared/quotaAlarms";
import { buildStepDefinition } from "./shared/stateMachines";
import {
  eventRule,
  failureAlarm,
  logGroup,
  schedule,
  serviceRole,
  stateMachine,
  stepFunction,
} from "./shared/stepResources";

/** Arguments of {@link SnapshotCopier}. */
export interface SnapshotCopierArgs {
  /** Validated stack configuration (`sourceAccounts`, `drRegion`, `copyMode`, `maxCopiesInFlight`, ...). */
  readonly config: PilotLightConfig;
  /** This (DR) account's id. */
  readonly accountId: pulumi.Input<string>;
  /** DR key in the home region (`rds-pilot-light:kms.drKeyArn` or the stack's key). */
  readonly drKmsKeyArn: pulumi.Input<string>;
  /** DR key in `drRegion`; required when `rds-pilot-light:drRegion` is set. */
  readonly drRegionKmsKeyArn?: pulumi.Input<string>;
  /** SNS topic the failure alarm notifies (`rds-pilot-light:alerts`). */
  readonly alarmTopicArn: pulumi.Input<string>;
  /** AWS partition. @defaultValue `"aws"` */
  readonly partition?: string;
}

/** Copier: copy and check Lambdas, state machine with a check loop, DR event bus and rule, schedule, alarm. */
export class SnapshotCopier extends pulumi.ComponentResource {
  /** ARN of the copy Lambda. */
  readonly functionArn: pulumi.Output<string>;
  /** ARN of the check Lambda. */
  readonly checkFunctionArn: pulumi.Output<string>;
  /** ARN of the state machine. */
  readonly stateMachineArn: pulumi.Output<string>;
  /** ARN of the DR event bus (undefined when the stack has none, e.g. role `both`). */
  readonly eventBusArn?: pulumi.Output<string>;
  /** Fallback schedule expression. */
  readonly scheduleExpression: string;

  constructor(name: string, args: SnapshotCopierArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rds-pilot-light:snapshots:SnapshotCopier", name, {}, opts);
    const { config } = args;
    const expression = schedulesFor(config).copier;
    if (expression === undefined)
      throw new Error(`SnapshotCopier ${name}: "copier" is not in rds-pilot-light:components`);
    if (config.drRegion !== undefined && args.drRegionKmsKeyArn === undefined) {
      throw new Error(`SnapshotCopier ${name}: drRegionKmsKeyArn is required because rds-pilot-light:drRegion is set`);
    }
    const partition = args.partition ?? "aws";
    const plan = deploymentPlan(config);
    const refs = {
      drKmsKeyArn: pulumi.output(args.drKmsKeyArn),
      accountId: pulumi.output(args.accountId),
      ...(args.drRegionKmsKeyArn ? { drRegionKmsKeyArn: pulumi.output(args.drRegionKmsKeyArn) } : {}),
    };

    const logs = logGroup(name, config.logRetentionDays, this);
    const checkLogs = logGroup(`${name}-check`, config.logRetentionDays, this);
    const policy = pulumi
      .all([args.accountId, logs.arn, args.drKmsKeyArn, pulumi.output(args.drRegionKmsKeyArn)])
      .apply(([account, logGroupArn, drKey, drRegionKey]) =>
        copierPolicy({
          partition,
          region: config.region,
          account,
          logGroupArn,
          // In the single-account role the "shared" snapshots are the account's own source snapshots.
          sourceAccounts: config.role === "both" ? [account] : config.sourceAccounts,
          drRegion: config.drRegion,
          drKeyArns: drRegionKey ? [drKey, drRegionKey] : [drKey],
          sourceKeyArns: config.kms.sourceKeyArns,
          deleteIntermediate: config.deleteIntermediateCopy,
        }),
      );
    const { role, policy: rolePolicy } = serviceRole(`${name}-role`, "lambda.amazonaws.com", policy, this);
    const fn = stepFunction(
      `${name}-fn`,
      {
        step: "copy",
        roleArn: role.arn,
        environment: handlerEnvironment(config, "copy", refs),
        logGroupName: logs.name,
        dependsOn: [rolePolicy],
      },
      this,
    );
    // The checker only reads: its own role, with no copy, delete or key rights.
    const checkRole = serviceRole(
      `${name}-check-role`,
      "lambda.amazonaws.com",
      checkLogs.arn.apply((arn) => checkerPolicy(arn)),
      this,
    );
    const checkFn = stepFunction(
      `${name}-check-fn`,
      {
        step: "check",
        roleArn: checkRole.role.arn,
        environment: handlerEnvironment(config, "check", refs),
        logGroupName: checkLogs.name,
        dependsOn: [checkRole.policy],
      },
      this,
    );
    const loop = copyCheckLoop(config);
    const definition = pulumi
      .all([fn.arn, checkFn.arn])
      .apply(([functionArn, checkArn]) =>
        JSON.stringify(
          buildStepDefinition({ stepName: "Copy", functionArn, check: { functionArn: checkArn, ...loop } }),
        ),
      );
    const sfn = stateMachine(name, definition, [fn.arn, checkFn.arn], this, args.accountId);

    let eventBusArn: pulumi.Output<string> | undefined;
    if (plan.drEventBus) {
      const bus = new aws.cloudwatch.EventBus(`${name}-bus`, { name: DR_EVENT_BUS_NAME }, { parent: this });
      new aws.cloudwatch.EventBusPolicy(
        `${name}-bus-policy`,
        {
          eventBusName: bus.name,
          policy: bus.arn.apply((arn) => JSON.stringify(drEventBusPolicy(arn, config.sourceAccounts, partition))),
        },
        { parent: this },
      );
      eventRule(
        `${name}-shared`,
        snapshotSharedPattern(config.sourceAccounts),
        sfn.arn,
        this,
        args.accountId,
        bus.name,
      );
      eventBusArn = bus.arn;
    }
    schedule(name, expression, sfn.arn, this, args.accountId);
    failureAlarm(name, sfn.arn, args.alarmTopicArn, `rds-pilot-light: snapshot Copier run failed (${name})`, this);
    const quotaRegions = [config.region, ...(config.drRegion ? [config.drRegion] : [])];
    quotaAlarms(
      name,
      { step: "copy", accountId: args.accountId, regions: quotaRegions, topicArn: args.alarmTopicArn },
      this,
    );

    this.functionArn = fn.arn;
    this.checkFunctionArn = checkFn.arn;
    this.stateMachineArn = sfn.arn;
    this.eventBusArn = eventBusArn;
    this.scheduleExpression = expression;
    this.registerOutputs({
      functionArn: this.functionArn,
      checkFunctionArn: this.checkFunctionArn,
      stateMachineArn: this.stateMachineArn,
      eventBusArn: this.eventBusArn,
      scheduleExpression: this.scheduleExpression,
    });
  }
}

/**
 * SnapshotCopier: copies the snapshots the source accounts shared into the DR account, re-encrypted with the DR
 * keys, and on into the DR region (functions/copy), then polls the copies in progress (functions/check) from its
 * state machine's wait/check loop. In the DR account it also owns the event bus the source Sharers notify.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULTS, DR_EVENT_BUS_NAME } from "../config";
import { SWEEP_DEFAULTS } from "../config/apiBudget";
import { copyCheckLoop, copyEnvironment, lambdaEnvironment, rateExpression, sweepMapOptions } from "../config/derive";
import { DEFAULT_MAX_COPIES_IN_FLIGHT_PER_DB } from "../functions/copy/perDbCap";
import { snapshotSharedPattern } from "./shared/events";
import { checkerPolicy, copierPolicy, drEventBusPolicy } from "./shared/iam";
import { quotaAlarms } from "./shared/quotaAlarms";
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

/** Arguments of {@link SnapshotCopier}. */
export interface SnapshotCopierArgs {
  /** Region the Copier runs in, the DR account's home region (the provider's region). Config: `aws:region`. */
  readonly region: string;
  /**
   * Source accounts whose shared snapshots are copied. @defaultValue the account itself (single-account role `both`:
   * its own snapshots are the sources) Config: `sourceAccounts`.
   */
  readonly sourceAccounts?: readonly string[];
  /** Create the DR event bus the source Sharers notify. @defaultValue `true` when `sourceAccounts` is given */
  readonly eventBus?: boolean;
  /** Second (DR) region copies go on to. @defaultValue none (home-region copies only) Config: `drRegion`. */
  readonly drRegion?: string;
  /** Source CMK ARNs the copy may use. @defaultValue any key of the source accounts (`arn:aws:kms:*:<source>:key/*`) Config: `kms.sourceKeyArns`. */
  readonly sourceKeyArns?: readonly string[];
  /** Copy topology. @defaultValue `"fan-out"` Config: `copyMode` (docs/copy-topology.md). */
  readonly copyMode?: "fan-out" | "two-step" | "direct";
  /** Copies in progress per destination region. @defaultValue `5` Config: `maxCopiesInFlight`. */
  readonly maxCopiesInFlight?: number;
  /**
   * Copies in progress one source DB may hold per destination region (1 to `maxCopiesInFlight`), so a DB whose copies
   * cannot keep up with its snapshots cannot take every slot and starve the others. @defaultValue `1` Config:
   * `maxCopiesInFlightPerDb`.
   */
  readonly maxCopiesInFlightPerDb?: number;
  /** Delete the home-region copy once the DR-region copy is available. @defaultValue `false` Config: `deleteIntermediateCopy`. */
  readonly deleteIntermediateCopy?: boolean;
  /** Hours back within which snapshots are copied. @defaultValue `24` Config: derived from `retention.allHours` (config/derive.ts copyWindowHours). */
  readonly copyWindowHours?: number;
  /** Minutes a copy usually takes (sizes the check loop). @defaultValue `20` Config: `expectedCopyMinutes`. */
  readonly expectedCopyMinutes?: number;
  /**
   * Longest wait of the check loop between two checks, in minutes; it waits less when a running copy should finish
   * sooner, never less than 5 minutes. @defaultValue `30` Config: `copyCheckMaxWaitMinutes`.
   */
  readonly checkMaxWaitMinutes?: number;
  /** Minutes between fallback runs. @defaultValue `60` Config: `fallbackScheduleMinutes`. */
  readonly scheduleMinutes?: number;
  /** CloudWatch Logs retention (days). @defaultValue `30` Config: `logRetentionDays`. */
  readonly logRetentionDays?: number;
  /** This (DR) account's id. */
  readonly accountId: pulumi.Input<string>;
  /** DR key in the home region (`rds-pilot-light:kms.drKeyArn` or the stack's key). */
  readonly drKmsKeyArn: pulumi.Input<string>;
  /** DR key in `drRegion`; required when `rds-pilot-light:drRegion` is set. */
  readonly drRegionKmsKeyArn?: pulumi.Input<string>;
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
    if (args.drRegion !== undefined && args.drRegionKmsKeyArn === undefined) {
      throw new Error(`SnapshotCopier ${name}: drRegionKmsKeyArn is required because drRegion is set`);
    }
    const expression = rateExpression(args.scheduleMinutes ?? 60);
    const partition = args.partition ?? "aws";
    const sourceAccounts = args.sourceAccounts;
    const createBus = args.eventBus ?? sourceAccounts !== undefined;
    if (createBus && sourceAccounts === undefined)
      throw new Error(`SnapshotCopier ${name}: eventBus needs sourceAccounts (the accounts allowed to put events)`);
    const maxCopiesInFlight = args.maxCopiesInFlight ?? 5;
    const maxCopiesInFlightPerDb = args.maxCopiesInFlightPerDb ?? DEFAULT_MAX_COPIES_IN_FLIGHT_PER_DB;
    if (
      !Number.isInteger(maxCopiesInFlightPerDb) ||
      maxCopiesInFlightPerDb < 1 ||
      maxCopiesInFlightPerDb > maxCopiesInFlight
    ) {
      throw new Error(
        `SnapshotCopier ${name}: maxCopiesInFlightPerDb must be a whole number from 1 to maxCopiesInFlight (${maxCopiesInFlight}) (got ${maxCopiesInFlightPerDb})`,
      );
    }
    const logRetentionDays = args.logRetentionDays ?? 30;
    const environment = (step: "copy" | "check") =>
      lambdaEnvironment(
        step,
        copyEnvironment<pulumi.Output<string>>({
          sourceAccounts: sourceAccounts ?? [pulumi.output(args.accountId)],
          drKmsKeyArn: pulumi.output(args.drKmsKeyArn),
          ...(args.drRegion !== undefined
            ? { drRegion: args.drRegion, drRegionKmsKeyArn: pulumi.output(args.drRegionKmsKeyArn!) }
            : {}),
          copyMode: args.copyMode ?? "fan-out",
          maxCopiesInFlight,
          maxCopiesInFlightPerDb,
          deleteIntermediateCopy: args.deleteIntermediateCopy ?? false,
          copyWindowHours: args.copyWindowHours ?? 24,
          expectedCopyMinutes: args.expectedCopyMinutes ?? DEFAULTS.expectedCopyMinutes,
        }),
      );

    const logs = logGroup(name, logRetentionDays, this);
    const checkLogs = logGroup(`${name}-check`, logRetentionDays, this);
    const policy = pulumi
      .all([args.accountId, logs.arn, args.drKmsKeyArn, pulumi.output(args.drRegionKmsKeyArn)])
      .apply(([account, logGroupArn, drKey, drRegionKey]) =>
        copierPolicy({
          partition,
          region: args.region,
          account,
          logGroupArn,
          // In the single-account role the "shared" snapshots are the account's own source snapshots.
          sourceAccounts: sourceAccounts ?? [account],
          drRegion: args.drRegion,
          drKeyArns: drRegionKey ? [drKey, drRegionKey] : [drKey],
          sourceKeyArns: args.sourceKeyArns,
          deleteIntermediate: args.deleteIntermediateCopy ?? false,
        }),
      );
    const { role, policy: rolePolicy } = serviceRole(`${name}-role`, "lambda.amazonaws.com", policy, this);
    const fn = stepFunction(
      `${name}-fn`,
      {
        step: "copy",
        roleArn: role.arn,
        environment: environment("copy"),
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
        environment: environment("check"),
        logGroupName: checkLogs.name,
        dependsOn: [checkRole.policy],
      },
      this,
    );
    const loop = copyCheckLoop({
      expectedCopyMinutes: args.expectedCopyMinutes ?? DEFAULTS.expectedCopyMinutes,
      copyCheckMaxWaitMinutes: args.checkMaxWaitMinutes ?? DEFAULTS.copyCheckMaxWaitMinutes,
    });
    const sweep = args.sweep ?? sweepMapOptions({ sweep: SWEEP_DEFAULTS });
    const definition = pulumi
      .all([fn.arn, checkFn.arn])
      .apply(([functionArn, checkArn]) =>
        JSON.stringify(
          buildSweepStepDefinition({ stepName: "Copy", functionArn, check: { functionArn: checkArn, ...loop }, sweep }),
        ),
      );
    const sfn = stateMachine(
      name,
      definition,
      [fn.arn, checkFn.arn],
      this,
      args.accountId,
      sweep.mode === "DISTRIBUTED",
    );

    let eventBusArn: pulumi.Output<string> | undefined;
    if (createBus && sourceAccounts !== undefined) {
      const bus = new aws.cloudwatch.EventBus(`${name}-bus`, { name: DR_EVENT_BUS_NAME }, { parent: this });
      new aws.cloudwatch.EventBusPolicy(
        `${name}-bus-policy`,
        {
          eventBusName: bus.name,
          policy: bus.arn.apply((arn) => JSON.stringify(drEventBusPolicy(arn, [...sourceAccounts], partition))),
        },
        { parent: this },
      );
      eventRule(`${name}-shared`, snapshotSharedPattern([...sourceAccounts]), sfn.arn, this, args.accountId, bus.name);
      eventBusArn = bus.arn;
    }
    schedule(name, expression, sfn.arn, this, args.accountId);
    failureAlarm(name, sfn.arn, args.alarmTopicArn, `rds-pilot-light: snapshot Copier run failed (${name})`, this);
    const quotaRegions = [args.region, ...(args.drRegion ? [args.drRegion] : [])];
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

/**
 * SnapshotRestorer (DR account): the restore state machine (failover and drills, functions/restore), its Lambda and
 * role, a weekly drill schedule and three alarms: any execution failed, a drill failed, a drill slower than the RTO.
 *
 * The role may restore into any identifier with the configured prefix, only with its own request tags, but may delete
 * only `rpl-drill-*` DBs tagged as its drills: a failover restore can never be deleted by this tool, whatever the
 * state machine is asked to do.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../functions/lib/errors";
import { MANAGED_BY_VALUE, RESTORE_TAG_KEYS, TAG } from "../functions/lib/tags";
import { DRILL_PREFIX } from "../functions/restore/config";
import {
  drillInput,
  parseRecoverySettings,
  RESTORE_SERVICE_NAME,
  type RecoverySettings,
  restoreEnvironment,
} from "../functions/restore/stackConfig";
import {
  clusterSnapshotArn,
  describeStatement,
  logsStatement,
  type PolicyDocument,
  rdsViaServices,
  type Statement,
  snapshotArn,
  startExecutionPolicy,
  stateMachinePolicy,
} from "./shared/iam";
import { placement } from "./shared/placement";
import { buildRestoreDefinition } from "./shared/restoreStateMachine";
import { failureAlarm, logGroup, regionInput, serviceRole, stepFunction } from "./shared/stepResources";

/** Lambda timeout (seconds): a plan lists every snapshot of the restore region; the other steps are a few calls. */
export const RESTORER_TIMEOUT_SECONDS = 300;
/** Period (seconds) of the drill alarms: one day, so a weekly drill's single datapoint is seen. */
export const DRILL_ALARM_PERIOD_SECONDS = 86_400;
/** Default {@link SnapshotRestorerArgs.logRetentionDays}. */
export const DEFAULT_RESTORER_LOG_RETENTION_DAYS = 30;

/**
 * Arguments of {@link SnapshotRestorer}. Every field except the ids, topic and keys is validated with the stack's
 * `restore` block rules (functions/restore/stackConfig.ts), and defaults the same way.
 */
export interface SnapshotRestorerArgs {
  /** This (DR) account's id: the account whose `rpl-*` copies are restored. */
  readonly accountId: pulumi.Input<string>;
  /** SNS topic the alarms notify. Config: `alerts` (`alerts.recoveryTopicArn` outside the stack region). */
  readonly alarmTopicArn: pulumi.Input<string>;
  /** Region whose copies are restored and where DBs are created. Config: `restore.region` (default `drRegion`). */
  readonly restoreRegion: string;
  /** DB subnet group in `restoreRegion` restored DBs go into. Config: `restore.subnetGroup`. */
  readonly subnetGroup: string;
  /**
   * Region the state machine, Lambda, drill schedule and alarms are created in (per-resource `region`).
   * @defaultValue the stack's `aws:region` Config: `drRegion` when set (config/derive.ts `recoveryRegion`).
   */
  readonly region?: string;
  /** VPC security groups of restored DBs. @defaultValue `[]` (the VPC default) Config: `restore.securityGroupIds`. */
  readonly securityGroupIds?: readonly string[];
  /** Instance class of failover restores. @defaultValue the snapshot's Config: `restore.instanceClass`. */
  readonly instanceClass?: string;
  /** Instance class of drill restores. @defaultValue `instanceClass` Config: `restore.drillInstanceClass`. */
  readonly drillInstanceClass?: string;
  /** DB parameter group of restored instances. @defaultValue the engine default Config: `restore.parameterGroup`. */
  readonly parameterGroup?: string;
  /** Cluster parameter group of restored clusters. @defaultValue the engine default Config: `restore.clusterParameterGroup`. */
  readonly clusterParameterGroup?: string;
  /** Multi-AZ failover instances. @defaultValue `false` Config: `restore.multiAz`. */
  readonly multiAz?: boolean;
  /** KMS key restored clusters are encrypted with. @defaultValue the copy's key Config: `restore.kmsKeyArn`. */
  readonly kmsKeyArn?: string;
  /**
   * KMS keys the restorer may use, through RDS only: the keys of the copies in `restoreRegion` and `kmsKeyArn`.
   * @defaultValue `[kmsKeyArn]` when set, else `[]` Config: `kms.drKeyArn`/`kms.drRegionKeyArn` (the created keys).
   */
  readonly kmsKeyArns?: pulumi.Input<string>[];
  /** Prefix of failover DB identifiers (`""` = the source id). @defaultValue `""` Config: `restore.namePrefix`. */
  readonly namePrefix?: string;
  /** Minutes a restore may take (alarm threshold; drill validation included). @defaultValue `240` Config: `restore.rtoMinutes`. */
  readonly rtoMinutes?: number;
  /** Scheduler expression of the drill, or `"off"`. @defaultValue `"cron(0 3 ? * SUN *)"` Config: `restore.drillSchedule`. */
  readonly drillSchedule?: string;
  /** DBs the scheduled drill restores (`dbId` or `account/dbId`). @defaultValue `[]` (all) Config: `restore.drillDbIds`. */
  readonly drillDbIds?: readonly string[];
  /** Name of the restore state machine. @defaultValue `"rds-pilot-light-restore"` Config: `restore.stateMachineName`. */
  readonly stateMachineName?: string;
  /**
   * Lambda (in `restoreRegion`) that checks a drill's restored data; its `{ passed, reason? }` decides the drill.
   * @defaultValue none (a drill passes when the DB is available) Config: `restore.drillValidationLambdaArn`.
   */
  readonly drillValidationLambdaArn?: string;
  /** Seconds the validation Lambda may take. @defaultValue `600` Config: `restore.drillValidationTimeoutSeconds`. */
  readonly drillValidationTimeoutSeconds?: number;
  /** DBs deleted on purpose: never restored. @defaultValue `[]` Config: `retiredDbs`. */
  readonly retiredDbs?: readonly string[];
  /** CloudWatch Logs retention (days). @defaultValue `30` Config: `logRetentionDays`. */
  readonly logRetentionDays?: number;
  /** AWS partition. @defaultValue `"aws"` */
  readonly partition?: string;
}

/** {@link SnapshotRestorerArgs} validated and resolved into the restore settings the Lambda and schedule use. */
export function resolveRestorerArgs(name: string, args: SnapshotRestorerArgs): RecoverySettings {
  if (!args.subnetGroup) {
    throw new ConfigError(`SnapshotRestorer ${name}: subnetGroup must be the DB subnet group restored DBs go into`);
  }
  const raw: Record<string, unknown> = {
    region: args.restoreRegion,
    subnetGroup: args.subnetGroup,
    securityGroupIds: args.securityGroupIds,
    instanceClass: args.instanceClass,
    drillInstanceClass: args.drillInstanceClass,
    parameterGroup: args.parameterGroup,
    clusterParameterGroup: args.clusterParameterGroup,
    multiAz: args.multiAz,
    kmsKeyArn: args.kmsKeyArn,
    namePrefix: args.namePrefix,
    rtoMinutes: args.rtoMinutes,
    drillSchedule: args.drillSchedule,
    drillDbIds: args.drillDbIds,
    stateMachineName: args.stateMachineName,
    drillValidationLambdaArn: args.drillValidationLambdaArn,
    drillValidationTimeoutSeconds: args.drillValidationTimeoutSeconds,
  };
  for (const k of Object.keys(raw)) if (raw[k] === undefined) delete raw[k];
  return parseRecoverySettings(raw, {
    region: args.restoreRegion,
    source: `the args of SnapshotRestorer ${name}`,
    keyPrefix: "args",
  });
}

/** Restore state machine + Lambda + drill schedule + alarms. */
export class SnapshotRestorer extends pulumi.ComponentResource {
  /** ARN of the restorer Lambda. */
  readonly functionArn: pulumi.Output<string>;
  /** ARN of the restore state machine (the CLI's `failover` and `drill` start it). */
  readonly stateMachineArn: pulumi.Output<string>;
  /** Name of the restore state machine. */
  readonly stateMachineName: string;
  /** Region restored into. */
  readonly restoreRegion: string;
  /** Region the state machine, Lambda, schedule and alarms live in. */
  readonly region: string;
  /** Drill schedule expression, or `off`. */
  readonly drillSchedule: string;

  constructor(name: string, args: SnapshotRestorerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rds-pilot-light:snapshots:SnapshotRestorer", name, {}, opts);
    const who = `SnapshotRestorer ${name}`;
    const settings = resolveRestorerArgs(name, args);
    const retiredDbs = args.retiredDbs ?? [];
    const environment = restoreEnvironment(settings, retiredDbs, `the args of ${who}`);
    const partition = args.partition ?? "aws";
    const keys = args.kmsKeyArns ?? (settings.kmsKeyArn !== undefined ? [settings.kmsKeyArn] : []);
    // Everything recovery needs lives in the recovery region (drRegion), so a failover works with the source region
    // down; `region` is set only when that differs from the stack region (stepResources regionInput).
    const { region, at } = placement(who, args.region);

    const logs = logGroup(name, args.logRetentionDays ?? DEFAULT_RESTORER_LOG_RETENTION_DAYS, this, at);
    const policy = pulumi
      .all([args.accountId, logs.arn, pulumi.all(keys)])
      .apply(([account, logGroupArn, kmsKeyArns]) =>
        restorerPolicy({
          partition,
          account,
          region: settings.region,
          namePrefix: settings.namePrefix,
          subnetGroup: args.subnetGroup,
          kmsKeyArns,
          logGroupArn,
        }),
      );
    const { role, policy: rolePolicy } = serviceRole(`${name}-role`, "lambda.amazonaws.com", policy, this);
    const fn = stepFunction(
      `${name}-fn`,
      {
        step: "restore",
        roleArn: role.arn,
        environment,
        logGroupName: logs.name,
        timeoutSeconds: RESTORER_TIMEOUT_SECONDS,
        dependsOn: [rolePolicy],
        ...regionInput(at),
      },
      this,
    );

    const validation = settings.drillValidationLambdaArn
      ? {
          validationFunctionArn: settings.drillValidationLambdaArn,
          validationTimeoutSeconds: settings.drillValidationTimeoutSeconds,
        }
      : {};
    const definition = fn.arn.apply((functionArn) =>
      JSON.stringify(buildRestoreDefinition({ functionArn, rtoMinutes: settings.rtoMinutes, ...validation })),
    );
    // The state machine invokes the restorer and, for drills, exactly the configured validation Lambda.
    const sfnPolicy = fn.arn.apply((a) => restoreMachinePolicy(a, settings.drillValidationLambdaArn));
    const sfnRole = serviceRole(`${name}-sfn-role`, "states.amazonaws.com", sfnPolicy, this, args.accountId);
    const sfn = new aws.sfn.StateMachine(
      `${name}-sfn`,
      // A fixed name, so the CLI can derive the ARN from the stack file and the account.
      { name: settings.stateMachineName, roleArn: sfnRole.role.arn, definition, type: "STANDARD", ...regionInput(at) },
      { parent: this, dependsOn: [sfnRole.policy] },
    );

    if (settings.drillSchedule !== "off") {
      const startPolicy = sfn.arn.apply((a) => startExecutionPolicy(a));
      const scheduleRole = serviceRole(
        `${name}-drill-schedule-role`,
        "scheduler.amazonaws.com",
        startPolicy,
        this,
        args.accountId,
      );
      new aws.scheduler.Schedule(
        `${name}-drill-schedule`,
        {
          description: "rds-pilot-light: weekly restore drill",
          ...regionInput(at),
          scheduleExpression: settings.drillSchedule,
          flexibleTimeWindow: { mode: "OFF" },
          target: { arn: sfn.arn, roleArn: scheduleRole.role.arn, input: JSON.stringify(drillInput(settings)) },
        },
        { parent: this, dependsOn: [scheduleRole.policy] },
      );
    }

    failureAlarm(
      name,
      sfn.arn,
      args.alarmTopicArn,
      `rds-pilot-light: a restore or drill execution failed (${name})`,
      this,
      at,
    );
    new aws.cloudwatch.MetricAlarm(
      `${name}-drill-failed-alarm`,
      {
        alarmDescription: `rds-pilot-light: the restore drill failed (${name}); see the state machine execution.`,
        ...regionInput(at),
        namespace: "RdsPilotLight",
        metricName: "DrillSucceeded",
        dimensions: { service: RESTORE_SERVICE_NAME },
        statistic: "Minimum",
        period: DRILL_ALARM_PERIOD_SECONDS,
        evaluationPeriods: 1,
        comparisonOperator: "LessThanThreshold",
        threshold: 1,
        // No drill that day is not a failure; a missed weekly drill shows as a failed/absent execution instead.
        treatMissingData: "notBreaching",
        alarmActions: [args.alarmTopicArn],
        okActions: [args.alarmTopicArn],
      },
      { parent: this },
    );
    new aws.cloudwatch.MetricAlarm(
      `${name}-drill-duration-alarm`,
      {
        alarmDescription: `rds-pilot-light: a restore drill took longer than the RTO of ${settings.rtoMinutes} minutes (${name}).`,
        ...regionInput(at),
        namespace: "RdsPilotLight",
        metricName: "RestoreDurationMinutes",
        dimensions: { service: RESTORE_SERVICE_NAME, Mode: "drill" },
        statistic: "Maximum",
        period: DRILL_ALARM_PERIOD_SECONDS,
        evaluationPeriods: 1,
        comparisonOperator: "GreaterThanThreshold",
        threshold: settings.rtoMinutes,
        treatMissingData: "notBreaching",
        alarmActions: [args.alarmTopicArn],
        okActions: [args.alarmTopicArn],
      },
      { parent: this },
    );

    this.functionArn = fn.arn;
    this.stateMachineArn = sfn.arn;
    this.stateMachineName = settings.stateMachineName;
    this.restoreRegion = settings.region;
    this.region = region;
    this.drillSchedule = settings.drillSchedule;
    this.registerOutputs({
      functionArn: this.functionArn,
      stateMachineArn: this.stateMachineArn,
      stateMachineName: this.stateMachineName,
      restoreRegion: this.restoreRegion,
      region: this.region,
      drillSchedule: this.drillSchedule,
    });
  }
}

/**
 * Role of the restore state machine: invoke the restorer Lambda and, when configured, exactly the drill validation
 * Lambda's ARN (as configured: no other version or alias of it).
 */
export function restoreMachinePolicy(functionArn: string, validationLambdaArn?: string): PolicyDocument {
  const base = stateMachinePolicy([functionArn]);
  if (!validationLambdaArn) return base;
  return {
    ...base,
    Statement: [
      ...base.Statement,
      {
        Sid: "InvokeDrillValidation",
        Effect: "Allow",
        Action: ["lambda:InvokeFunction"],
        Resource: [validationLambdaArn],
      },
    ],
  };
}

/** Inputs of {@link restorerPolicy}. */
export interface RestorerPolicyInput {
  readonly partition: string;
  readonly account: string;
  /** Region restored into. */
  readonly region: string;
  /** Prefix of failover identifiers (`""` = any identifier). */
  readonly namePrefix: string;
  readonly subnetGroup: string;
  /** Keys of the copies and of restored clusters; used only through RDS. */
  readonly kmsKeyArns: readonly string[];
  readonly logGroupArn: string;
}

/**
 * What marks a DB as made by the Restorer: the request of every create carries `rpl-restored-by=rds-pilot-light`
 * and only the Restorer's own tag keys (`aws:RequestTag`, `aws:TagKeys`; RestoreDBInstanceFromDBSnapshot,
 * RestoreDBClusterFromSnapshot, CreateDBInstance and AddTagsToResource support both, Service Authorization
 * Reference: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonrds.html).
 */
export const RESTORER_REQUEST_TAG_CONDITION: NonNullable<Statement["Condition"]> = {
  StringEquals: { [`aws:RequestTag/${TAG.restoredBy}`]: MANAGED_BY_VALUE },
  "ForAllValues:StringEquals": { "aws:TagKeys": [...RESTORE_TAG_KEYS] },
};

/** A drill DB the Restorer made (resource tags; `rds:db-tag/...` for instances, `rds:cluster-tag/...` clusters). */
function drillResourceCondition(kind: "db" | "cluster"): NonNullable<Statement["Condition"]> {
  return {
    StringEquals: {
      [`rds:${kind}-tag/${TAG.restoredBy}`]: MANAGED_BY_VALUE,
      [`rds:${kind}-tag/${TAG.drill}`]: "true",
    },
  };
}

/**
 * Restorer role: restore our `rpl-*` copies into `<prefix>*` or `rpl-drill-*` DBs with the configured subnet group;
 * create Aurora members there; tag them — every create only with the Restorer's request tags
 * ({@link RESTORER_REQUEST_TAG_CONDITION}); delete ONLY `rpl-drill-*` DBs that carry the Restorer's tag and the drill
 * tag; use the DR keys only through RDS.
 * Resource types per action follow the Service Authorization Reference (RestoreDBInstanceFromDBSnapshot needs db,
 * og, pg, subgrp and the snapshot; RestoreDBClusterFromSnapshot cluster, cluster-pg, og, subgrp and the cluster
 * snapshot; DeleteDBCluster cluster and cluster-snapshot). The request-tag condition holds for every resource of a
 * create request (the request's tags are the same whichever resource is evaluated).
 */
export function restorerPolicy(i: RestorerPolicyInput): PolicyDocument {
  const arn = (type: string, id: string) => `arn:${i.partition}:rds:${i.region}:${i.account}:${type}:${id}`;
  const targets = (type: "db" | "cluster") => [
    ...new Set([arn(type, `${i.namePrefix}*`), arn(type, `${DRILL_PREFIX}*`)]),
  ];
  const via = { StringEquals: { "kms:ViaService": rdsViaServices([i.region]) } };
  const statements: PolicyDocument["Statement"] = [
    describeStatement(),
    {
      Sid: "RestoreInstancesFromOwnCopies",
      Effect: "Allow",
      Action: ["rds:RestoreDBInstanceFromDBSnapshot"],
      Resource: [
        ...targets("db"),
        snapshotArn(i.partition, i.region, i.account),
        arn("og", "*"),
        arn("pg", "*"),
        arn("subgrp", i.subnetGroup),
      ],
      Condition: RESTORER_REQUEST_TAG_CONDITION,
    },
    {
      Sid: "RestoreClustersFromOwnCopies",
      Effect: "Allow",
      Action: ["rds:RestoreDBClusterFromSnapshot"],
      Resource: [
        ...targets("cluster"),
        clusterSnapshotArn(i.partition, i.region, i.account),
        arn("cluster-pg", "*"),
        arn("og", "*"),
        arn("subgrp", i.subnetGroup),
      ],
      Condition: RESTORER_REQUEST_TAG_CONDITION,
    },
    {
      Sid: "CreateAuroraMembers",
      Effect: "Allow",
      Action: ["rds:CreateDBInstance"],
      Resource: [...targets("db"), ...targets("cluster"), arn("pg", "*"), arn("og", "*"), arn("subgrp", i.subnetGroup)],
      Condition: RESTORER_REQUEST_TAG_CONDITION,
    },
    {
      Sid: "TagRestoredDbs",
      Effect: "Allow",
      Action: ["rds:AddTagsToResource"],
      Resource: [...targets("db"), ...targets("cluster")],
      Condition: RESTORER_REQUEST_TAG_CONDITION,
    },
    {
      // The "drill restored" event (functions/restore/handler.ts `announce`) goes to this region's default bus.
      Sid: "AnnounceDrills",
      Effect: "Allow",
      Action: ["events:PutEvents"],
      Resource: [`arn:${i.partition}:events:${i.region}:${i.account}:event-bus/default`],
    },
    {
      Sid: "DeleteDrillInstancesOnly",
      Effect: "Allow",
      Action: ["rds:DeleteDBInstance"],
      Resource: [arn("db", `${DRILL_PREFIX}*`)],
      Condition: drillResourceCondition("db"),
    },
    {
      Sid: "DeleteDrillClustersOnly",
      Effect: "Allow",
      Action: ["rds:DeleteDBCluster"],
      Resource: [arn("cluster", `${DRILL_PREFIX}*`)],
      Condition: drillResourceCondition("cluster"),
    },
    {
      // DeleteDBCluster also names a cluster-snapshot resource (the final snapshot, skipped for drills); on its own
      // it allows nothing, the cluster statement above decides.
      Sid: "DrillClusterFinalSnapshotName",
      Effect: "Allow",
      Action: ["rds:DeleteDBCluster"],
      Resource: [arn("cluster-snapshot", `${DRILL_PREFIX}*`)],
    },
  ];
  if (i.kmsKeyArns.length > 0) {
    statements.push(
      {
        Sid: "UseDrKeysThroughRds",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
        Resource: [...i.kmsKeyArns],
        Condition: via,
      },
      {
        Sid: "GrantDrKeysToRds",
        Effect: "Allow",
        Action: ["kms:CreateGrant"],
        Resource: [...i.kmsKeyArns],
        Condition: { ...via, Bool: { "kms:GrantIsForAWSResource": true } },
      },
    );
  }
  statements.push(logsStatement(i.logGroupArn));
  return { Version: "2012-10-17", Statement: statements };
}

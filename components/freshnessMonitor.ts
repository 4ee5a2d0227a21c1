/**
 * FreshnessMonitor (DR account): a Lambda (functions/freshness) run every 15 minutes by EventBridge Scheduler that
 * publishes the age of the newest available DR copy of every source DB, one alarm per stage on the worst age of the
 * DBs not listed in `restore.expectedDbs` (`MaxRecoveryPointAgeMinutes` > RPO), and one alarm per listed DB and stage
 * (`ExpectedDbRecoveryPointAgeMinutes`, dimension `Db`), so one stale DB cannot mask another (issue 13). Missing
 * data is breaching: a broken Lambda, or a DB with no copy at all, alarms instead of going quiet.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { expectedDbAlarms, perDbAlarmQuery } from "../functions/freshness/alarms";
import { ConfigError } from "../functions/lib/errors";
import {
  FRESHNESS_SERVICE_NAME,
  freshnessAlarmPeriodSeconds,
  freshnessEnvironment,
  parseRecoverySettings,
} from "../functions/restore/stackConfig";
import { describeStatement, logsStatement, type PolicyDocument } from "./shared/iam";
import { placement } from "./shared/placement";
import { logGroup, regionInput, serviceRole, stepFunction } from "./shared/stepResources";

/** Lambda timeout (seconds): two regions of snapshot listings. */
export const FRESHNESS_TIMEOUT_SECONDS = 120;
/** Default {@link FreshnessMonitorArgs.rpoMinutes}. */
export const DEFAULT_FRESHNESS_RPO_MINUTES = 60;
/** Default {@link FreshnessMonitorArgs.logRetentionDays}. */
export const DEFAULT_FRESHNESS_LOG_RETENTION_DAYS = 30;

/** Arguments of {@link FreshnessMonitor}. */
export interface FreshnessMonitorArgs {
  /** This (DR) account's id: the account whose `rpl-*` DR copies are measured. */
  readonly accountId: pulumi.Input<string>;
  /** SNS topic the alarms notify (ALARM and OK). Config: `alerts` (`alerts.recoveryTopicArn` outside the stack region). */
  readonly alarmTopicArn: pulumi.Input<string>;
  /** Region of the home-region DR copies (stage `dr`). Config: `aws:region`. */
  readonly homeRegion: string;
  /** Region of the DR-region copies (stage `dr-region`). @defaultValue none (one stage) Config: `drRegion`. */
  readonly drRegion?: string;
  /**
   * Region the Lambda, schedule and alarms are created in (per-resource `region`); put them where a failover runs.
   * @defaultValue the stack's `aws:region` Config: `drRegion` when set (config/derive.ts `recoveryRegion`).
   */
  readonly region?: string;
  /** Alarm threshold: the newest copy may be this many minutes old. @defaultValue `60` Config: `rpoMinutes`. */
  readonly rpoMinutes?: number;
  /** Minutes between measurements. @defaultValue `15` Config: `restore.freshnessScheduleMinutes`. */
  readonly scheduleMinutes?: number;
  /**
   * Stages alarmed on. @defaultValue `["dr"]`, plus `"dr-region"` when `drRegion` is set Config:
   * `restore.freshnessStages`.
   */
  readonly stages?: readonly ("dr" | "dr-region")[];
  /**
   * DBs (`dbId` or `sourceAccount/dbId`) that get their own alarm per stage; the others share one per-stage alarm.
   * @defaultValue `[]` Config: `restore.expectedDbs`.
   */
  readonly expectedDbs?: readonly string[];
  /**
   * Hours after its source reported a DB deleted before it is retired (issue 13, docs/operations.md).
   * @defaultValue `24` Config: `restore.retireDeletedDbsAfterHours`.
   */
  readonly retireDeletedDbsAfterHours?: number;
  /** DBs deleted on purpose: measured no more, no alarm. @defaultValue `[]` Config: `retiredDbs`. */
  readonly retiredDbs?: readonly string[];
  /** CloudWatch Logs retention (days). @defaultValue `30` Config: `logRetentionDays`. */
  readonly logRetentionDays?: number;
}

/** Freshness Lambda + schedule + one alarm per stage (and per expected DB and stage). */
export class FreshnessMonitor extends pulumi.ComponentResource {
  /** ARN of the freshness Lambda. */
  readonly functionArn: pulumi.Output<string>;
  /** Stages alarmed on. */
  readonly stages: readonly string[];
  /** Schedule expression. */
  readonly scheduleExpression: string;
  /** Region the Lambda, schedule and alarms live in. */
  readonly region: string;

  constructor(name: string, args: FreshnessMonitorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rds-pilot-light:snapshots:FreshnessMonitor", name, {}, opts);
    const who = `FreshnessMonitor ${name}`;
    const rpoMinutes = args.rpoMinutes ?? DEFAULT_FRESHNESS_RPO_MINUTES;
    if (!Number.isInteger(rpoMinutes) || rpoMinutes < 1) {
      throw new ConfigError(`${who}: rpoMinutes must be a whole number of minutes >= 1 (got ${rpoMinutes})`);
    }
    if (args.stages?.includes("dr-region") && args.drRegion === undefined) {
      throw new ConfigError(`${who}: stages lists "dr-region" but drRegion is unset; set drRegion or drop the stage`);
    }
    // The same validation and defaults as the stack's restore block (functions/restore/stackConfig.ts).
    const settings = parseRecoverySettings(
      {
        ...(args.scheduleMinutes !== undefined ? { freshnessScheduleMinutes: args.scheduleMinutes } : {}),
        ...(args.stages !== undefined ? { freshnessStages: [...args.stages] } : {}),
        ...(args.expectedDbs !== undefined ? { expectedDbs: [...args.expectedDbs] } : {}),
        ...(args.retireDeletedDbsAfterHours !== undefined
          ? { retireDeletedDbsAfterHours: args.retireDeletedDbsAfterHours }
          : {}),
      },
      {
        region: args.homeRegion,
        ...(args.drRegion !== undefined ? { drRegion: args.drRegion } : {}),
        source: `the args of ${who}`,
        keyPrefix: "args",
      },
    );
    const retiredDbs = args.retiredDbs ?? [];
    const environment = freshnessEnvironment(settings, {
      region: args.homeRegion,
      ...(args.drRegion !== undefined ? { drRegion: args.drRegion } : {}),
      rpoMinutes,
      retiredDbs,
    });
    const minutes = settings.freshnessScheduleMinutes;
    const expression = `rate(${minutes} ${minutes === 1 ? "minute" : "minutes"})`;

    // Runs in the recovery region (drRegion) and watches the home-region copies from there (issue 11): reads are
    // Describe calls only, and an unreadable home region leaves its stage without a datapoint, which alarms.
    const { region, at } = placement(who, args.region);
    const logs = logGroup(name, args.logRetentionDays ?? DEFAULT_FRESHNESS_LOG_RETENTION_DAYS, this, at);
    const policy = logs.arn.apply((logGroupArn) => freshnessPolicy(logGroupArn));
    const { role, policy: rolePolicy } = serviceRole(`${name}-role`, "lambda.amazonaws.com", policy, this);
    const fn = stepFunction(
      `${name}-fn`,
      {
        step: "freshness",
        roleArn: role.arn,
        environment,
        logGroupName: logs.name,
        timeoutSeconds: FRESHNESS_TIMEOUT_SECONDS,
        dependsOn: [rolePolicy],
        ...regionInput(at),
      },
      this,
    );
    const invokePolicy = fn.arn.apply((a) => invokeFunctionPolicy(a));
    const scheduleRole = serviceRole(
      `${name}-schedule-role`,
      "scheduler.amazonaws.com",
      invokePolicy,
      this,
      args.accountId,
    );
    new aws.scheduler.Schedule(
      `${name}-schedule`,
      {
        description: "rds-pilot-light: measure the age of the newest DR copies",
        ...regionInput(at),
        scheduleExpression: expression,
        flexibleTimeWindow: { mode: "OFF" },
        target: { arn: fn.arn, roleArn: scheduleRole.role.arn, input: "{}" },
      },
      { parent: this, dependsOn: [scheduleRole.policy] },
    );
    for (const stage of settings.freshnessStages) {
      new aws.cloudwatch.MetricAlarm(
        `${name}-${stage}-alarm`,
        {
          alarmDescription:
            `rds-pilot-light: the newest ${stage} copy of some DB is older than the RPO of ${rpoMinutes} minutes, ` +
            "or some DB has no copy, or the freshness Lambda is not reporting (or cannot read this stage's region). " +
            "Run `npx rds-pilot-light status`.",
          ...regionInput(at),
          namespace: "RdsPilotLight",
          metricName: "MaxRecoveryPointAgeMinutes",
          dimensions: { service: FRESHNESS_SERVICE_NAME, Stage: stage },
          statistic: "Maximum",
          period: freshnessAlarmPeriodSeconds(settings.freshnessScheduleMinutes),
          evaluationPeriods: 1,
          comparisonOperator: "GreaterThanThreshold",
          threshold: rpoMinutes,
          treatMissingData: "breaching",
          alarmActions: [args.alarmTopicArn],
          okActions: [args.alarmTopicArn],
        },
        { parent: this },
      );
    }

    // One multi-time-series alarm per stage with one contributor per DB (issue 13, functions/freshness/alarms.ts):
    // every DB the Lambda measures, expected or not, alarms and notifies on its own, named by its DbId.
    for (const stage of settings.freshnessStages) {
      new aws.cloudwatch.MetricAlarm(
        `${name}-${stage}-per-db-alarm`,
        {
          alarmDescription:
            `rds-pilot-light: per DB (contributor = DbId, account/dbId): the newest ${stage} copy of that DB is older ` +
            `than the RPO of ${rpoMinutes} minutes. Run \`npx rds-pilot-light status\` for that DB; a DB deleted in ` +
            "production leaves this alarm by itself once retired (docs/operations.md).",
          ...regionInput(at),
          metricQueries: [
            {
              id: "ages",
              expression: perDbAlarmQuery(stage, FRESHNESS_SERVICE_NAME),
              period: freshnessAlarmPeriodSeconds(settings.freshnessScheduleMinutes),
              returnData: true,
            },
          ],
          evaluationPeriods: 1,
          comparisonOperator: "GreaterThanThreshold",
          threshold: rpoMinutes,
          // A contributor exists only while it has data; the per-stage alarm above covers a silent Lambda.
          treatMissingData: "notBreaching",
          alarmActions: [args.alarmTopicArn],
          okActions: [args.alarmTopicArn],
        },
        { parent: this },
      );
    }

    // One alarm per expected DB and stage (issue 13): a stale or missing DB alarms on its own, named in the alarm's
    // (auto-generated) name and its description (both are in the SNS notification), and cannot mask another DB. DBs not listed in
    // restore.expectedDbs are covered by the per-stage alarm above. CloudWatch cannot alarm on a SEARCH expression ("When an expression contains a SEARCH
    // function, it cannot be used within an Alarm", https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_cloudwatch.MathExpressionProps.html),
    // so per-DB alarms need the DB list at deploy time.
    for (const alarm of expectedDbAlarms(settings.expectedDbs, retiredDbs, settings.freshnessStages)) {
      new aws.cloudwatch.MetricAlarm(
        `${name}-${alarm.stage}-${alarm.slug}-alarm`,
        {
          alarmDescription:
            `rds-pilot-light: DB ${alarm.ref}: its newest ${alarm.stage} copy is older than the RPO of ${rpoMinutes} ` +
            "minutes, or it has no copy, or the freshness Lambda is not reporting. " +
            `Run \`npx rds-pilot-light status\`; if the DB was deleted on purpose, add it to retiredDbs.`,
          ...regionInput(at),
          namespace: "RdsPilotLight",
          metricName: "ExpectedDbRecoveryPointAgeMinutes",
          dimensions: { service: FRESHNESS_SERVICE_NAME, Stage: alarm.stage, Db: alarm.ref },
          statistic: "Maximum",
          period: freshnessAlarmPeriodSeconds(settings.freshnessScheduleMinutes),
          evaluationPeriods: 1,
          comparisonOperator: "GreaterThanThreshold",
          threshold: rpoMinutes,
          treatMissingData: "breaching",
          alarmActions: [args.alarmTopicArn],
          okActions: [args.alarmTopicArn],
        },
        { parent: this },
      );
    }

    this.functionArn = fn.arn;
    this.stages = settings.freshnessStages;
    this.scheduleExpression = expression;
    this.region = region;
    this.registerOutputs({
      region: this.region,
      functionArn: this.functionArn,
      stages: this.stages,
      scheduleExpression: this.scheduleExpression,
    });
  }
}

/** Freshness Lambda: reads snapshot metadata, writes its logs. Metrics go out as EMF in the logs. */
export function freshnessPolicy(logGroupArn: string): PolicyDocument {
  return { Version: "2012-10-17", Statement: [describeStatement(), logsStatement(logGroupArn)] };
}

/** Scheduler role: invoke exactly one Lambda. */
export function invokeFunctionPolicy(functionArn: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "InvokeFreshness", Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: [functionArn] },
    ],
  };
}

/**
 * The `rds-pilot-light:restore` block of a DR stack, shared by the SnapshotRestorer and FreshnessMonitor
 * components and by the operator CLI. config/schema.ts passes the block through untouched; this validates it and
 * resolves its defaults, with errors in the stack-file style
 * (`rds-pilot-light:restore.subnetGroup must be set ...; fix it in Pulumi.drprod.yaml.`).
 *
 * Pure (no Pulumi, no AWS), so the CLI can load it without a Pulumi runtime.
 */

import * as z from "zod/mini";
import { coerceToSchema, emptyCoerceReport } from "../../config/coerce";
import { unknownKeyMessage } from "../../config/schema";
import { parseDbRef } from "../freshness/dbRefs";
import { ConfigError } from "../lib/errors";
import { DEFAULT_RETIRE_DELETED_AFTER_HOURS } from "../lib/sourceDeleted";
import { DRILL_PREFIX } from "./config";

/** Default recovery time objective (minutes): how long a restore may take before it counts as failed. */
export const DEFAULT_RTO_MINUTES = 240;
/** Default drill schedule: Sundays 03:00 UTC (EventBridge Scheduler cron). */
export const DEFAULT_DRILL_SCHEDULE = "cron(0 3 ? * SUN *)";
/** Default freshness schedule (minutes). */
export const DEFAULT_FRESHNESS_MINUTES = 15;
/** Default name of the restore state machine (the CLI derives its ARN from it). */
export const DEFAULT_STATE_MACHINE_NAME = "rds-pilot-light-restore";

/** An unqualified or qualified (version/alias) Lambda function ARN. */
export const LAMBDA_FUNCTION_ARN =
  /^arn:aws[a-z-]*:lambda:([a-z0-9-]+):\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$/;
/** Default seconds the drill validation Lambda may take (components/shared/restoreStateMachine.ts). */
export const DEFAULT_DRILL_VALIDATION_TIMEOUT_SECONDS = 600;

/** Validated `rds-pilot-light:restore` settings with every default resolved. */
export interface RecoverySettings {
  /** DR account id; the CLI refuses a profile of any other account. */
  readonly accountId?: string;
  /** Region whose copies are restored and where DBs are created. @defaultValue `drRegion`, else the stack region */
  readonly region: string;
  /** DB subnet group in `region` (required for the restorer). */
  readonly subnetGroup?: string;
  readonly securityGroupIds: readonly string[];
  readonly instanceClass?: string;
  readonly drillInstanceClass?: string;
  readonly parameterGroup?: string;
  readonly clusterParameterGroup?: string;
  readonly multiAz: boolean;
  readonly kmsKeyArn?: string;
  readonly namePrefix: string;
  readonly rtoMinutes: number;
  /** Scheduler expression of the weekly drill, or `off`. */
  readonly drillSchedule: string;
  /** DBs the scheduled drill restores (`dbId` or `account/dbId`); empty = all. */
  readonly drillDbIds: readonly string[];
  readonly freshnessScheduleMinutes: number;
  /** Stages the freshness alarm watches. */
  readonly freshnessStages: readonly ("dr" | "dr-region")[];
  /** DBs that must have copies (`RPL_EXPECTED_DBS`). */
  readonly expectedDbs: readonly string[];
  readonly stateMachineName: string;
  /**
   * Lambda that checks a drill's restored data (`drillValidationLambdaArn`); its `{ passed, reason? }` decides the
   * drill. In the restore region, so drills do not depend on any other region.
   */
  readonly drillValidationLambdaArn?: string;
  /** Seconds the validation Lambda may take before the drill fails. @defaultValue 600 */
  readonly drillValidationTimeoutSeconds: number;
  /**
   * Hours after a source DB was reported deleted before the freshness monitor retires it (stops measuring and
   * alarming on it; its copies keep `minKeep`), `retireDeletedDbsAfterHours` (issue 13, functions/lib/sourceDeleted.ts).
   * @defaultValue 24
   */
  readonly retireDeletedDbsAfterHours: number;
}

const str = z.optional(z.string());
const block = z.object({
  accountId: z.optional(z.string().check(z.regex(/^\d{12}$/, "must be a 12-digit AWS account id"))),
  region: z.optional(
    z.string().check(z.regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, "must be an AWS region such as eu-west-1")),
  ),
  subnetGroup: str,
  securityGroupIds: z.optional(
    z.array(
      z.string().check(z.regex(/^sg-[0-9a-f]{8,17}$/, "must be a security group id such as sg-0123456789abcdef0")),
    ),
  ),
  instanceClass: z.optional(
    z.string().check(z.regex(/^db\.[a-z0-9-]+\.[a-z0-9]+$/, "must be a DB instance class such as db.r6g.large")),
  ),
  drillInstanceClass: z.optional(
    z.string().check(z.regex(/^db\.[a-z0-9-]+\.[a-z0-9]+$/, "must be a DB instance class such as db.t4g.medium")),
  ),
  parameterGroup: str,
  clusterParameterGroup: str,
  multiAz: z.optional(z.boolean("must be true or false")),
  kmsKeyArn: z.optional(z.string().check(z.regex(/^arn:aws[a-z-]*:kms:/, "must be a KMS key ARN"))),
  namePrefix: z.optional(
    z
      .string()
      .check(
        z.regex(
          /^(?:[a-z](?:[a-z0-9]|-(?!-))*)?$/,
          "must be empty or lowercase letters, digits and single hyphens, starting with a letter",
        ),
      ),
  ),
  rtoMinutes: z.optional(
    z
      .number()
      .check(
        z.int("must be a whole number of minutes"),
        z.minimum(10, "must be at least 10 minutes"),
        z.maximum(10080, "must be at most 10080 minutes (7 days)"),
      ),
  ),
  drillSchedule: z.optional(
    z
      .string()
      .check(
        z.regex(
          /^(off|cron\(.+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$/,
          'must be "off", cron(...) or rate(...)',
        ),
      ),
  ),
  drillDbIds: z.optional(z.array(z.string())),
  freshnessScheduleMinutes: z.optional(
    z.number().check(z.int("must be a whole number of minutes"), z.minimum(1, "must be at least 1 minute")),
  ),
  freshnessStages: z.optional(z.array(z.enum(["dr", "dr-region"], 'must be "dr" or "dr-region"'))),
  expectedDbs: z.optional(z.array(z.string())),
  stateMachineName: z.optional(
    z.string().check(z.regex(/^[A-Za-z0-9_-]{1,80}$/, "must be 1-80 letters, digits, _ or -")),
  ),
  drillValidationLambdaArn: z.optional(
    z
      .string("must be a Lambda function ARN")
      .check(
        z.regex(
          LAMBDA_FUNCTION_ARN,
          "must be a Lambda function ARN such as arn:aws:lambda:eu-central-1:222222222222:function:drill-check",
        ),
      ),
  ),
  drillValidationTimeoutSeconds: z.optional(
    z
      .number()
      .check(
        z.int("must be a whole number of seconds"),
        z.minimum(1, "must be at least 1 second"),
        z.maximum(900, "must be at most 900 seconds (the longest a Lambda function runs)"),
      ),
  ),
  retireDeletedDbsAfterHours: z.optional(
    z
      .number()
      .check(
        z.int("must be a whole number of hours"),
        z.minimum(1, "must be at least 1 hour"),
        z.maximum(8784, "must be at most 8784 hours (366 days)"),
      ),
  ),
});

/** Keys the block accepts. */
export const RECOVERY_KEYS = Object.keys(block.shape);

/**
 * Validates the `restore` block. `stack` gives the stack region, the DR region, the file name for messages and
 * (components validating their args) the prefix fields are named with (default `rds-pilot-light:restore`).
 * Throws a ConfigError listing every problem, one line each.
 */
export function parseRecoverySettings(
  raw: Readonly<Record<string, unknown>> | undefined,
  stack: { region: string; drRegion?: string; source: string; keyPrefix?: string },
): RecoverySettings {
  // Components validating their own args name the fields `args.*` (stack.keyPrefix) instead of the stack keys.
  const key = (path: readonly PropertyKey[]) =>
    `${stack.keyPrefix ?? "rds-pilot-light:restore"}${path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("")}`;
  const problems: string[] = [];
  // Numbers as strings, account ids as numbers, lists as JSON: as `pulumi config set --path` writes them.
  const input = coerceToSchema(block, raw ?? {}, emptyCoerceReport()) as Record<string, unknown>;
  for (const k of Object.keys(input)) {
    if (!RECOVERY_KEYS.includes(k)) problems.push(`${key([k])} ${unknownKeyMessage(k, RECOVERY_KEYS)}`);
  }
  const r = z.safeParse(block, input);
  if (!r.success) {
    for (const i of r.error.issues) {
      let got: unknown = input;
      for (const p of i.path) got = (got as Record<PropertyKey, unknown> | undefined)?.[p as string];
      problems.push(`${key(i.path)} ${i.message} (got ${JSON.stringify(got)})`);
    }
  }
  const d = r.success ? r.data : {};
  // Checks beyond the schema run on the raw values too, so one run reports every problem.
  const rawList = (k: string) => (Array.isArray(input[k]) ? (input[k] as unknown[]) : []);
  for (const field of ["drillDbIds", "expectedDbs"] as const) {
    rawList(field).forEach((text, i) => {
      const ref = typeof text === "string" ? parseDbRef(text) : "must be a DB identifier";
      if (typeof ref === "string") problems.push(`${key([field, i])} ${ref}`);
    });
  }
  if (typeof input.namePrefix === "string" && input.namePrefix.startsWith(DRILL_PREFIX)) {
    problems.push(
      `${key(["namePrefix"])} must not start with "${DRILL_PREFIX}" (reserved for drills, which are deleted)`,
    );
  }
  const region = d.region ?? stack.drRegion ?? stack.region;
  const stages = d.freshnessStages ?? (stack.drRegion ? ["dr", "dr-region"] : ["dr"]);
  if (stages.includes("dr-region") && !stack.drRegion) {
    problems.push(`${key(["freshnessStages"])} lists dr-region but rds-pilot-light:drRegion is unset`);
  }
  const validatorRegion = d.drillValidationLambdaArn?.match(LAMBDA_FUNCTION_ARN)?.[1];
  if (validatorRegion !== undefined && validatorRegion !== region) {
    // Drills (and the recovery path) must not depend on another region, which may be the one that is down.
    problems.push(
      `${key(["drillValidationLambdaArn"])} must be a Lambda in the restore region ${region} (got one in ${validatorRegion})`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems.map((p) => `${p}; fix it in ${stack.source}.`).join("\n"));
  return {
    ...(d.accountId ? { accountId: d.accountId } : {}),
    region,
    ...(d.subnetGroup ? { subnetGroup: d.subnetGroup } : {}),
    securityGroupIds: d.securityGroupIds ?? [],
    ...(d.instanceClass ? { instanceClass: d.instanceClass } : {}),
    ...(d.drillInstanceClass ? { drillInstanceClass: d.drillInstanceClass } : {}),
    ...(d.parameterGroup ? { parameterGroup: d.parameterGroup } : {}),
    ...(d.clusterParameterGroup ? { clusterParameterGroup: d.clusterParameterGroup } : {}),
    multiAz: d.multiAz ?? false,
    ...(d.kmsKeyArn ? { kmsKeyArn: d.kmsKeyArn } : {}),
    namePrefix: d.namePrefix ?? "",
    rtoMinutes: d.rtoMinutes ?? DEFAULT_RTO_MINUTES,
    drillSchedule: d.drillSchedule ?? DEFAULT_DRILL_SCHEDULE,
    drillDbIds: d.drillDbIds ?? [],
    freshnessScheduleMinutes: d.freshnessScheduleMinutes ?? DEFAULT_FRESHNESS_MINUTES,
    freshnessStages: stages,
    expectedDbs: d.expectedDbs ?? [],
    stateMachineName: d.stateMachineName ?? DEFAULT_STATE_MACHINE_NAME,
    ...(d.drillValidationLambdaArn ? { drillValidationLambdaArn: d.drillValidationLambdaArn } : {}),
    drillValidationTimeoutSeconds: d.drillValidationTimeoutSeconds ?? DEFAULT_DRILL_VALIDATION_TIMEOUT_SECONDS,
    retireDeletedDbsAfterHours: d.retireDeletedDbsAfterHours ?? DEFAULT_RETIRE_DELETED_AFTER_HOURS,
  };
}

/** Environment of the restorer Lambda for these settings (inverse of `parseRestoreConfig`). */
export function restoreEnvironment(
  s: RecoverySettings,
  retiredDbs: readonly string[],
  source: string,
): Record<string, string> {
  if (!s.subnetGroup) {
    throw new ConfigError(
      `rds-pilot-light:restore.subnetGroup must be set to the DB subnet group restored DBs go into (or remove "restorer" from rds-pilot-light:components); fix it in ${source}.`,
    );
  }
  return {
    POWERTOOLS_SERVICE_NAME: RESTORE_SERVICE_NAME,
    POWERTOOLS_METRICS_NAMESPACE: "RdsPilotLight",
    RPL_RESTORE_REGION: s.region,
    RPL_SUBNET_GROUP: s.subnetGroup,
    ...(s.securityGroupIds.length > 0 ? { RPL_SECURITY_GROUP_IDS: s.securityGroupIds.join(",") } : {}),
    ...(s.instanceClass ? { RPL_INSTANCE_CLASS: s.instanceClass } : {}),
    ...(s.drillInstanceClass ? { RPL_DRILL_INSTANCE_CLASS: s.drillInstanceClass } : {}),
    ...(s.parameterGroup ? { RPL_PARAMETER_GROUP: s.parameterGroup } : {}),
    ...(s.clusterParameterGroup ? { RPL_CLUSTER_PARAMETER_GROUP: s.clusterParameterGroup } : {}),
    RPL_MULTI_AZ: String(s.multiAz),
    ...(s.kmsKeyArn ? { RPL_KMS_KEY_ARN: s.kmsKeyArn } : {}),
    ...(s.namePrefix ? { RPL_NAME_PREFIX: s.namePrefix } : {}),
    ...(retiredDbs.length > 0 ? { RPL_RETIRED_DBS: retiredDbs.join(",") } : {}),
  };
}

/** Environment of the freshness Lambda. */
export function freshnessEnvironment(
  s: RecoverySettings,
  stack: { region?: string; drRegion?: string; rpoMinutes: number; retiredDbs: readonly string[] },
): Record<string, string> {
  return {
    POWERTOOLS_SERVICE_NAME: FRESHNESS_SERVICE_NAME,
    POWERTOOLS_METRICS_NAMESPACE: "RdsPilotLight",
    // The monitor runs in the recovery region (issue 11): it must be told where the home-region (`dr`) copies are.
    ...(stack.region ? { RPL_HOME_REGION: stack.region } : {}),
    ...(stack.drRegion ? { RPL_DR_REGION: stack.drRegion } : {}),
    RPL_FRESHNESS_STAGES: s.freshnessStages.join(","),
    ...(s.expectedDbs.length > 0 ? { RPL_EXPECTED_DBS: s.expectedDbs.join(",") } : {}),
    ...(stack.retiredDbs.length > 0 ? { RPL_RETIRED_DBS: stack.retiredDbs.join(",") } : {}),
    RPL_RPO_MINUTES: String(stack.rpoMinutes),
    RPL_RETIRE_DELETED_AFTER_HOURS: String(s.retireDeletedDbsAfterHours),
  };
}

/** Powertools service name of the restorer (the `service` dimension of its metrics, which alarms must match). */
export const RESTORE_SERVICE_NAME = "rds-pilot-light-restore";
/** Powertools service name of the freshness Lambda. */
export const FRESHNESS_SERVICE_NAME = "rds-pilot-light-freshness";

/** Execution input of the scheduled drill (the SnapshotRestorer's schedule and the simulator both send this). */
export function drillInput(settings: RecoverySettings): { mode: "drill"; dbIds?: string[] } {
  return { mode: "drill", ...(settings.drillDbIds.length > 0 ? { dbIds: [...settings.drillDbIds] } : {}) };
}

/**
 * Freshness alarm period: twice the schedule (whole minutes), so every period holds at least one run even when
 * Scheduler delivers late; a single-interval period would see gaps, and missing data there means ALARM.
 */
export function freshnessAlarmPeriodSeconds(scheduleMinutes: number): number {
  return 2 * scheduleMinutes * 60;
}

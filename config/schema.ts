/**
 * The stack configuration (`rds-pilot-light:*` keys) as one validated, fully defaulted object.
 *
 * Pure: no Pulumi resource imports. `index.ts`, the simulator and the CLI all call {@link parseStackConfig}, so a
 * stack file that the CLI accepts is exactly one that `pulumi preview` accepts. Every rejection says which key, the
 * value it got, and what to change, in the file it came from.
 */
import * as z from "zod";
import { DEFAULT_MAX_COPIES_IN_FLIGHT_PER_DB } from "../functions/copy/perDbCap";
import { ConfigError } from "../functions/lib/errors";
import { DEFAULT_RETENTION, type RetentionPolicy, retentionFootprint } from "../functions/lib/retention";
import { type SweepConfig, sweepSchema } from "./apiBudget";
import { type CoerceReport, closest, coerceToSchema, emptyCoerceReport, objectKeys, toFilePath } from "./coerce";
import { type DbProfile, dbProfilesSchema } from "./dbProfiles";

/** Config namespace (the Pulumi project name). */
export const NAMESPACE = "rds-pilot-light";

/** Deployable parts of the pipeline, by config name. `restorer`/`freshness` belong to the recovery area. */
export const COMPONENT_NAMES = ["taker", "sharer", "copier", "janitor", "restorer", "freshness"] as const;
/** One of {@link COMPONENT_NAMES}. */
export type ComponentName = (typeof COMPONENT_NAMES)[number];

/** Which side of the pipeline a stack deploys. `both` = one account, source and DR region. */
export type Role = "source" | "dr" | "both";

/** Retention of owned snapshots: the Janitor's policy type, re-exported for stack config users. */
export type { RetentionPolicy };

/** Defaults, in one place (STYLE.md: named constants at the top). */
export const DEFAULTS = {
  dbIdRegex: ".*",
  rpoMinutes: 60,
  expectedSnapshotMinutes: 10,
  expectedCopyMinutes: 20,
  /** Longest wait of the Copier's check loop between two checks (config/derive.ts copyCheckLoop). */
  copyCheckMaxWaitMinutes: 30,
  janitorScheduleMinutes: 60,
  retention: DEFAULT_RETENTION,
  manualSnapshotQuota: 100,
  quotaHeadroom: 2,
  /** With the default retention at a 30-minute interval one DB keeps 74 snapshots: only one DB fits quota 100. */
  maxDbs: 1,
  /** Both DR copies from the source's share (docs/copy-topology.md); clusters fall back to two-step. */
  copyMode: "fan-out" as const,
  /** The current CopySnapshot guide says 20 copies in flight per destination region; older docs and field reports say 5. */
  maxCopiesInFlight: 5,
  /** One DB may hold one copy slot per destination region: a DB that cannot keep up never starves the others. */
  maxCopiesInFlightPerDb: DEFAULT_MAX_COPIES_IN_FLIGHT_PER_DB,
  deleteIntermediateCopy: false,
  logRetentionDays: 30,
} as const;

/** Snapshot intervals the derived default is floored to (minutes): they divide an hour or a day evenly. */
export const SENSIBLE_INTERVALS = [5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 480, 720, 1440] as const;
/** Shortest snapshot interval (minutes) the pipeline supports. */
export const MIN_INTERVAL_MINUTES = 5;
/** Values CloudWatch Logs accepts for `retentionInDays`. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
/** A manual snapshot can be shared with at most 20 accounts (RDS sharing guide). */
export const MAX_DR_ACCOUNTS = 20;

/** The validated configuration of one stack, every default resolved. */
export interface PilotLightConfig {
  readonly role: Role;
  /** Home region of the stack (`aws:region`). */
  readonly region: string;
  readonly components: readonly ComponentName[];
  /** True when `components` was set explicitly rather than derived from `role`. */
  readonly componentsExplicit: boolean;
  readonly drAccounts: readonly string[];
  readonly drEventBusArns: readonly string[];
  readonly sourceAccounts: readonly string[];
  readonly dbIdRegex: string;
  readonly optInTag?: string;
  readonly rpoMinutes: number;
  readonly snapshotIntervalMinutes: number;
  /** True when `snapshotIntervalMinutes` was set explicitly. */
  readonly intervalExplicit: boolean;
  readonly expectedSnapshotMinutes: number;
  readonly expectedCopyMinutes: number;
  /**
   * Longest wait (minutes) of the Copier's check loop between two checks; it waits less when a copy should finish
   * sooner, never less than 5 minutes (config/derive.ts copyCheckLoop).
   */
  readonly copyCheckMaxWaitMinutes: number;
  readonly fallbackScheduleMinutes: number;
  readonly janitorScheduleMinutes: number;
  readonly retention: RetentionPolicy;
  readonly manualSnapshotQuota: number;
  readonly quotaHeadroom: number;
  readonly maxDbs: number;
  readonly drRegion?: string;
  readonly copyMode: "fan-out" | "two-step" | "direct";
  readonly maxCopiesInFlight: number;
  /** Copies in flight one source DB may hold per destination region (1 to {@link maxCopiesInFlight}). */
  readonly maxCopiesInFlightPerDb: number;
  readonly deleteIntermediateCopy: boolean;
  readonly kms: {
    readonly sourceKeyArn?: string;
    readonly drKeyArn?: string;
    readonly drRegionKeyArn?: string;
    readonly sourceKeyArns?: readonly string[];
  };
  readonly alerts: {
    readonly topicArn?: string;
    /** Existing topic in the recovery region for the restorer/freshness alarms (config/derive.ts recoveryAlerts). */
    readonly recoveryTopicArn?: string;
    readonly emails: readonly string[];
    readonly httpsEndpoints: readonly string[];
  };
  readonly logRetentionDays: number;
  /** How schedule-started sweeps fan out per DB (config/apiBudget.ts derives the Map's MaxConcurrency). */
  readonly sweep: SweepConfig;
  readonly retiredDbs: readonly string[];
  /** Sizes and kinds of the protected DBs (config/dbProfiles.ts): `check` prints their feasible RPO; deploys nothing. */
  readonly dbProfiles?: readonly DbProfile[];
  /** Free-form block owned by the recovery components; passed through untouched. */
  readonly restore?: Readonly<Record<string, unknown>>;
  /** Non-fatal findings (e.g. an explicit interval that cannot meet the RPO); `index.ts` logs them as warnings. */
  readonly warnings: readonly string[];
  /** Values that were not checked: `{secure: ...}` secrets of a stack file read offline (preview checks them). */
  readonly unchecked?: readonly string[];
  /** File or source name the values came from, for messages. */
  readonly source: string;
}

const ACCOUNT_MSG = "must be a 12-digit AWS account id";
const account = z.string(ACCOUNT_MSG).regex(/^\d{12}$/, ACCOUNT_MSG);
const REGION_MSG = "must be an AWS region such as eu-west-1";
const region = z.string(REGION_MSG).regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, REGION_MSG);
const minutes = (min: number) =>
  z
    .number(`must be a whole number of minutes`)
    .int(`must be a whole number of minutes`)
    .min(min, `must be at least ${min} minutes`);
const count = (min: number, what: string) =>
  z
    .number(`must be a whole number of ${what}`)
    .int(`must be a whole number of ${what}`)
    .min(min, `must be at least ${min}`);
const arnOf = (service: string, example: string) =>
  z
    .string(`must be an ARN such as ${example}`)
    .regex(new RegExp(`^arn:aws[a-z-]*:${service}:`), `must be an ARN such as ${example}`);
const KMS_EXAMPLE = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-...";
const kmsArn = arnOf("kms", KMS_EXAMPLE);

/** The zod schema of the raw keys (without namespace prefix). Cross-field rules run after it. */
export const rawSchema = z.strictObject({
  role: z.enum(["source", "dr", "both"], 'must be "source", "dr" or "both"'),
  components: z.array(z.string("must be a component name"), "must be a list of component names").optional(),
  drAccounts: z.array(account, "must be a list of 12-digit AWS account ids").optional(),
  drEventBusArns: z
    .array(arnOf("events", "arn:aws:events:eu-west-1:222222222222:event-bus/rds-pilot-light"), "must be a list of ARNs")
    .optional(),
  sourceAccounts: z.array(account, "must be a list of 12-digit AWS account ids").optional(),
  dbIdRegex: z.string("must be a JavaScript regular expression").default(DEFAULTS.dbIdRegex),
  optInTag: z
    .string('must be "key" or "key=value"')
    .regex(/^[^=\s][^=]{0,127}(=.{0,256})?$/, 'must be "key" or "key=value"')
    .optional(),
  rpoMinutes: minutes(1).default(DEFAULTS.rpoMinutes),
  snapshotIntervalMinutes: minutes(MIN_INTERVAL_MINUTES).optional(),
  expectedSnapshotMinutes: minutes(0).default(DEFAULTS.expectedSnapshotMinutes),
  expectedCopyMinutes: minutes(0).default(DEFAULTS.expectedCopyMinutes),
  // At least the loop's shortest wait (config/derive.ts COPY_CHECK_WAIT_SECONDS), at most a day.
  copyCheckMaxWaitMinutes: minutes(5)
    .max(1440, "must be at most 1440 minutes (one day)")
    .default(DEFAULTS.copyCheckMaxWaitMinutes),
  fallbackScheduleMinutes: minutes(1).optional(),
  janitorScheduleMinutes: minutes(1).default(DEFAULTS.janitorScheduleMinutes),
  retention: z
    .strictObject(
      {
        allHours: count(0, "hours").default(DEFAULTS.retention.allHours),
        dailyDays: count(0, "days").default(DEFAULTS.retention.dailyDays),
        weeklyWeeks: count(0, "weeks").default(DEFAULTS.retention.weeklyWeeks),
        monthlyMonths: count(0, "months").default(DEFAULTS.retention.monthlyMonths),
        minKeep: count(1, "snapshots").default(DEFAULTS.retention.minKeep),
      },
      "must be an object with allHours, dailyDays, weeklyWeeks, monthlyMonths, minKeep",
    )
    .default(DEFAULTS.retention),
  manualSnapshotQuota: count(1, "snapshots").default(DEFAULTS.manualSnapshotQuota),
  quotaHeadroom: count(0, "snapshots").default(DEFAULTS.quotaHeadroom),
  maxDbs: count(1, "DBs").default(DEFAULTS.maxDbs),
  drRegion: region.optional(),
  copyMode: z
    .enum(["fan-out", "two-step", "direct"], 'must be "fan-out", "two-step" or "direct"')
    .default(DEFAULTS.copyMode),
  maxCopiesInFlight: count(1, "copies").max(20, "must be at most 20").default(DEFAULTS.maxCopiesInFlight),
  maxCopiesInFlightPerDb: count(1, "copies").max(20, "must be at most 20").default(DEFAULTS.maxCopiesInFlightPerDb),
  deleteIntermediateCopy: z.boolean("must be true or false").default(DEFAULTS.deleteIntermediateCopy),
  kms: z
    .strictObject(
      {
        sourceKeyArn: kmsArn.optional(),
        drKeyArn: kmsArn.optional(),
        drRegionKeyArn: kmsArn.optional(),
        sourceKeyArns: z.array(kmsArn, "must be a list of KMS key ARNs").optional(),
      },
      "must be an object with sourceKeyArn, drKeyArn, drRegionKeyArn, sourceKeyArns",
    )
    .default({}),
  alerts: z
    .strictObject(
      {
        topicArn: arnOf("sns", "arn:aws:sns:eu-west-1:111122223333:alerts").optional(),
        recoveryTopicArn: arnOf("sns", "arn:aws:sns:eu-central-1:111122223333:alerts").optional(),
        emails: z.array(z.email("must be an e-mail address"), "must be a list of e-mail addresses").default([]),
        httpsEndpoints: z
          .array(z.url({ protocol: /^https$/, error: "must be an https:// URL" }), "must be a list of https:// URLs")
          .default([]),
      },
      "must be an object with topicArn (and recoveryTopicArn) or emails/httpsEndpoints",
    )
    .default({ emails: [], httpsEndpoints: [] }),
  sweep: sweepSchema,
  logRetentionDays: z
    .number("must be a number of days")
    .refine((v) => (LOG_RETENTION_DAYS as readonly number[]).includes(v), {
      message: `must be one of the values CloudWatch Logs accepts: ${LOG_RETENTION_DAYS.join(", ")}`,
    })
    .default(DEFAULTS.logRetentionDays),
  retiredDbs: z.array(z.string("must be a DB identifier"), "must be a list of DB identifiers").default([]),
  restore: z.record(z.string(), z.unknown(), "must be an object").optional(),
  dbProfiles: dbProfilesSchema.optional(),
});

/** Keys the namespace accepts. */
export const CONFIG_KEYS = Object.keys(rawSchema.shape) as readonly (keyof typeof rawSchema.shape)[];

/** Context the namespace itself does not hold. */
export interface StackContext {
  /** `aws:region` of the stack. */
  readonly region?: string;
}

interface Problem {
  readonly path: readonly PropertyKey[];
  readonly message: string;
  /** The problem is about a derived total, not one value: leave out "(got ...)". */
  readonly derived?: boolean;
}

/**
 * Validates the raw `rds-pilot-light:*` values (keys without the prefix, values already parsed from YAML/JSON)
 * and resolves every default. Throws a {@link ConfigError} listing every problem, one line each, in the form
 * `rds-pilot-light:sourceAccounts[1] must be a 12-digit AWS account id (got "12345"); fix it in Pulumi.drprod.yaml.`
 */
export function parseStackConfig(
  raw: Record<string, unknown>,
  source: string,
  context: StackContext = {},
): PilotLightConfig {
  // Values as `pulumi config set` writes them (or as the program receives them) -> the types the schema wants.
  const report = emptyCoerceReport();
  const values = coerceToSchema(rawSchema, raw, report) as Record<string, unknown>;
  const fail = (problems: readonly Problem[]): never => {
    throw new ConfigError(problems.map((p) => formatProblem(p, values, source, report)).join("\n"));
  };
  const parsed = rawSchema.safeParse(values);
  if (!parsed.success) {
    fail(
      parsed.error.issues.flatMap((i): Problem[] =>
        i.code === "unrecognized_keys"
          ? i.keys.map((k) => ({ path: [...i.path, k], message: unknownKeyMessage(k, validKeysAt(i.path)) }))
          : [{ path: i.path, message: i.message }],
      ),
    );
  }
  const r = parsed.data!;
  const problems: Problem[] = [];
  const warnings: string[] = [];
  const homeRegion = context.region;
  if (homeRegion === undefined || !/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/.test(homeRegion)) {
    problems.push({ path: ["aws:region"], message: "must be set to the stack's AWS region such as eu-west-1" });
  }

  try {
    new RegExp(r.dbIdRegex);
  } catch (err) {
    problems.push({
      path: ["dbIdRegex"],
      message: `is not a valid JavaScript regular expression (${(err as Error).message})`,
    });
  }

  // Role-specific requirements.
  const drAccounts = r.drAccounts ?? [];
  const sourceAccounts = r.sourceAccounts ?? [];
  if (r.role === "source") {
    if (drAccounts.length === 0)
      problems.push({ path: ["drAccounts"], message: 'must list at least one DR account id when role is "source"' });
    if (drAccounts.length > MAX_DR_ACCOUNTS) {
      problems.push({
        path: ["drAccounts"],
        message: `lists ${drAccounts.length} accounts; a snapshot can be shared with at most ${MAX_DR_ACCOUNTS}`,
      });
    }
    if (r.drEventBusArns && r.drEventBusArns.length === 0) {
      problems.push({
        path: ["drEventBusArns"],
        message: "is empty; remove the key to derive the buses from drAccounts",
      });
    }
    if (r.sourceAccounts)
      problems.push({ path: ["sourceAccounts"], message: 'is only used when role is "dr"; remove it or set role: dr' });
  }
  if (r.role === "dr") {
    if (sourceAccounts.length === 0)
      problems.push({
        path: ["sourceAccounts"],
        message: 'must list at least one source account id when role is "dr"',
      });
    if (r.drAccounts)
      problems.push({
        path: ["drAccounts"],
        message: 'is only used when role is "source"; remove it or set role: source',
      });
  }
  if (r.role === "both") {
    if (!r.drRegion)
      problems.push({
        path: ["drRegion"],
        message: 'must be set when role is "both" (the second region of the single account)',
      });
    if (r.drAccounts || r.sourceAccounts) {
      problems.push({
        path: [r.drAccounts ? "drAccounts" : "sourceAccounts"],
        message: 'is not used when role is "both" (one account); remove it',
      });
    }
  }
  if (r.drRegion !== undefined && homeRegion !== undefined && r.drRegion === homeRegion) {
    problems.push({
      path: ["drRegion"],
      message: `equals the stack region aws:region (${homeRegion}); a DR region must be a different region`,
    });
  }
  if (r.role !== "source" && r.drRegion === undefined) {
    if (r.copyMode === "direct") {
      problems.push({
        path: ["copyMode"],
        message: 'is "direct", which copies straight into drRegion; set drRegion or use "two-step"',
      });
    }
    if (r.deleteIntermediateCopy) {
      problems.push({
        path: ["deleteIntermediateCopy"],
        message: "needs drRegion: without it the home-region copy is the only DR copy",
      });
    }
  }
  if (r.role !== "source" && r.drRegion !== undefined && r.deleteIntermediateCopy && r.copyMode === "fan-out") {
    problems.push({
      path: ["deleteIntermediateCopy"],
      message:
        'does not apply to copyMode "fan-out", whose home-region copy is not an intermediate; set copyMode "two-step", or "direct" for no home-region copy',
    });
  }
  if (r.maxCopiesInFlightPerDb > r.maxCopiesInFlight) {
    problems.push({
      path: ["maxCopiesInFlightPerDb"],
      message:
        `must be at most maxCopiesInFlight (${r.maxCopiesInFlight}): it is the part of a destination region's copy ` +
        "slots one DB may hold; lower it, or raise maxCopiesInFlight",
    });
  }
  for (const [i, a] of duplicates(drAccounts))
    problems.push({ path: ["drAccounts", i], message: `repeats account ${a}` });
  for (const [i, a] of duplicates(sourceAccounts))
    problems.push({ path: ["sourceAccounts", i], message: `repeats account ${a}` });
  if (r.kms.drRegionKeyArn && r.drRegion && r.kms.drRegionKeyArn.split(":")[3] !== r.drRegion) {
    problems.push({ path: ["kms", "drRegionKeyArn"], message: `must be a key in drRegion (${r.drRegion})` });
  }
  if (r.kms.drKeyArn && homeRegion && r.kms.drKeyArn.split(":")[3] !== homeRegion) {
    problems.push({ path: ["kms", "drKeyArn"], message: `must be a key in the stack region (${homeRegion})` });
  }
  if (r.alerts.topicArn && (r.alerts.emails.length > 0 || r.alerts.httpsEndpoints.length > 0)) {
    problems.push({
      path: ["alerts", "topicArn"],
      message:
        "and alerts.emails/alerts.httpsEndpoints are mutually exclusive: subscribe to your existing topic yourself, or drop topicArn",
    });
  }

  // Components: names, then compatibility with the role.
  const defaultComponents: Record<Role, ComponentName[]> = {
    source: ["taker", "sharer", "janitor"],
    dr: ["copier", "janitor", "freshness"],
    both: ["taker", "copier", "janitor", "freshness"],
  };
  const allowed: Record<Role, readonly ComponentName[]> = {
    source: ["taker", "sharer", "janitor"],
    dr: ["copier", "janitor", "restorer", "freshness"],
    both: ["taker", "copier", "janitor", "restorer", "freshness"],
  };
  const components: ComponentName[] = [];
  (r.components ?? defaultComponents[r.role]).forEach((c, i) => {
    if (!(COMPONENT_NAMES as readonly string[]).includes(c)) {
      problems.push({ path: ["components", i], message: `is not a component (valid: ${COMPONENT_NAMES.join(", ")})` });
    } else if (!allowed[r.role].includes(c as ComponentName)) {
      problems.push({
        path: ["components", i],
        message: `cannot deploy when role is "${r.role}" (valid for that role: ${allowed[r.role].join(", ")})`,
      });
    } else if (!components.includes(c as ComponentName)) components.push(c as ComponentName);
  });

  // RPO: the newest DR copy can be as old as interval + snapshot time + copy time just before the next one lands.
  const pipelineMinutes = r.expectedSnapshotMinutes + r.expectedCopyMinutes;
  let interval = r.snapshotIntervalMinutes;
  if (r.rpoMinutes < pipelineMinutes + MIN_INTERVAL_MINUTES) {
    problems.push({
      path: ["rpoMinutes"],
      message:
        `cannot be met: expectedSnapshotMinutes (${r.expectedSnapshotMinutes}) + expectedCopyMinutes (${r.expectedCopyMinutes}) ` +
        `+ the shortest snapshot interval (${MIN_INTERVAL_MINUTES}) = ${pipelineMinutes + MIN_INTERVAL_MINUTES} minutes; ` +
        `raise rpoMinutes to at least ${pipelineMinutes + MIN_INTERVAL_MINUTES}`,
    });
  } else if (interval === undefined) {
    interval = deriveIntervalMinutes(r.rpoMinutes, pipelineMinutes);
  } else if (interval + pipelineMinutes > r.rpoMinutes) {
    warnings.push(
      `${NAMESPACE}:snapshotIntervalMinutes (${interval}) + expectedSnapshotMinutes (${r.expectedSnapshotMinutes}) + ` +
        `expectedCopyMinutes (${r.expectedCopyMinutes}) = ${interval + pipelineMinutes} minutes exceeds ` +
        `rpoMinutes (${r.rpoMinutes}); recovery points will be older than the RPO. Lower snapshotIntervalMinutes to ` +
        `${deriveIntervalMinutes(r.rpoMinutes, pipelineMinutes)} or remove it in ${source}.`,
    );
  }
  // Quota: what retention keeps of every DB must fit the manual snapshot quota of one account and region. (Skipped
  // when the RPO is impossible: there is no interval to count with, and the RPO message says what to change.)
  const perDb = interval === undefined ? 0 : retentionFootprint(r.retention, interval);
  const dbsPerRegion = r.maxDbs * (r.role === "dr" ? Math.max(1, sourceAccounts.length) : 1);
  const needed = perDb * dbsPerRegion + r.quotaHeadroom;
  if (interval !== undefined && needed > r.manualSnapshotQuota) {
    problems.push({
      path: ["retention"],
      message:
        `keeps up to ${perDb} snapshots per DB at a ${interval}-minute interval; × ${dbsPerRegion} DBs` +
        `${r.role === "dr" ? ` (maxDbs ${r.maxDbs} × ${sourceAccounts.length} source accounts)` : ""} + headroom ` +
        `${r.quotaHeadroom} = ${needed}, above manualSnapshotQuota (${r.manualSnapshotQuota}); shorten retention, ` +
        `lower maxDbs, or raise the RDS quota (service quota L-272F1212) and manualSnapshotQuota`,
      derived: true,
    });
  }

  if (problems.length > 0) fail(problems);
  const region = homeRegion!;
  return {
    role: r.role,
    region,
    components,
    componentsExplicit: r.components !== undefined,
    drAccounts,
    drEventBusArns: r.drEventBusArns ?? drAccounts.map((a) => drEventBusArn(a, region)),
    sourceAccounts,
    dbIdRegex: r.dbIdRegex,
    optInTag: r.optInTag,
    rpoMinutes: r.rpoMinutes,
    snapshotIntervalMinutes: interval!,
    intervalExplicit: r.snapshotIntervalMinutes !== undefined,
    expectedSnapshotMinutes: r.expectedSnapshotMinutes,
    expectedCopyMinutes: r.expectedCopyMinutes,
    copyCheckMaxWaitMinutes: r.copyCheckMaxWaitMinutes,
    fallbackScheduleMinutes: r.fallbackScheduleMinutes ?? interval!,
    janitorScheduleMinutes: r.janitorScheduleMinutes,
    retention: r.retention,
    manualSnapshotQuota: r.manualSnapshotQuota,
    quotaHeadroom: r.quotaHeadroom,
    maxDbs: r.maxDbs,
    drRegion: r.drRegion,
    copyMode: r.copyMode,
    maxCopiesInFlight: r.maxCopiesInFlight,
    maxCopiesInFlightPerDb: r.maxCopiesInFlightPerDb,
    deleteIntermediateCopy: r.deleteIntermediateCopy,
    kms: r.kms,
    alerts: r.alerts,
    logRetentionDays: r.logRetentionDays,
    sweep: r.sweep,
    retiredDbs: r.retiredDbs,
    restore: r.restore,
    ...(r.dbProfiles !== undefined ? { dbProfiles: r.dbProfiles } : {}),
    warnings,
    ...(report.secrets.length > 0 ? { unchecked: report.secrets.map((p) => `${NAMESPACE}:${pathText(p)}`) } : {}),
    source,
  };
}

/** "is not a known key; did you mean X?" (or the valid keys when nothing is close). */
export function unknownKeyMessage(key: string, valid: readonly string[]): string {
  const guess = closest(key, valid);
  return guess ? `is not a known key; did you mean ${guess}?` : `is not a known key (valid keys: ${valid.join(", ")})`;
}

/** Name of the DR account's event bus that receives "snapshot shared" events. */
export const DR_EVENT_BUS_NAME = "rds-pilot-light";

/** ARN of the DR event bus of `account` in `region` (the default of `drEventBusArns`). */
export function drEventBusArn(account: string, region: string, partition = "aws"): string {
  return `arn:${partition}:events:${region}:${account}:event-bus/${DR_EVENT_BUS_NAME}`;
}

/**
 * The default snapshot interval: the RPO minus the time a snapshot and its copy take, floored to the largest
 * {@link SENSIBLE_INTERVALS} value that fits (so schedules stay aligned to the hour).
 */
export function deriveIntervalMinutes(rpoMinutes: number, pipelineMinutes: number): number {
  const budget = rpoMinutes - pipelineMinutes;
  let best: number = MIN_INTERVAL_MINUTES;
  for (const v of SENSIBLE_INTERVALS) if (v <= budget) best = v;
  return best;
}

function validKeysAt(path: readonly PropertyKey[]): string[] {
  if (path.length === 0) return [...CONFIG_KEYS];
  const field = rawSchema.shape[path[0] as keyof typeof rawSchema.shape];
  return field ? objectKeys(field) : [];
}

/** `alerts.emails[0]` for `["alerts", "emails", 0]`. */
function pathText(path: readonly PropertyKey[]): string {
  let key = "";
  for (const seg of path) {
    key += typeof seg === "number" ? `[${seg}]` : key === "" ? String(seg) : `.${String(seg)}`;
  }
  return key;
}

function formatProblem(p: Problem, values: Record<string, unknown>, source: string, report: CoerceReport): string {
  if (p.path[0] === "aws:region") return `aws:region ${p.message}; fix it in ${source}.`;
  let value: unknown = values;
  for (const seg of p.path) {
    value = value !== null && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[seg] : undefined;
  }
  const filePath = toFilePath(p.path, report);
  const key = `${NAMESPACE}:${pathText(filePath)}`;
  if (p.derived) return `${key} ${p.message}; fix it in ${source}.`;
  const wasNumber = report.numbersAsText.some((n) => JSON.stringify(n) === JSON.stringify(filePath));
  const got = value === undefined ? "unset" : wasNumber ? `the number ${String(value)}` : JSON.stringify(value);
  const hint =
    wasNumber && p.message.includes("account id")
      ? "; YAML reads an unquoted number and drops its leading zeros, so write the id in quotes as it is written in AWS"
      : "";
  return `${key} ${p.message} (got ${got})${hint}; fix it in ${source}.`;
}

function duplicates(list: readonly string[]): [number, string][] {
  return list.flatMap((v, i) => (list.indexOf(v) < i ? [[i, v] as [number, string]] : []));
}

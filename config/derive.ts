/**
 * Everything the components (and the simulator) derive from a {@link PilotLightConfig}: which components deploy,
 * each Lambda's environment, and each state machine's schedule. Written once here so no logic exists twice.
 */
import { ConfigError } from "../functions/lib/errors";
import { type ApiRateLimit, RDS_API_RATE_LIMIT, sweepPacing } from "./apiBudget";
import type { ComponentName, PilotLightConfig } from "./schema";

/** Handler steps that run as Lambdas of the snapshot pipeline. */
export type Step = "take" | "share" | "copy" | "check" | "expire";

/** Powertools metric namespace every Lambda emits into. */
export const METRICS_NAMESPACE = "RdsPilotLight";

/**
 * Shortest wait between two checks of copies in progress (seconds), and the wait when no running copy gives an
 * estimate. The loop waits longer when the copies' progress says they need longer (functions/copy/nextCheck.ts), at
 * most `copyCheckMaxWaitMinutes`.
 */
export const COPY_CHECK_WAIT_SECONDS = 300;

/**
 * Values that only exist once resources do (KMS key ARNs, the account id). `T` is `string` for the simulator and
 * `pulumi.Output<string>` for the components.
 */
export interface HandlerRefs<T> {
  /** DR key in the stack's home region (copy/check). */
  readonly drKmsKeyArn?: T;
  /** DR key in `drRegion` (copy/check, when a DR region is set). */
  readonly drRegionKmsKeyArn?: T;
  /**
   * This account's id (copy/check when role is `both`: the source account is the account itself, and the Copier
   * treats the account's own `source`-stage snapshots as sources).
   */
  readonly accountId?: T;
  /** Which owned snapshots a Janitor manages (expire). */
  readonly stage?: "source" | "dr";
}

/**
 * The exact environment variables of one step's Lambda (CONTRACTS.md "Environment variables"). Throws when a
 * reference the step needs is missing, so a component can never deploy a Lambda that fails its cold start.
 */
export function handlerEnvironment<T = string>(
  config: PilotLightConfig,
  step: Step,
  refs: HandlerRefs<T> = {},
): Record<string, string | T> {
  const env: Record<string, string | T> = lambdaEnvironment(step, {});
  const need = <V>(v: V | undefined, what: string): V => {
    if (v === undefined) throw new Error(`handlerEnvironment(${step}) needs ${what}`);
    return v;
  };
  switch (step) {
    case "take":
      return {
        ...env,
        ...takeEnvironment({
          dbIdRegex: config.dbIdRegex,
          optInTag: config.optInTag,
          intervalMinutes: config.snapshotIntervalMinutes,
          quotaHeadroom: config.quotaHeadroom,
        }),
      };
    case "share":
      return { ...env, ...shareEnvironment({ drAccounts: config.drAccounts, drEventBusArns: config.drEventBusArns }) };
    case "copy":
    case "check":
      return {
        ...env,
        ...copyEnvironment<T>({
          sourceAccounts:
            config.role === "both"
              ? [need(refs.accountId, "accountId")]
              : (config.sourceAccounts as readonly (string | T)[]),
          drKmsKeyArn: need(refs.drKmsKeyArn, "drKmsKeyArn"),
          ...(config.drRegion !== undefined
            ? { drRegion: config.drRegion, drRegionKmsKeyArn: need(refs.drRegionKmsKeyArn, "drRegionKmsKeyArn") }
            : {}),
          copyMode: config.copyMode,
          maxCopiesInFlight: config.maxCopiesInFlight,
          maxCopiesInFlightPerDb: config.maxCopiesInFlightPerDb,
          deleteIntermediateCopy: config.deleteIntermediateCopy,
          copyWindowHours: copyWindowHours(config),
          expectedCopyMinutes: config.expectedCopyMinutes,
        }),
      };
    case "expire": {
      const stage = need(refs.stage, "stage");
      return {
        ...env,
        ...expireEnvironment({ stage, regions: janitorRegions(config, stage), retention: config.retention }),
      };
    }
  }
}

/** A step Lambda's full environment: the Powertools variables, then its `RPL_*` variables. */
export function lambdaEnvironment<T = string>(step: Step, rpl: Record<string, string | T>): Record<string, string | T> {
  return {
    POWERTOOLS_SERVICE_NAME: `rds-pilot-light-${step}`,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    ...rpl,
  };
}

/** The take Lambda's settings (functions/take/config.ts parses them). */
export interface TakeSettings {
  readonly dbIdRegex: string;
  readonly optInTag?: string;
  readonly intervalMinutes: number;
  readonly quotaHeadroom: number;
}

/** `RPL_*` variables of the take Lambda. */
export function takeEnvironment(s: TakeSettings): Record<string, string> {
  return {
    RPL_DB_ID_REGEX: s.dbIdRegex,
    ...(s.optInTag !== undefined ? { RPL_OPT_IN_TAG: s.optInTag } : {}),
    RPL_INTERVAL_MINUTES: String(s.intervalMinutes),
    RPL_QUOTA_HEADROOM: String(s.quotaHeadroom),
  };
}

/** `RPL_*` variables of the share Lambda. */
export function shareEnvironment(s: {
  readonly drAccounts: readonly string[];
  readonly drEventBusArns: readonly string[];
}): Record<string, string> {
  return {
    RPL_DR_ACCOUNTS: s.drAccounts.join(","),
    ...(s.drEventBusArns.length > 0 ? { RPL_DR_EVENT_BUS_ARNS: s.drEventBusArns.join(",") } : {}),
  };
}

/** The copy and check Lambdas' settings. `T` is `string` or `pulumi.Output<string>` (see {@link HandlerRefs}). */
export interface CopySettings<T> {
  /** Accounts whose shared snapshots are copied (the account itself in the single-account role). */
  readonly sourceAccounts: readonly (string | T)[];
  readonly drKmsKeyArn: T;
  readonly drRegion?: string;
  readonly drRegionKmsKeyArn?: T;
  readonly copyMode: string;
  readonly maxCopiesInFlight: number;
  /** Copies in flight one source DB may hold per destination region; absent: the Copier's default. */
  readonly maxCopiesInFlightPerDb?: number;
  readonly deleteIntermediateCopy: boolean;
  readonly copyWindowHours: number;
  /** Minutes a copy usually takes: the check loop's estimate for a copy that shows no progress yet. */
  readonly expectedCopyMinutes: number;
}

/** `RPL_*` variables of the copy and check Lambdas (the same for both). */
export function copyEnvironment<T>(s: CopySettings<T>): Record<string, string | T> {
  // One account (the single-account role's own id, possibly an Output) is passed through as is.
  const accounts =
    s.sourceAccounts.length === 1 ? (s.sourceAccounts[0] as string | T) : (s.sourceAccounts as string[]).join(",");
  if (s.drRegion !== undefined && s.drRegionKmsKeyArn === undefined) {
    throw new Error("copyEnvironment needs drRegionKmsKeyArn because drRegion is set");
  }
  return {
    RPL_SOURCE_ACCOUNTS: accounts,
    RPL_DR_KMS_KEY_ARN: s.drKmsKeyArn,
    ...(s.drRegion !== undefined ? { RPL_DR_REGION: s.drRegion, RPL_DR_REGION_KMS_KEY_ARN: s.drRegionKmsKeyArn! } : {}),
    RPL_COPY_MODE: s.copyMode,
    RPL_MAX_COPIES_IN_FLIGHT: String(s.maxCopiesInFlight),
    ...(s.maxCopiesInFlightPerDb !== undefined
      ? { RPL_MAX_COPIES_IN_FLIGHT_PER_DB: String(s.maxCopiesInFlightPerDb) }
      : {}),
    RPL_DELETE_INTERMEDIATE: String(s.deleteIntermediateCopy),
    RPL_COPY_WINDOW_HOURS: String(s.copyWindowHours),
    RPL_EXPECTED_COPY_MINUTES: String(s.expectedCopyMinutes),
  };
}

/** `RPL_*` variables of the expire Lambda. */
export function expireEnvironment(s: {
  readonly stage: "source" | "dr";
  readonly regions: readonly string[];
  readonly retention: unknown;
}): Record<string, string> {
  return { RPL_STAGE: s.stage, RPL_REGIONS: s.regions.join(","), RPL_RETENTION: JSON.stringify(s.retention) };
}

/**
 * Hours back from now within which the Copier starts copies (`RPL_COPY_WINDOW_HOURS`), derived together with the DR
 * retention so that no copy is made that the DR Janitor would delete within an interval (issue 13 item 4):
 *
 *   window = floor((retention.allHours × 60 − expectedCopyMinutes − snapshotIntervalMinutes) / 60) hours
 *
 * A recovery point copied at age ≤ window finishes copying by age window + expectedCopyMinutes, and stays younger
 * than `allHours` (so the Janitor's "recent" tier keeps it) for at least one more snapshot interval. Only the
 * recent tier is relied on: the daily/weekly/monthly tiers keep just the newest of a bucket and minKeep just the
 * newest copies, which a later copy can displace. Throws a ConfigError naming `retention.allHours` when no whole hour
 * is left (the Copier could then copy nothing).
 */
export function copyWindowHours(config: PilotLightConfig): number {
  const minutes = config.retention.allHours * 60 - config.expectedCopyMinutes - config.snapshotIntervalMinutes;
  const hours = Math.floor(minutes / 60);
  if (hours < 1) {
    const need = Math.ceil((60 + config.expectedCopyMinutes + config.snapshotIntervalMinutes) / 60);
    throw new ConfigError(
      `rds-pilot-light:retention.allHours (${config.retention.allHours}) leaves the Copier no copy window: a copy must ` +
        `outlive its copy time (expectedCopyMinutes ${config.expectedCopyMinutes}) by one snapshot interval ` +
        `(${config.snapshotIntervalMinutes} minutes) inside allHours, plus at least a 1-hour window; set allHours to at least ${need}.`,
    );
  }
  return hours;
}

/** Regions a Janitor of `stage` sweeps: the source Janitor its home region, the DR Janitor home and DR region. */
export function janitorRegions(config: PilotLightConfig, stage: "source" | "dr"): string[] {
  if (stage === "source") return [config.region];
  if (config.role === "both") return [config.drRegion!];
  return config.drRegion ? [config.region, config.drRegion] : [config.region];
}

/** `rate(N minutes)` (singular for 1, as EventBridge Scheduler requires). */
export function rateExpression(minutes: number): string {
  return minutes === 1 ? "rate(1 minute)" : `rate(${minutes} minutes)`;
}

/** Schedule expression of each pipeline state machine this stack deploys. */
export interface Schedules {
  readonly taker?: string;
  readonly sharer?: string;
  readonly copier?: string;
  readonly janitor?: string;
}

/**
 * When each state machine runs. The Taker runs every snapshot interval (it skips DBs whose newest snapshot is
 * younger). Sharer and Copier are started by events and also run on the fallback schedule, which catches anything
 * an event missed. The Janitor runs on its own, slower schedule.
 */
export function schedulesFor(config: PilotLightConfig): Schedules {
  const has = (c: ComponentName) => config.components.includes(c);
  return {
    ...(has("taker") ? { taker: rateExpression(config.snapshotIntervalMinutes) } : {}),
    ...(has("sharer") ? { sharer: rateExpression(config.fallbackScheduleMinutes) } : {}),
    ...(has("copier") ? { copier: rateExpression(config.fallbackScheduleMinutes) } : {}),
    ...(has("janitor") ? { janitor: rateExpression(config.janitorScheduleMinutes) } : {}),
  };
}

/**
 * How a stack's schedule-started sweeps fan out (components/shared/sweepMachine.ts): the Map's processing mode and
 * its MaxConcurrency, derived from the account's RDS API budget and `sweep.apiShare` unless `sweep.maxConcurrency`
 * sets it, the pause after each item, and the batching of a take sweep (config/apiBudget.ts sweepPacing; the budget
 * is AWS's published default, rds-api-throttling.html).
 */
export function sweepMapOptions(
  config: Pick<PilotLightConfig, "sweep">,
  limit: ApiRateLimit = RDS_API_RATE_LIMIT,
): {
  mode: "INLINE" | "DISTRIBUTED";
  maxConcurrency: number;
  pauseSeconds: number;
  batch: { size: number; maxConcurrency: number; pauseSeconds: number };
  items: { maxRequests: number; secondsPerRequest: number };
} {
  const perDb = sweepPacing(config.sweep, false, limit);
  const batch = sweepPacing(config.sweep, true, limit);
  return {
    mode: config.sweep.mode === "inline" ? "INLINE" : "DISTRIBUTED",
    maxConcurrency: perDb.maxConcurrency,
    pauseSeconds: perDb.pauseSeconds,
    items: { maxRequests: perDb.maxRequests, secondsPerRequest: perDb.secondsPerRequest },
    batch: { size: batch.batchSize, maxConcurrency: batch.maxConcurrency, pauseSeconds: batch.pauseSeconds },
  };
}

/**
 * Check loop of the Copier machine (components/shared/stateMachines.ts): wait about as long as the running copies
 * need (the summaries' `nextCheckSeconds`), between {@link COPY_CHECK_WAIT_SECONDS} and `copyCheckMaxWaitMinutes`,
 * for up to four times the expected copy time (>= 1 h) of waiting in all. `maxChecks` caps the check and re-run
 * invocations at the count the shortest waits would reach in that time, so the history stays bounded as before.
 */
export function copyCheckLoop(config: Pick<PilotLightConfig, "expectedCopyMinutes" | "copyCheckMaxWaitMinutes">): {
  waitSeconds: number;
  maxWaitSeconds: number;
  budgetSeconds: number;
  maxChecks: number;
} {
  const maxChecks = Math.ceil(Math.max(3600, config.expectedCopyMinutes * 4 * 60) / COPY_CHECK_WAIT_SECONDS);
  return {
    waitSeconds: COPY_CHECK_WAIT_SECONDS,
    maxWaitSeconds: Math.max(COPY_CHECK_WAIT_SECONDS, config.copyCheckMaxWaitMinutes * 60),
    // Whole minimum waits, as the fixed-interval loop had: the same time budget.
    budgetSeconds: maxChecks * COPY_CHECK_WAIT_SECONDS,
    maxChecks,
  };
}

/** What a stack deploys, derived from role, components and the kms/alerts blocks. */
export interface DeploymentPlan {
  readonly components: readonly ComponentName[];
  /** Janitors to deploy, one per stage (the `both` role runs one for each). */
  readonly janitorStages: readonly ("source" | "dr")[];
  readonly keys: {
    /** Create the source CMK (false when `kms.sourceKeyArn` is given or the stack takes no snapshots). */
    readonly createSource: boolean;
    /** Create the DR key in the home region. */
    readonly createDrHome: boolean;
    /** Create the DR key in `drRegion`. */
    readonly createDrRegion: boolean;
  };
  /** The DR event bus receiving "snapshot shared" events from the source accounts (role `dr`, with a copier). */
  readonly drEventBus: boolean;
  /** Sharer and Copier are started by EventBridge rules as well as their fallback schedule. */
  readonly eventRules: { readonly sharer: boolean; readonly copier: boolean };
  /** `create` an encrypted SNS topic, or use `alerts.topicArn`. */
  readonly alerts: "create" | "existing";
}

/** Which components and stack-level resources this configuration deploys. */
export function deploymentPlan(config: PilotLightConfig): DeploymentPlan {
  const has = (c: ComponentName) => config.components.includes(c);
  const takesSnapshots = config.role !== "dr";
  const copies = config.role !== "source";
  const janitorStages: ("source" | "dr")[] = [];
  if (has("janitor")) {
    if (config.role !== "dr") janitorStages.push("source");
    if (config.role !== "source") janitorStages.push("dr");
  }
  return {
    components: config.components,
    janitorStages,
    keys: {
      createSource: takesSnapshots && config.kms.sourceKeyArn === undefined,
      createDrHome: copies && config.kms.drKeyArn === undefined,
      createDrRegion: copies && config.drRegion !== undefined && config.kms.drRegionKeyArn === undefined,
    },
    drEventBus: config.role === "dr" && has("copier"),
    eventRules: { sharer: has("sharer"), copier: config.role === "dr" && has("copier") },
    alerts: config.alerts.topicArn ? "existing" : "create",
  };
}

/**
 * Region everything recovery needs lives in (issue 11): the Restorer (state machine + Lambda), the freshness
 * monitor, their alarms and their alerts topic. `drRegion` when set, so a failover never depends on the source
 * region; otherwise the stack region (a single-region DR account: its home region is already not production's).
 */
export function recoveryRegion(config: PilotLightConfig): string {
  return config.drRegion ?? config.region;
}

/** Where the alarms of the recovery components notify. */
export type RecoveryAlerts =
  /** The stack's own alerts topic: it lives in the recovery region already. */
  | { readonly kind: "shared" }
  /** A second topic (with its own key and the same subscriptions) created in the recovery region. */
  | { readonly kind: "create"; readonly region: string }
  /** `alerts.recoveryTopicArn`, an existing topic in the recovery region. */
  | { readonly kind: "existing"; readonly topicArn: string };

/**
 * Which topic the recovery alarms notify: one in {@link recoveryRegion}, next to the alarms, because a home-region
 * topic would go down with the home region exactly when the freshness alarm must reach someone (issue 11). The
 * alarms and their topic are kept in one region (we rely on no cross-region alarm action).
 * Throws (naming the field) when an existing home-region topic is configured without a recovery-region one.
 */
export function recoveryAlerts(config: PilotLightConfig): RecoveryAlerts {
  const region = recoveryRegion(config);
  const { topicArn, recoveryTopicArn } = config.alerts;
  const regionOf = (arn: string) => arn.split(":")[3];
  if (recoveryTopicArn !== undefined) {
    if (regionOf(recoveryTopicArn) !== region) {
      throw new ConfigError(
        `rds-pilot-light:alerts.recoveryTopicArn must be a topic in the recovery region ${region} (got "${recoveryTopicArn}"); fix it in ${config.source}.`,
      );
    }
    return { kind: "existing", topicArn: recoveryTopicArn };
  }
  if (region === config.region) return { kind: "shared" };
  if (topicArn !== undefined && regionOf(topicArn) === region) return { kind: "existing", topicArn };
  if (topicArn !== undefined) {
    throw new ConfigError(
      `rds-pilot-light:alerts.recoveryTopicArn must be set to an SNS topic in ${region}: the restorer and freshness alarms live there and alerts.topicArn (${topicArn}) is in another region; fix it in ${config.source}.`,
    );
  }
  return { kind: "create", region };
}

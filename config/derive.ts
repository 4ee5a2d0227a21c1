/**
 * Everything the components (and the simulator) derive from a {@link PilotLightConfig}: which components deploy,
 * each Lambda's environment, and each state machine's schedule. Written once here so no logic exists twice.
 */
import { ConfigError } from "../functions/lib/errors";
import type { ComponentName, PilotLightConfig } from "./schema";

/** Handler steps that run as Lambdas of the snapshot pipeline. */
export type Step = "take" | "share" | "copy" | "check" | "expire";

/** Powertools metric namespace every Lambda emits into. */
export const METRICS_NAMESPACE = "RdsPilotLight";

/** Wait between two checks of copies in progress (seconds). */
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
  const env: Record<string, string | T> = {
    POWERTOOLS_SERVICE_NAME: `rds-pilot-light-${step}`,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
  };
  const need = <V>(v: V | undefined, what: string): V => {
    if (v === undefined) throw new Error(`handlerEnvironment(${step}) needs ${what}`);
    return v;
  };
  switch (step) {
    case "take":
      env.RPL_DB_ID_REGEX = config.dbIdRegex;
      if (config.optInTag !== undefined) env.RPL_OPT_IN_TAG = config.optInTag;
      env.RPL_INTERVAL_MINUTES = String(config.snapshotIntervalMinutes);
      env.RPL_QUOTA_HEADROOM = String(config.quotaHeadroom);
      break;
    case "share":
      env.RPL_DR_ACCOUNTS = config.drAccounts.join(",");
      if (config.drEventBusArns.length > 0) env.RPL_DR_EVENT_BUS_ARNS = config.drEventBusArns.join(",");
      break;
    case "copy":
    case "check":
      env.RPL_SOURCE_ACCOUNTS =
        config.role === "both" ? need(refs.accountId, "accountId") : (config.sourceAccounts.join(",") as string | T);
      env.RPL_DR_KMS_KEY_ARN = need(refs.drKmsKeyArn, "drKmsKeyArn");
      if (config.drRegion !== undefined) {
        env.RPL_DR_REGION = config.drRegion;
        env.RPL_DR_REGION_KMS_KEY_ARN = need(refs.drRegionKmsKeyArn, "drRegionKmsKeyArn");
      }
      env.RPL_COPY_MODE = config.copyMode;
      env.RPL_MAX_COPIES_IN_FLIGHT = String(config.maxCopiesInFlight);
      env.RPL_DELETE_INTERMEDIATE = String(config.deleteIntermediateCopy);
      env.RPL_COPY_WINDOW_HOURS = String(copyWindowHours(config));
      break;
    case "expire": {
      const stage = need(refs.stage, "stage");
      env.RPL_STAGE = stage;
      env.RPL_REGIONS = janitorRegions(config, stage).join(",");
      env.RPL_RETENTION = JSON.stringify(config.retention);
      break;
    }
  }
  return env;
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

/** Check loop of the Copier machine: poll every 5 minutes, for up to four times the expected copy time (>= 1 h). */
export function copyCheckLoop(config: PilotLightConfig): { waitSeconds: number; maxChecks: number } {
  const budgetSeconds = Math.max(3600, config.expectedCopyMinutes * 4 * 60);
  return { waitSeconds: COPY_CHECK_WAIT_SECONDS, maxChecks: Math.ceil(budgetSeconds / COPY_CHECK_WAIT_SECONDS) };
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

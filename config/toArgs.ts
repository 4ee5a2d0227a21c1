/**
 * Maps the stack configuration to each component's own args (issue 12 item 6): the components take only what they
 * need, so another Pulumi program can use them without this project's stack format; index.ts calls these.
 */
import type { FreshnessMonitorArgs } from "../components/freshnessMonitor";
import type { PilotLightAlertsArgs } from "../components/pilotLightAlerts";
import type { PilotLightKeysArgs } from "../components/pilotLightKeys";
import { sourceKeyExtraRegions } from "../components/shared/kms";
import type { SnapshotCopierArgs } from "../components/snapshotCopier";
import type { SnapshotJanitorArgs } from "../components/snapshotJanitor";
import type { SnapshotRestorerArgs } from "../components/snapshotRestorer";
import type { SnapshotSharerArgs } from "../components/snapshotSharer";
import type { SnapshotTakerArgs } from "../components/snapshotTaker";
import { ConfigError } from "../functions/lib/errors";
import { parseRecoverySettings, type RecoverySettings, restoreEnvironment } from "../functions/restore/stackConfig";
import { copyWindowHours, janitorRegions, recoveryRegion, schedulesFor, sweepMapOptions } from "./derive";
import type { PilotLightConfig } from "./schema";

/** Values every component needs that come from resources, not from the stack file. */
export interface CommonRefs {
  readonly accountId: SnapshotTakerArgs["accountId"];
  readonly alarmTopicArn: SnapshotTakerArgs["alarmTopicArn"];
  readonly partition?: string;
}

function requireComponent(config: PilotLightConfig, component: "taker" | "sharer" | "copier" | "janitor", who: string) {
  if (schedulesFor(config)[component] === undefined)
    throw new Error(`${who}: "${component}" is not in rds-pilot-light:components`);
}

/** {@link SnapshotTakerArgs} of a stack. */
export function takerArgs(config: PilotLightConfig, refs: CommonRefs, name = "taker"): SnapshotTakerArgs {
  requireComponent(config, "taker", `SnapshotTaker ${name}`);
  return {
    ...refs,
    region: config.region,
    dbIdRegex: config.dbIdRegex,
    ...(config.optInTag !== undefined ? { optInTag: config.optInTag } : {}),
    intervalMinutes: config.snapshotIntervalMinutes,
    quotaHeadroom: config.quotaHeadroom,
    logRetentionDays: config.logRetentionDays,
    sweep: sweepMapOptions(config),
  };
}

/** {@link SnapshotSharerArgs} of a stack. */
export function sharerArgs(config: PilotLightConfig, refs: CommonRefs, name = "sharer"): SnapshotSharerArgs {
  requireComponent(config, "sharer", `SnapshotSharer ${name}`);
  return {
    ...refs,
    region: config.region,
    drAccounts: config.drAccounts,
    drEventBusArns: config.drEventBusArns,
    scheduleMinutes: config.fallbackScheduleMinutes,
    logRetentionDays: config.logRetentionDays,
    sweep: sweepMapOptions(config),
  };
}

/** {@link SnapshotCopierArgs} of a stack; the keys come from resources. */
export function copierArgs(
  config: PilotLightConfig,
  refs: CommonRefs & Pick<SnapshotCopierArgs, "drKmsKeyArn" | "drRegionKmsKeyArn">,
  name = "copier",
): SnapshotCopierArgs {
  requireComponent(config, "copier", `SnapshotCopier ${name}`);
  if (config.drRegion !== undefined && refs.drRegionKmsKeyArn === undefined) {
    throw new Error(`SnapshotCopier ${name}: drRegionKmsKeyArn is required because rds-pilot-light:drRegion is set`);
  }
  return {
    ...refs,
    region: config.region,
    // The single-account role copies the account's own snapshots (the component's default) and has no DR event bus.
    ...(config.role === "both" ? {} : { sourceAccounts: config.sourceAccounts }),
    eventBus: config.role === "dr",
    ...(config.drRegion !== undefined ? { drRegion: config.drRegion } : {}),
    ...(config.kms.sourceKeyArns !== undefined ? { sourceKeyArns: config.kms.sourceKeyArns } : {}),
    copyMode: config.copyMode,
    maxCopiesInFlight: config.maxCopiesInFlight,
    maxCopiesInFlightPerDb: config.maxCopiesInFlightPerDb,
    deleteIntermediateCopy: config.deleteIntermediateCopy,
    copyWindowHours: copyWindowHours(config),
    expectedCopyMinutes: config.expectedCopyMinutes,
    checkMaxWaitMinutes: config.copyCheckMaxWaitMinutes,
    scheduleMinutes: config.fallbackScheduleMinutes,
    logRetentionDays: config.logRetentionDays,
    sweep: sweepMapOptions(config),
  };
}

/** {@link SnapshotJanitorArgs} of one stage of a stack. */
export function janitorArgs(
  config: PilotLightConfig,
  refs: CommonRefs,
  stage: "source" | "dr",
  name = "janitor",
): SnapshotJanitorArgs {
  requireComponent(config, "janitor", `SnapshotJanitor ${name}`);
  if (stage === "source" && config.role === "dr") {
    throw new Error(`SnapshotJanitor ${name}: stage "source" needs role source or both (role is "dr")`);
  }
  if (stage === "dr" && config.role === "source") {
    throw new Error(`SnapshotJanitor ${name}: stage "dr" needs role dr or both (role is "source")`);
  }
  return {
    ...refs,
    stage,
    region: config.region,
    regions: janitorRegions(config, stage),
    retention: config.retention,
    scheduleMinutes: config.janitorScheduleMinutes,
    logRetentionDays: config.logRetentionDays,
    sweep: sweepMapOptions(config),
  };
}

/** {@link PilotLightAlertsArgs} of the stack's alerts topic (`alerts`); with `region`, the recovery topic there. */
export function alertsArgs(
  config: PilotLightConfig,
  refs: Pick<CommonRefs, "accountId" | "partition">,
  region?: string,
): PilotLightAlertsArgs {
  const { alerts } = config;
  return {
    ...refs,
    // The recovery-region topic is always created (recoveryAlerts decides when an existing one is used instead).
    ...(region === undefined && alerts.topicArn !== undefined ? { topicArn: alerts.topicArn } : {}),
    ...(region === undefined && alerts.topicArn !== undefined
      ? {}
      : { emails: alerts.emails, httpsEndpoints: alerts.httpsEndpoints }),
    ...(region !== undefined && region !== config.region ? { region } : {}),
  };
}

/** {@link PilotLightKeysArgs} of a stack: the source key on source sides, the DR keys on DR sides. */
export function keysArgs(
  config: PilotLightConfig,
  refs: Pick<CommonRefs, "accountId" | "partition">,
): PilotLightKeysArgs {
  return {
    ...refs,
    ...(config.role !== "dr"
      ? {
          source: {
            drAccounts: config.drAccounts,
            extraRdsRegions: sourceKeyExtraRegions(config.copyMode, config.drRegion),
            ...(config.kms.sourceKeyArn !== undefined ? { keyArn: config.kms.sourceKeyArn } : {}),
          },
        }
      : {}),
    ...(config.role !== "source"
      ? {
          dr: {
            ...(config.kms.drKeyArn !== undefined ? { keyArn: config.kms.drKeyArn } : {}),
            ...(config.drRegion !== undefined ? { drRegion: config.drRegion } : {}),
            ...(config.drRegion !== undefined && config.kms.drRegionKeyArn !== undefined
              ? { drRegionKeyArn: config.kms.drRegionKeyArn }
              : {}),
          },
        }
      : {}),
  };
}

function requireRecoveryRole(config: PilotLightConfig, who: string): void {
  if (config.role === "source") {
    throw new ConfigError(`${who}: needs role dr or both (role is "source"); fix it in ${config.source}.`);
  }
}

/** The stack's recovery region, as a component's `region` arg (omitted when it is the stack region). */
function recoveryAt(config: PilotLightConfig): { region?: string } {
  const region = recoveryRegion(config);
  return region === config.region ? {} : { region };
}

/** {@link FreshnessMonitorArgs} of a DR stack (`rpoMinutes`, `drRegion`, `retiredDbs`, `restore.freshness*`, `restore.expectedDbs`). */
export function freshnessArgs(
  config: PilotLightConfig,
  refs: Pick<CommonRefs, "accountId" | "alarmTopicArn">,
  name = "freshness",
): FreshnessMonitorArgs {
  requireRecoveryRole(config, `FreshnessMonitor ${name}`);
  const settings = parseRecoverySettings(config.restore, config);
  return {
    ...refs,
    homeRegion: config.region,
    ...(config.drRegion !== undefined ? { drRegion: config.drRegion } : {}),
    ...recoveryAt(config),
    rpoMinutes: config.rpoMinutes,
    scheduleMinutes: settings.freshnessScheduleMinutes,
    stages: settings.freshnessStages,
    expectedDbs: settings.expectedDbs,
    retireDeletedDbsAfterHours: settings.retireDeletedDbsAfterHours,
    retiredDbs: config.retiredDbs,
    logRetentionDays: config.logRetentionDays,
  };
}

/** The DR keys of the restore region, from the stack's `kms` block and `restore.kmsKeyArn`. */
export function defaultRestoreKeys(config: PilotLightConfig, settings: RecoverySettings): string[] {
  const keys = [
    settings.region === config.region ? config.kms.drKeyArn : undefined,
    settings.region === config.drRegion ? config.kms.drRegionKeyArn : undefined,
    settings.kmsKeyArn,
  ].filter((k): k is string => k !== undefined);
  return [...new Set(keys)];
}

/**
 * {@link SnapshotRestorerArgs} of a DR stack (the `restore` block, `retiredDbs`, `drRegion`). `kmsKeyArns` are the
 * stack's DR keys (resources); without them, the keys the stack file names ({@link defaultRestoreKeys}).
 */
export function restorerArgs(
  config: PilotLightConfig,
  refs: Pick<CommonRefs, "accountId" | "alarmTopicArn" | "partition"> & Pick<SnapshotRestorerArgs, "kmsKeyArns">,
  name = "restorer",
): SnapshotRestorerArgs {
  requireRecoveryRole(config, `SnapshotRestorer ${name}`);
  const s = parseRecoverySettings(config.restore, config);
  // Fails with the stack-file message (restore.subnetGroup ... fix it in Pulumi.<stack>.yaml) before the component.
  restoreEnvironment(s, config.retiredDbs, config.source);
  const { kmsKeyArns, ...common } = refs;
  return {
    ...common,
    ...recoveryAt(config),
    restoreRegion: s.region,
    subnetGroup: s.subnetGroup!,
    securityGroupIds: s.securityGroupIds,
    ...(s.instanceClass !== undefined ? { instanceClass: s.instanceClass } : {}),
    ...(s.drillInstanceClass !== undefined ? { drillInstanceClass: s.drillInstanceClass } : {}),
    ...(s.parameterGroup !== undefined ? { parameterGroup: s.parameterGroup } : {}),
    ...(s.clusterParameterGroup !== undefined ? { clusterParameterGroup: s.clusterParameterGroup } : {}),
    multiAz: s.multiAz,
    ...(s.kmsKeyArn !== undefined ? { kmsKeyArn: s.kmsKeyArn } : {}),
    kmsKeyArns: kmsKeyArns ?? defaultRestoreKeys(config, s),
    namePrefix: s.namePrefix,
    rtoMinutes: s.rtoMinutes,
    drillSchedule: s.drillSchedule,
    drillDbIds: s.drillDbIds,
    stateMachineName: s.stateMachineName,
    ...(s.drillValidationLambdaArn !== undefined ? { drillValidationLambdaArn: s.drillValidationLambdaArn } : {}),
    drillValidationTimeoutSeconds: s.drillValidationTimeoutSeconds,
    retiredDbs: config.retiredDbs,
    logRetentionDays: config.logRetentionDays,
  };
}

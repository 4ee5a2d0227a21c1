/**
 * Maps the stack configuration to each component's own args (issue 12 item 6): the components take only what they
 * need, so another Pulumi program can use them without this project's stack format; index.ts calls these.
 */
import type { SnapshotCopierArgs } from "../components/snapshotCopier";
import type { SnapshotJanitorArgs } from "../components/snapshotJanitor";
import type { SnapshotSharerArgs } from "../components/snapshotSharer";
import type { SnapshotTakerArgs } from "../components/snapshotTaker";
import { copyWindowHours, janitorRegions, schedulesFor } from "./derive";
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
    deleteIntermediateCopy: config.deleteIntermediateCopy,
    copyWindowHours: copyWindowHours(config),
    expectedCopyMinutes: config.expectedCopyMinutes,
    scheduleMinutes: config.fallbackScheduleMinutes,
    logRetentionDays: config.logRetentionDays,
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
  };
}

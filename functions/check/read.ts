/**
 * The Checker's cheap read (issue 10 item 1: "check reads only the recovery point the event names"). A check started
 * by a "snapshot shared" event polls while that recovery point's copies run, and most polls find a copy still
 * running. So it first describes, by identifier, the one copy the recovery point waits for: the last copy of its
 * pipeline (the DR-region copy, or the home-region copy without a DR region). One read answers the poll when that
 * copy is ours, holds this recovery point and is still running. Two-step's first leg (the final copy not started)
 * adds one read of the home-region copy. Anything else (done, failed, missing, foreign, unexpected) falls back to
 * the full scoped plan (functions/copy/state.ts), which decides exactly as before.
 *
 * What the shortcut does not see (documented in docs/performance.md): while the final copy of a fan-out recovery
 * point runs, its home-region copy is not looked at, so a home copy that RDS refused (quota) or that failed is
 * found when the final copy finishes (the poll then plans in full) instead of on the next poll.
 */
import { DescribeDBClusterSnapshotsCommand, DescribeDBSnapshotsCommand, type RDSClient } from "@aws-sdk/client-rds";
import type { CopyConfig } from "../copy/config";
import type { NamedRecoveryPoint } from "../copy/event";
import { SNAPSHOT_NOT_FOUND } from "../lib/awsErrors";
import type { AwsClients } from "../lib/clients";
import { errorName } from "../lib/errors";
import { drCopyId } from "../lib/identifiers";
import { fromDbClusterSnapshot, fromDbSnapshot, recoveryPointOf, type Snapshot, stageOf } from "../lib/model";
import { IN_PROGRESS_STATUSES } from "../lib/rds";
import { isOwned, TAG } from "../lib/tags";

/** What a still-running recovery point reports: pending, with its copy in progress; nothing to start. */
export interface RunningCopy {
  readonly targetId: string;
  /** The running copy as described (its progress and create time time the next check). */
  readonly copy: Snapshot;
  /** Describe calls this read made (1, or 2 in two-step's first leg). */
  readonly reads: number;
}

/**
 * Describes the copies of `rp` by identifier and returns the running copy when one settles the poll, or undefined
 * when the caller must plan in full. Never throws on a missing copy; other RDS errors propagate.
 */
export async function runningCopyOf(
  clients: AwsClients,
  config: CopyConfig,
  rp: NamedRecoveryPoint,
): Promise<RunningCopy | undefined> {
  const targetId = drCopyId(rp.sourceAccount, rp.dbId, rp.recoveryPoint);
  const finalRegion = config.drRegion ?? config.region;
  const finalStage = config.drRegion ? "dr-region" : "dr";
  const last = await describeOwn(clients.rds(finalRegion), rp.kind, targetId);
  if (last) return isRunningCopyOf(last, rp, finalStage) ? { targetId, copy: last, reads: 1 } : undefined;
  // The final copy has not started. Where a home-region copy comes first (two-step, and DB clusters in fan-out,
  // which Aurora cannot copy across account and region in one step), that copy is what runs now.
  if (!config.drRegion || !hasHomeLegFirst(config, rp)) return undefined;
  const home = await describeOwn(clients.rds(config.region), rp.kind, targetId);
  return home && isRunningCopyOf(home, rp, "dr") ? { targetId, copy: home, reads: 2 } : undefined;
}

/** Two-step, and fan-out of a DB cluster (functions/copy/plan.ts `isFanOut`): the home copy precedes the final one. */
function hasHomeLegFirst(config: CopyConfig, rp: NamedRecoveryPoint): boolean {
  return config.mode === "two-step" || (config.mode === "fan-out" && rp.kind === "cluster");
}

/** Our copy of exactly this recovery point, at this stage, still running (same rules as the planner's). */
function isRunningCopyOf(s: Snapshot, rp: NamedRecoveryPoint, stage: "dr" | "dr-region"): boolean {
  return (
    IN_PROGRESS_STATUSES.has(s.status) &&
    isOwned(s.tags) &&
    stageOf(s) === stage &&
    s.tags[TAG.sourceAccount] === rp.sourceAccount &&
    s.tags[TAG.sourceDb]?.toLowerCase() === rp.dbId.toLowerCase() &&
    recoveryPointOf(s)?.getTime() === rp.recoveryPoint.getTime()
  );
}

/** One of this account's manual snapshots by identifier (DescribeDBSnapshots with the identifier), or undefined. */
async function describeOwn(rds: RDSClient, kind: "instance" | "cluster", id: string): Promise<Snapshot | undefined> {
  try {
    if (kind === "instance") {
      const r = await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }));
      const s = r.DBSnapshots?.[0];
      return s ? fromDbSnapshot(s) : undefined;
    }
    const r = await rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: id }));
    const s = r.DBClusterSnapshots?.[0];
    return s ? fromDbClusterSnapshot(s) : undefined;
  } catch (err) {
    if (SNAPSHOT_NOT_FOUND.has(errorName(err))) return undefined;
    throw err;
  }
}

/**
 * Named assumptions about AWS behaviour that AWS's documents do not state as figures. The simulator's model, the
 * feasibility arithmetic (`npm run check`, the simulator's report) and the docs all read them from here, so a user
 * who measured their own account changes one place (or a scenario's `durations` block) and every figure follows.
 *
 * Every value here is an assumption, not a documented AWS figure: the AWS guides say only that a copy "can take
 * hours" and that copy time depends on the amount of data (RDS user guide, "Copying a DB snapshot").
 */

/** Throughput of snapshot copies, per kind of leg. */
export interface CopyThroughput {
  /** GB per hour moved by a copy inside one region (cross-account or same-account). Assumption. */
  readonly sameRegionGbPerHour: number;
  /** GB per hour moved by a copy into another region. Assumption. */
  readonly crossRegionGbPerHour: number;
  /** Fixed minutes every copy spends before and after moving data (metadata, status changes). Assumption. */
  readonly fixedMinutes: number;
  /** Relative jitter: each duration is multiplied by a uniform factor in [1 - jitter, 1 + jitter]. */
  readonly jitter: number;
}

/** Default copy throughput (assumption; see the docs' "Assumptions" table). */
export const DEFAULT_COPY_THROUGHPUT: CopyThroughput = {
  sameRegionGbPerHour: 600,
  crossRegionGbPerHour: 150,
  fixedMinutes: 5,
  jitter: 0.2,
};

/** Percent of a DB's data changed per hour when a scenario does not say (assumption). */
export const DEFAULT_CHANGE_PERCENT_PER_HOUR = 1;

/**
 * Minutes a copy takes to move `gbMoved` GB on a leg (before jitter): the fixed part plus the data at the leg's
 * throughput. A full copy moves the snapshot's allocated size; an incremental one the data changed since the
 * previous copy. The model's copy durations and the feasibility arithmetic both use this one formula.
 */
export function copyMinutesFor(
  gbMoved: number,
  crossRegion: boolean,
  t: CopyThroughput = DEFAULT_COPY_THROUGHPUT,
): number {
  const gbPerHour = crossRegion ? t.crossRegionGbPerHour : t.sameRegionGbPerHour;
  return t.fixedMinutes + (60 * Math.max(0, gbMoved)) / gbPerHour;
}

/**
 * What a copy shows once its source snapshot was deleted while the copy was queued or running. AWS says only that
 * "If the snapshot is being copied, the copy operation is terminated" (DeleteDBSnapshot / DeleteDBClusterSnapshot API
 * reference, https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBSnapshot.html); it does not say
 * what the target snapshot shows. Assumption: it shows `failed` (like any failed copy), so the Copier's handling of
 * failed copies applies, and copies of the same DB queued behind it move up the queue.
 */
export const TERMINATED_COPY_STATUS: "failed" = "failed";

/**
 * Share of a running copy's estimated time left that the Copier's check loop waits before it looks again
 * (functions/copy/nextCheck.ts). Assumption behind the estimate: a copy's `PercentProgress` ("the percentage of the
 * estimated data that has been transferred", DBSnapshot / DBClusterSnapshot API reference,
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBSnapshot.html) grows roughly linearly with the time
 * since the copy was requested (`SnapshotCreateTime` of the copy), so a copy at p % after t seconds has about
 * t × (100 − p) / p seconds left. AWS does not say how the figure advances, and a copy queued behind earlier copies of
 * the same DB shows no progress while it waits (RDS user guide, "Copying a DB snapshot",
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_CopySnapshot.html), which makes the estimate too long.
 * Waiting half the estimate keeps a poll before the copy ends while the estimate is up to twice too long; beyond that
 * the configured longest wait (`copyCheckMaxWaitMinutes`) bounds how late the loop looks, and an estimate that is
 * too short only costs polls (never shorter than the minimum wait).
 */
export const COPY_ETA_FRACTION = 0.5;

/**
 * Values one `db-instance-id` / `db-cluster-id` filter of a DescribeDBSnapshots / DescribeDBClusterSnapshots request
 * carries at most, i.e. DBs per Map item of a share, copy or expire sweep (functions/lib/sweep.ts packSweepItems).
 * The RDS API reference says a filter takes "One or more filter values" (Filter data type,
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_Filter.html) and gives no largest number.
 * Assumption: 50 are accepted. An item's snapshots fill about one page (100) anyway, so more values would matter
 * only for DBs with one snapshot each; a smaller figure only makes more items.
 */
export const SNAPSHOT_FILTER_MAX_VALUES = 50;

/**
 * How long the Copier's check loop waits before it tries again a copy that RDS refused because the region's copies in
 * flight are at the limit (`SnapshotQuotaExceeded`, rule COPIES-IN-FLIGHT), when none of the run's own copies is
 * running (functions/copy/nextCheck.ts, `slotRetrySeconds`), as a share of `expectedCopyMinutes`
 * (`RPL_EXPECTED_COPY_MINUTES`). RDS says only that a region takes a limited number of copy requests in progress (RDS
 * user guide, "Copying a DB snapshot", https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_CopySnapshot.html),
 * not when one frees, and a scoped run cannot see the other DBs' copies or how many wait. Assumption: the slots are
 * held by copies that take about `expectedCopyMinutes` each, so a refused copy tries again after a uniformly random
 * time between half of and the whole of `COPY_SLOT_RETRY_SHARE` × that ("equal jitter"), which the state machine
 * clamps to [`COPY_CHECK_WAIT_SECONDS`, `copyCheckMaxWaitMinutes`]. At the default 20 minutes that is the loop's
 * shortest wait (5 minutes), as before; at the 120 minutes of scenarios/thousand-dbs.yaml it is 15 to 30 minutes: the
 * ~1,000 executions that wait there for 20 slots during seeding (issue 10) come back spread out instead of every 5
 * minutes together (~40 Copier runs each before), and with hundreds waiting a freed slot is still taken within
 * seconds; the hourly sweep fills whatever is left free, in the planner's priority order.
 * {@link COPY_SLOT_URGENT_SHARE} shortens the wait of DBs whose DR copy is stale.
 */
export const COPY_SLOT_RETRY_SHARE = 0.25;

/**
 * Share by which a refused copy's retry spread ({@link COPY_SLOT_RETRY_SHARE} × `expectedCopyMinutes`) shrinks as its DB's DR copy
 * gets stale: linearly from nothing (a DR copy of the newest interval) to this share (a DR copy, or without one the
 * refused recovery point, as old as the copy window `RPL_COPY_WINDOW_HOURS`). Every refused copy has the chance at a
 * free slot of how often it tries, so the stalest DBs try up to 1 / (1 − share) times as often: the order the sweep's
 * planner gives slots in ("the DB whose newest finished copy is oldest first", functions/copy/plan.ts), approximated
 * by runs that cannot see each other. Assumption (AWS has no say in it): 0.75, four times as often.
 */
export const COPY_SLOT_URGENT_SHARE = 0.75;

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

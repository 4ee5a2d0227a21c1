/**
 * When the Copier's check loop should look again (issue 10 items 1 and 4): about when the first copy still running is
 * expected to finish, instead of every few minutes. The Copier and the Checker put the result in their summary as
 * `nextCheckSeconds`; the state machine clamps it to its minimum and maximum wait (components/shared/stateMachines.ts),
 * so this module only estimates and never needs to know those bounds.
 *
 * Per running copy, the time left is estimated from what RDS reports:
 * - with progress p in (0, 100) and the copy's `SnapshotCreateTime` t0: (now − t0) × (100 − p) / p (named assumption
 *   {@link COPY_ETA_FRACTION}: progress grows roughly linearly with time);
 * - with no progress yet (queued, just started, or a field RDS left out): what is left of `expectedCopyMinutes` since
 *   t0 (the full figure when t0 is unknown; 0 once it has passed, so the loop polls at its minimum).
 * A copy with no progress while another copy of the same source DB shows some is queued behind it (rule
 * COPY-QUEUE-SAME-DB, docs/model.md: RDS runs a DB's copies one after the other, and a queued copy shows no progress),
 * so it cannot finish first and does not time the look: without this, a queued copy older than `expectedCopyMinutes`
 * made the loop poll at its minimum for as long as the copy ahead of it ran (hours for an Aurora cluster).
 * The wait is {@link COPY_ETA_FRACTION} of the shortest estimate: when that copy finishes the pipeline may have work
 * (two-step's DR-region leg) and `pending` may drop. Pure: no clock, no I/O.
 */
import { COPY_ETA_FRACTION, COPY_SLOT_RETRY_SHARE, COPY_SLOT_URGENT_SHARE } from "../../config/assumptions";
import { TAG } from "../lib/tags";

/** What the estimate reads of a running copy (a subset of lib/model.ts `Snapshot`). */
export interface RunningCopyProgress {
  /** `PercentProgress` (0 when RDS shows none). */
  readonly progress: number;
  /** `SnapshotCreateTime` of the copy: when it was requested. */
  readonly createdAt?: Date;
  /** The copy's tags: the `rpl-source-*` ones name its source DB (copies of one DB queue behind each other). */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * Seconds until the check loop should look again, or undefined when nothing is running (the loop then waits its
 * minimum: copies waiting for a slot or for quota may start on the next check). A whole number >= 0.
 */
export function nextCheckSeconds(
  running: readonly RunningCopyProgress[],
  now: Date,
  expectedCopyMinutes: number,
): number | undefined {
  // Source DBs with a copy that shows progress: their copies without progress are queued behind it.
  const progressing = new Set<string>();
  for (const copy of running) {
    const db = sourceDbOf(copy);
    if (db !== undefined && copy.progress > 0 && copy.progress < 100) progressing.add(db);
  }
  let soonest = Number.POSITIVE_INFINITY;
  for (const copy of running) {
    if (progressing.size > 0 && !(copy.progress > 0) && progressing.has(sourceDbOf(copy) ?? "")) continue;
    soonest = Math.min(soonest, secondsLeft(copy, now.getTime(), expectedCopyMinutes));
  }
  if (soonest === Number.POSITIVE_INFINITY) return undefined;
  return Math.ceil(soonest * COPY_ETA_FRACTION);
}

/** The source DB a copy is of (kind, account, identifier from its tags), or undefined when its tags do not say. */
function sourceDbOf(copy: RunningCopyProgress): string | undefined {
  const t = copy.tags;
  const db = t?.[TAG.sourceDb];
  return db === undefined ? undefined : `${t?.[TAG.sourceKind] ?? ""}:${t?.[TAG.sourceAccount] ?? ""}:${db}`;
}

/** Estimated seconds until `copy` finishes (>= 0). */
export function secondsLeft(copy: RunningCopyProgress, nowMs: number, expectedCopyMinutes: number): number {
  const elapsed = copy.createdAt ? Math.max(0, (nowMs - copy.createdAt.getTime()) / 1000) : 0;
  const p = copy.progress;
  if (Number.isFinite(p) && p > 0 && p < 100 && copy.createdAt) return (elapsed * (100 - p)) / p;
  if (Number.isFinite(p) && p >= 100) return 0;
  return Math.max(0, expectedCopyMinutes * 60 - elapsed);
}

/**
 * Seconds until a run whose copies RDS refused for want of a free slot, and none of whose copies runs, should try again
 * (named assumptions {@link COPY_SLOT_RETRY_SHARE} and {@link COPY_SLOT_URGENT_SHARE}): a uniformly random time
 * between half of and the whole of the spread, COPY_SLOT_RETRY_SHARE × `expectedCopyMinutes`, shortened for a DB whose
 * DR copy is stale: `staleness` is how old that DB's newest DR copy is (or, without one, the refused copy's recovery
 * point) as a share of the copy window, and at 1 (or more) the spread is cut to (1 − COPY_SLOT_URGENT_SHARE) of itself.
 * The state machine clamps the result to its minimum and maximum wait. `random` returns a uniform number in [0, 1)
 * (`Math.random` in the Lambda). A whole number >= 0.
 */
export function slotRetrySeconds(random: () => number, expectedCopyMinutes: number, staleness = 0): number {
  const urgency = Number.isFinite(staleness) ? Math.min(1, Math.max(0, staleness)) : 0;
  const spread = COPY_SLOT_RETRY_SHARE * expectedCopyMinutes * 60 * (1 - COPY_SLOT_URGENT_SHARE * urgency);
  return Math.ceil(spread * (0.5 + 0.5 * random()));
}

/**
 * Modeled durations of RDS work: how long a snapshot or a copy takes, as a function of the DB's size, its change
 * rate and whether RDS can work incrementally (the model decides that by the AWS rule: a copy is incremental only
 * when an earlier copy of the same DB is available in the destination under the same KMS key). Jitter comes from a
 * seeded stream, so runs are reproducible.
 *
 * The model's timing hook only receives size, kind and the incremental flag; the simulator supplies which DB and
 * which snapshot through {@link OperationContext}, set around each create/copy call (the model computes the
 * duration synchronously inside the call).
 */

import { type CopyThroughput, copyMinutesFor, DEFAULT_COPY_THROUGHPUT } from "../config/assumptions";
import { recoveryTimeOf } from "../functions/lib/model";
import type { ModelTiming, RdsWorld } from "./aws/rdsModel";
import type { Random } from "./random";
import type { ScenarioDurations } from "./scenario";

/** The create/copy call in progress (set by the simulator's client wrapper). */
export interface OperationContext {
  readonly account: string;
  readonly region: string;
  readonly command: string;
  readonly input: Record<string, unknown>;
}

/** Mutable holder the client wrapper writes and the timing reads. */
export interface OperationSlot {
  current?: OperationContext;
}

/** Change rate lookup: percent of a DB changed per hour. */
export type ChangeRateOf = (sourceAccount: string | undefined, dbId: string) => number | undefined;

const HOUR = 3_600_000;

/**
 * The model timing for a scenario. `world` is read (never changed) to find the previous snapshot or copy the
 * incremental part is measured against.
 */
export function makeTiming(
  d: ScenarioDurations,
  random: Random,
  slot: OperationSlot,
  changeRateOf: ChangeRateOf,
  world: () => RdsWorld,
  now: () => number,
  defaultChangePercentPerHour: number,
): Required<Pick<ModelTiming, "snapshotMinutes" | "copyMinutes">> {
  const throughput = copyThroughputOf(d.copy);
  const changedGb = (sizeGb: number, rate: number, sinceMs: number | undefined, fallbackHours: number) => {
    const hours = sinceMs === undefined ? fallbackHours : Math.max(0, sinceMs) / HOUR;
    return Math.min(sizeGb, (sizeGb * rate * hours) / 100);
  };
  return {
    snapshotMinutes: ({ sizeGb, incremental }) => {
      const s = d.snapshot;
      let minutes: number;
      if (!incremental) {
        minutes = s.fixedMinutes + s.minutesPerGb * sizeGb;
      } else {
        const op = slot.current;
        const dbId = String(op?.input.DBInstanceIdentifier ?? op?.input.DBClusterIdentifier ?? "");
        const rate = (op && changeRateOf(op.account, dbId)) ?? defaultChangePercentPerHour;
        const previous = op ? newestOf(world(), op.account, op.region, dbId, () => true) : undefined;
        const since = previous === undefined ? undefined : now() - previous;
        minutes = s.fixedMinutes + s.minutesPerChangedGb * changedGb(sizeGb, rate, since, 1);
      }
      return Math.max(0.5, random.jitter(minutes, s.jitter));
    },
    // Rule COPY-BYTES: the model decides what the copy moves (gbMoved); the one formula turns it into minutes.
    copyMinutes: ({ gbMoved, crossRegion }) =>
      Math.max(0.5, random.jitter(copyMinutesFor(gbMoved, crossRegion, throughput), throughput.jitter)),
  };
}

/** Recovery point (epoch ms) of the newest available snapshot of DB `dbId` in (account, region) matching `match`. */
function newestOf(
  world: RdsWorld,
  account: string,
  region: string,
  dbId: string,
  match: (s: ReturnType<RdsWorld["snapshots"]>[number]) => boolean,
): number | undefined {
  let best: number | undefined;
  for (const s of world.snapshotsOf(account, region, dbId)) {
    if (s.status !== "available" || !match(s)) continue;
    const rp = recoveryTimeOf(s);
    if (rp !== undefined && (best === undefined || rp > best)) best = rp;
  }
  return best;
}

/**
 * The copy throughput a scenario's `durations.copy` states: GB per hour per kind of leg, defaulting to
 * `DEFAULT_COPY_THROUGHPUT`; the older `minutesPerGb` / `crossRegionFactor` keys convert to GB per hour.
 */
export function copyThroughputOf(c: ScenarioDurations["copy"]): CopyThroughput {
  const legacySame = c.minutesPerGb !== undefined && c.minutesPerGb > 0 ? 60 / c.minutesPerGb : undefined;
  const legacyCross = legacySame !== undefined ? legacySame / (c.crossRegionFactor ?? 1.5) : undefined;
  return {
    sameRegionGbPerHour: c.sameRegionGbPerHour ?? legacySame ?? DEFAULT_COPY_THROUGHPUT.sameRegionGbPerHour,
    crossRegionGbPerHour: c.crossRegionGbPerHour ?? legacyCross ?? DEFAULT_COPY_THROUGHPUT.crossRegionGbPerHour,
    fixedMinutes: c.fixedMinutes,
    jitter: c.jitter,
  };
}

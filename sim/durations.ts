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

import { parseArn, recoveryPointOf } from "../functions/lib/model";
import { TAG } from "../functions/lib/tags";
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
    copyMinutes: ({ sizeGb, incremental, crossRegion }) => {
      const c = d.copy;
      let gb = sizeGb;
      if (incremental) {
        const op = slot.current;
        const src = op ? sourceOf(world(), op) : undefined;
        const rate = (src && changeRateOf(src.sourceAccount, src.dbId)) ?? defaultChangePercentPerHour;
        const previous =
          op && src
            ? newestOf(world(), op.account, op.region, src.dbId, (x) => x.tags[TAG.sourceAccount] === src.sourceAccount)
            : undefined;
        const since =
          src?.recoveryPoint !== undefined && previous !== undefined ? src.recoveryPoint - previous : undefined;
        gb = changedGb(sizeGb, rate, since, 1);
      }
      const minutes = (c.fixedMinutes + c.minutesPerGb * gb) * (crossRegion ? c.crossRegionFactor : 1);
      return Math.max(0.5, random.jitter(minutes, c.jitter));
    },
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
    const rp = recoveryPointOf(s)?.getTime();
    if (rp !== undefined && (best === undefined || rp > best)) best = rp;
  }
  return best;
}

/** The snapshot a copy call reads from: its DB, source account and recovery point. */
function sourceOf(
  world: RdsWorld,
  op: OperationContext,
): { dbId: string; sourceAccount: string; recoveryPoint?: number } | undefined {
  const ref = String(op.input.SourceDBSnapshotIdentifier ?? op.input.SourceDBClusterSnapshotIdentifier ?? "");
  if (!ref) return undefined;
  let account = op.account;
  let region = String(op.input.SourceRegion ?? op.region);
  let id = ref;
  if (ref.startsWith("arn:")) {
    const a = parseArn(ref);
    account = a.account;
    region = a.region;
    id = a.resource.split(":").pop() ?? ref;
  }
  const s = world.snapshot(account, region, id);
  if (!s) return undefined;
  const rp = recoveryPointOf(s)?.getTime();
  return {
    dbId: s.dbId,
    sourceAccount: s.tags[TAG.sourceAccount] ?? s.account,
    ...(rp !== undefined ? { recoveryPoint: rp } : {}),
  };
}

/**
 * Feasible recovery point per DB: from a DB's size, change rate and kind, the copy mode and the copy throughputs,
 * the best recovery-point age each stage can reach (source snapshot, home-region DR copy, DR-region copy) and whether
 * every interval's copy is a full one. Pure arithmetic on {@link copyMinutesFor}, the formula the simulator's model
 * uses for copy durations, so the floor printed here and the durations the model produces agree.
 *
 * Which copies are full (AWS rules, docs/copy-topology.md):
 * - Aurora DB cluster snapshot copies are always full ("Aurora doesn't support incremental snapshot copying",
 *   https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_CopySnapshot.html).
 * - A copy whose source is itself a copy is never incremental ("Incremental snapshot copying",
 *   https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_CopySnapshot.html): two-step's DR-region leg.
 * - Otherwise a DB instance copy is incremental after the first (the previous copy is kept in the destination).
 * Clusters in fan-out fall back to two-step (functions/copy/plan.ts): their DR-region copy is a copy of a copy.
 *
 * The floor of a stage is the age of its newest recovery point just before the next one lands, in steady state:
 * one snapshot interval plus the time from the snapshot's recovery point to the stage's copy being available. When
 * a copy takes longer than the interval, copies of one DB queue behind each other (RDS queues copies of the same
 * source DB, "Limitations" in the copy guide), so the stage gets at most one new recovery point per copy duration and
 * the floor becomes the copy duration plus the copy chain. A lower bound: jitter, queues and retries only add to it.
 */
import {
  type CopyThroughput,
  copyMinutesFor,
  DEFAULT_CHANGE_PERCENT_PER_HOUR,
  DEFAULT_COPY_THROUGHPUT,
} from "./assumptions";

/** Copy topology (config `copyMode`, env `RPL_COPY_MODE`). */
export type FeasibilityCopyMode = "fan-out" | "two-step" | "direct";

/** Stages a recovery point passes through. */
export type FeasibilityStage = "source" | "dr" | "dr-region";

/** What the arithmetic needs to know about one DB and its pipeline. */
export interface FeasibilityInput {
  readonly dbId: string;
  readonly kind: "instance" | "cluster";
  /** Allocated size, GB: what a full copy moves. */
  readonly sizeGb: number;
  /** Percent of the data changed per hour; default {@link DEFAULT_CHANGE_PERCENT_PER_HOUR}. */
  readonly changePercentPerHour?: number;
  /** Minutes between the Taker's snapshots. */
  readonly intervalMinutes: number;
  /** Minutes from the recovery point until the source snapshot is available and shared. */
  readonly snapshotMinutes: number;
  readonly mode: FeasibilityCopyMode;
  /** True when the DR account copies into a second region. */
  readonly drRegion: boolean;
  /** True when source and DR are the same account (role `both`): the only copy goes straight to the DR region. */
  readonly singleAccount?: boolean;
  /** Target RPO of the DB, minutes; the verdict compares it with the worst floor. */
  readonly rpoMinutes: number;
  readonly throughput?: CopyThroughput;
}

/** One copy leg as the topology makes it. */
export interface FeasibilityLeg {
  readonly stage: "dr" | "dr-region";
  /** The stage this leg copies from. */
  readonly from: FeasibilityStage;
  readonly crossRegion: boolean;
  /** Every copy of this leg is full (cluster, or a copy of a copy). */
  readonly alwaysFull: boolean;
  /** Why the leg is full (empty when incremental). */
  readonly fullReason: string;
  /** GB moved per copy in steady state. */
  readonly gbPerCopy: number;
  /** Minutes per copy (before jitter), {@link copyMinutesFor}. */
  readonly copyMinutes: number;
}

/** The best age a stage can hold, in steady state. */
export interface StageFloor {
  readonly stage: FeasibilityStage;
  /** Minutes from a recovery point to its copy in this stage being available. */
  readonly latencyMinutes: number;
  /** Best worst-case recovery-point age of the stage, minutes. */
  readonly floorMinutes: number;
}

/** Feasibility of one DB. */
export interface Feasibility {
  readonly dbId: string;
  readonly legs: readonly FeasibilityLeg[];
  readonly stages: readonly StageFloor[];
  /** Floor of the last stage (the one the RPO is measured on). */
  readonly floorMinutes: number;
  /** True when every interval's copy of some leg is a full copy. */
  readonly fullEveryInterval: boolean;
  /** True when the RPO is at least the floor. */
  readonly feasible: boolean;
  /** Why the RPO cannot be met (undefined when feasible). */
  readonly reason?: string;
}

/** Legs of the pipeline of one DB for a mode (the same topology as functions/copy/plan.ts). */
export function legsOf(i: FeasibilityInput): FeasibilityLeg[] {
  const t = i.throughput ?? DEFAULT_COPY_THROUGHPUT;
  const rate = i.changePercentPerHour ?? DEFAULT_CHANGE_PERCENT_PER_HOUR;
  const changedGb = Math.min(i.sizeGb, (i.sizeGb * rate * i.intervalMinutes) / 6000);
  const leg = (stage: "dr" | "dr-region", from: FeasibilityStage, crossRegion: boolean): FeasibilityLeg => {
    const fullReason =
      i.kind === "cluster"
        ? "Aurora copies are full"
        : from !== "source"
          ? "a copy of a copy is full (two-step region leg)"
          : "";
    const gb = fullReason ? i.sizeGb : changedGb;
    return {
      stage,
      from,
      crossRegion,
      alwaysFull: fullReason !== "",
      fullReason,
      gbPerCopy: gb,
      copyMinutes: copyMinutesFor(gb, crossRegion, t),
    };
  };
  if (i.singleAccount) return i.drRegion ? [leg("dr-region", "source", true)] : [];
  if (!i.drRegion) return [leg("dr", "source", false)];
  if (i.mode === "direct") return [leg("dr-region", "source", true)];
  // Clusters cannot copy across account and region in one step: fan-out falls back to two-step for them.
  if (i.mode === "fan-out" && i.kind === "instance")
    return [leg("dr", "source", false), leg("dr-region", "source", true)];
  return [leg("dr", "source", false), leg("dr-region", "dr", true)];
}

/** Computes the feasible floors of one DB. */
export function feasibility(i: FeasibilityInput): Feasibility {
  validate(i);
  const legs = legsOf(i);
  const latency = new Map<FeasibilityStage, number>([["source", i.snapshotMinutes]]);
  // Steady-state spacing of recovery points in a stage: a leg slower than the interval holds one per copy.
  const spacing = new Map<FeasibilityStage, number>([["source", i.intervalMinutes]]);
  const stages: StageFloor[] = [stageFloor("source", i.snapshotMinutes, i.intervalMinutes)];
  for (const l of legs) {
    const lat = (latency.get(l.from) ?? 0) + l.copyMinutes;
    const fromSpacing = spacing.get(l.from) ?? i.intervalMinutes;
    const space = Math.max(fromSpacing, l.copyMinutes);
    latency.set(l.stage, lat);
    spacing.set(l.stage, space);
    stages.push(stageFloor(l.stage, lat, space));
  }
  const last = stages[stages.length - 1] as StageFloor;
  const fullEveryInterval = legs.some((l) => l.alwaysFull);
  const feasible = i.rpoMinutes >= last.floorMinutes;
  const t = i.throughput ?? DEFAULT_COPY_THROUGHPUT;
  let reason: string | undefined;
  if (!feasible) {
    const slowest = [...legs].sort((a, b) => b.copyMinutes - a.copyMinutes)[0];
    const floor = `best recovery-point age ${formatMinutes(last.floorMinutes)} > RPO ${formatMinutes(i.rpoMinutes)}`;
    if (slowest) {
      const gbPerHour = slowest.crossRegion ? t.crossRegionGbPerHour : t.sameRegionGbPerHour;
      const what = slowest.alwaysFull ? slowest.fullReason : "incremental copies";
      reason =
        `${what}: ${formatGb(slowest.gbPerCopy)} at ${formatGb(gbPerHour, "")} GB/h ` +
        `${slowest.crossRegion ? "cross-region" : "same-region"} = ${formatMinutes(slowest.copyMinutes)} per copy; ${floor}`;
    } else {
      reason = `snapshots every ${formatMinutes(i.intervalMinutes)}: ${floor}`;
    }
  }
  return {
    dbId: i.dbId,
    legs,
    stages,
    floorMinutes: last.floorMinutes,
    fullEveryInterval,
    feasible,
    ...(reason !== undefined ? { reason } : {}),
  };
}

/**
 * Warnings for a configuration that implies a full copy every interval, for `pulumi preview` (index.ts) and
 * `npm run check`. The stack configuration knows the mode and the DR region, not the DBs, so the warnings name the
 * DB kinds they apply to; {@link feasibility} gives the per-DB figures when sizes are known.
 */
export function fullCopyWarnings(c: {
  readonly role: "source" | "dr" | "both";
  readonly copyMode: FeasibilityCopyMode;
  readonly drRegion?: string;
}): string[] {
  const out: string[] = [];
  if (c.role === "source") {
    if (c.drRegion === undefined && c.copyMode !== "two-step") {
      out.push(
        `copyMode "${c.copyMode}": if the DR stacks copy into a DR region, set drRegion here too so the source key ` +
          "lets RDS in that region use it (docs/copy-topology.md)",
      );
    }
    return out;
  }
  if (c.drRegion === undefined) return out;
  if (c.copyMode === "two-step" && c.role === "dr") {
    out.push(
      'copyMode "two-step": every DR-region copy is a copy of a copy, so it is a full copy every interval; ' +
        '"fan-out" copies both from the share (docs/copy-topology.md)',
    );
  }
  out.push(
    "Aurora DB clusters: every copy is a full copy (Aurora has no incremental copies)" +
      (c.copyMode === "fan-out" && c.role === "dr" ? ", and fan-out falls back to two-step for them" : "") +
      "; check their sizes with the feasibility table (docs/copy-topology.md)",
  );
  return out;
}

/** Worst floor first: the DBs that cannot meet their RPO, with the reason. */
export function infeasible(list: readonly Feasibility[]): Feasibility[] {
  return list.filter((f) => !f.feasible);
}

function stageFloor(stage: FeasibilityStage, latencyMinutes: number, spacingMinutes: number): StageFloor {
  return { stage, latencyMinutes, floorMinutes: latencyMinutes + spacingMinutes };
}

function validate(i: FeasibilityInput): void {
  const bad = (field: string, v: unknown, must: string) => {
    throw new RangeError(`feasibility of ${i.dbId}: ${field} must be ${must} (got ${JSON.stringify(v)})`);
  };
  if (!(i.sizeGb > 0)) bad("sizeGb", i.sizeGb, "a number > 0");
  if (!(i.intervalMinutes > 0)) bad("intervalMinutes", i.intervalMinutes, "a number > 0");
  if (!(i.snapshotMinutes >= 0)) bad("snapshotMinutes", i.snapshotMinutes, "a number >= 0");
  if (!(i.rpoMinutes > 0)) bad("rpoMinutes", i.rpoMinutes, "a number > 0");
  if (i.changePercentPerHour !== undefined && !(i.changePercentPerHour >= 0)) {
    bad("changePercentPerHour", i.changePercentPerHour, "a number >= 0");
  }
}

/** `45 min`, `1 h 30 min`, and whole hours from 10 h on (`14 h`). */
export function formatMinutes(m: number): string {
  const r = Math.round(m);
  if (r < 60) return `${r} min`;
  if (r >= 600) return `${Math.round(r / 60)} h`;
  const h = Math.floor(r / 60);
  const rest = r % 60;
  return rest === 0 ? `${h} h` : `${h} h ${rest} min`;
}

function formatGb(gb: number, unit = " GB"): string {
  return `${Math.round(gb).toLocaleString("en-US")}${unit}`;
}

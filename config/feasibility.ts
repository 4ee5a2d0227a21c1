/**
 * Feasible recovery point per DB: from a DB's size, change rate and kind, the copy mode and the copy throughputs,
 * the best recovery-point age each stage can reach (source snapshot, home-region DR copy, DR-region copy) and whether
 * every interval's copy is a full one. Pure arithmetic on {@link copyMinutesFor}, the formula the simulator's model
 * uses for copy durations, so the floor printed here and the durations the model produces agree. The simulator's
 * report (sim/feasibilityReport.ts) and `npm run check` (cli/check.ts) both call this module.
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
 * latency (recovery point -> copy available in the stage) + spacing (time between two recovery points landing):
 * - Same-DB queue (model rule COPY-QUEUE-SAME-DB: RDS runs the copies of one source DB one after the other, in every
 *   destination). Per recovery point the DB's queue is busy for the sum of its legs' copy times, so
 *   - latency: fan-out's two legs are requested at once but run one after the other (the Copier asks for the home
 *     copy first, so the DR-region copy lands after both); two-step's region leg starts after the home copy;
 *   - spacing >= the queue's busy time per recovery point; when that reaches the snapshot interval the queue cannot
 *     keep up (the Copier copies every recovery point, so the backlog grows without bound): infeasible.
 * - Copies in flight per destination region (rule COPIES-IN-FLIGHT, and the Copier's `maxCopiesInFlight`): a copy
 *   holds one of the region's slots from its request until it completes, queued time included. When the copy-minutes
 *   of all DBs of a DR stack per interval exceed slots x interval ({@link feasibilityOfFleet}), the region serves
 *   each DB at most once per `load x interval` (load = demand / capacity; the Copier serves the DB furthest behind
 *   first, so the slots are shared fairly) and the spacing of that stage rises to it; at a load of 1 or more the
 *   backlog grows: infeasible. A DB whose own queue cannot keep up holds the Copier's per-DB cap of slots
 *   (`maxCopiesInFlightPerDb`) for good.
 * A lower bound: jitter, retries and the Copier's polling only add to it.
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
  /** Minutes the first (full) snapshot takes; default {@link FeasibilityInput.snapshotMinutes}. For the seeding time. */
  readonly firstSnapshotMinutes?: number;
  /**
   * Load of the copy slots of each DR stage's destination region from every DB of the DR stack (demand / capacity,
   * {@link feasibilityOfFleet}); absent: this DB alone, which never fills a slot on its own.
   */
  readonly regionLoad?: Readonly<Partial<Record<"dr" | "dr-region", RegionLoad>>>;
}

/** Copy-slot load of one destination region, from every DB copying into it. */
export interface RegionLoad {
  /** Copy-minutes in flight (queued + running) per minute, summed over the DBs: the slots in use on average. */
  readonly slotsInUse: number;
  /** Copies that can be in flight into the region at once (the Copier's `maxCopiesInFlight`, at most RDS's quota). */
  readonly slots: number;
  /**
   * DBs whose own copy queue cannot keep up: each holds `perDbSlots` of the region's slots for good (its backlog
   * always has a copy waiting), counted in {@link slotsInUse}.
   */
  readonly backlogged?: readonly string[];
  /** Slots one DB may hold at once (the Copier's `maxCopiesInFlightPerDb`; `slots` when there is no per-DB cap). */
  readonly perDbSlots?: number;
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
  /**
   * Minutes the copy holds one of its region's copy slots per recovery point: its own copy time plus, for fan-out's
   * second leg, the home copy it queues behind (COPY-QUEUE-SAME-DB).
   */
  readonly inFlightMinutes: number;
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
  /** Worst floor over the DR stages (each stage's age is held to the RPO). */
  readonly floorMinutes: number;
  /**
   * True when the DB's copy queue or a destination region's copy slots cannot keep up with the snapshots: the
   * backlog, and the recovery-point age, grow without bound (the floor is then only where it starts).
   */
  readonly backlogGrows: boolean;
  /** Minutes the DB's copy queue is busy per recovery point (sum of its legs' copy times). */
  readonly queueMinutesPerRecoveryPoint: number;
  /**
   * Estimated minutes from the first snapshot until the first full copies landed and the backlog they left drained
   * (first snapshot + every leg as a full copy at the slow end of the jitter, one after the other, / (1 - load));
   * infinite when the backlog grows.
   * Before that the age is above the steady-state floor: a simulation's warm-up should cover it.
   */
  readonly seedMinutes: number;
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
    const copyMinutes = copyMinutesFor(gb, crossRegion, t);
    return {
      stage,
      from,
      crossRegion,
      alwaysFull: fullReason !== "",
      fullReason,
      gbPerCopy: gb,
      copyMinutes,
      inFlightMinutes: copyMinutes,
    };
  };
  if (i.singleAccount) return i.drRegion ? [leg("dr-region", "source", true)] : [];
  if (!i.drRegion) return [leg("dr", "source", false)];
  if (i.mode === "direct") return [leg("dr-region", "source", true)];
  // Clusters cannot copy across account and region in one step: fan-out falls back to two-step for them.
  if (i.mode === "fan-out" && i.kind === "instance") {
    const home = leg("dr", "source", false);
    const region = leg("dr-region", "source", true);
    // Both requested at once from the share; RDS runs the second (the DR-region copy) after the first.
    return [home, { ...region, inFlightMinutes: home.copyMinutes + region.copyMinutes }];
  }
  return [leg("dr", "source", false), leg("dr-region", "dr", true)];
}

/**
 * Minutes the first copies of a DB take end to end: first snapshot, then every leg as a full copy, one by one, each
 * at the slow end of the jitter (the seeding estimate should cover a run's warm-up, so it errs long).
 */
function seedChainMinutes(i: FeasibilityInput, legs: readonly FeasibilityLeg[]): number {
  const t = i.throughput ?? DEFAULT_COPY_THROUGHPUT;
  const first = i.firstSnapshotMinutes ?? i.snapshotMinutes;
  return first + legs.reduce((sum, l) => sum + copyMinutesFor(i.sizeGb, l.crossRegion, t) * (1 + t.jitter), 0);
}

/** Computes the feasible floors of one DB (with the region loads it is given, see {@link feasibilityOfFleet}). */
export function feasibility(i: FeasibilityInput): Feasibility {
  validate(i);
  const legs = legsOf(i);
  // COPY-QUEUE-SAME-DB: every leg of one recovery point runs in the DB's single queue.
  const queue = legs.reduce((sum, l) => sum + l.copyMinutes, 0);
  const queueLoad = queue / i.intervalMinutes;
  const latency = new Map<FeasibilityStage, number>([["source", i.snapshotMinutes]]);
  const stages: StageFloor[] = [stageFloor("source", i.snapshotMinutes, i.intervalMinutes)];
  let sourceLegsDone = i.snapshotMinutes; // legs from the share run one after the other, in request order
  let worstLoad: { stage: "dr" | "dr-region"; load: RegionLoad } | undefined;
  for (const l of legs) {
    let lat: number;
    if (l.from === "source") {
      sourceLegsDone += l.copyMinutes;
      lat = sourceLegsDone;
    } else {
      lat = (latency.get(l.from) ?? 0) + l.copyMinutes;
    }
    latency.set(l.stage, lat);
    const load = i.regionLoad?.[l.stage];
    const regionFactor = load ? load.slotsInUse / load.slots : 0;
    if (load && (!worstLoad || regionFactor > worstLoad.load.slotsInUse / worstLoad.load.slots)) {
      worstLoad = { stage: l.stage, load };
    }
    const spacing = Math.max(i.intervalMinutes, queue, regionFactor * i.intervalMinutes);
    stages.push(stageFloor(l.stage, lat, spacing));
  }
  const drStages = stages.length > 1 ? stages.slice(1) : stages;
  const worst = drStages.reduce((a, b) => (b.floorMinutes > a.floorMinutes ? b : a));
  const regionFactor = worstLoad ? worstLoad.load.slotsInUse / worstLoad.load.slots : 0;
  const saturation = Math.max(queueLoad, regionFactor);
  const fullEveryInterval = legs.some((l) => l.alwaysFull);
  // CLUSTER-COPY-ONE-HOP: RDS refuses a one-step copy of a shared cluster snapshot into another region.
  const oneHopCluster = i.mode === "direct" && i.kind === "cluster" && i.drRegion && !i.singleAccount;
  const feasible = !oneHopCluster && saturation < 1 && i.rpoMinutes >= worst.floorMinutes;
  const seedChain = seedChainMinutes(i, legs);
  const seedMinutes = saturation < 1 ? seedChain / (1 - saturation) : Number.POSITIVE_INFINITY;
  const t = i.throughput ?? DEFAULT_COPY_THROUGHPUT;
  let reason: string | undefined;
  if (oneHopCluster) {
    reason =
      'copyMode "direct": RDS copies a DB cluster snapshot across accounts only within one region, so the ' +
      'shared cluster snapshot cannot be copied into the DR region in one step; use "fan-out" or "two-step"';
  } else if (!feasible) {
    const parts: string[] = [];
    const slowest = [...legs].sort((a, b) => b.copyMinutes - a.copyMinutes)[0];
    if (slowest) {
      const gbPerHour = slowest.crossRegion ? t.crossRegionGbPerHour : t.sameRegionGbPerHour;
      const what = slowest.alwaysFull ? slowest.fullReason : "incremental copies";
      parts.push(
        `${what}: ${formatGb(slowest.gbPerCopy)} at ${formatGb(gbPerHour, "")} GB/h ` +
          `${slowest.crossRegion ? "cross-region" : "same-region"} = ${formatMinutes(slowest.copyMinutes)} per copy`,
      );
    } else {
      parts.push(`snapshots every ${formatMinutes(i.intervalMinutes)}`);
    }
    if (legs.length > 1 && queue > i.intervalMinutes * 0.5) {
      parts.push(
        `copies of one DB run one after the other: ${formatMinutes(queue)} per recovery point` +
          (queueLoad >= 1
            ? `, not less than the ${formatMinutes(i.intervalMinutes)} interval, so the backlog grows`
            : ""),
      );
    }
    if (worstLoad && regionFactor >= 1) {
      const { backlogged = [], perDbSlots } = worstLoad.load;
      const others = backlogged.filter((id) => id !== i.dbId);
      parts.push(
        `copies into the ${worstLoad.stage} region of all DBs need ${round1(worstLoad.load.slotsInUse)} copy slots ` +
          `on average, not less than the ${worstLoad.load.slots} slots, so the backlog grows` +
          (others.length > 0
            ? ` (DBs whose own copies cannot keep up hold ${perDbSlots ?? worstLoad.load.slots} slot(s) each, ` +
              `maxCopiesInFlightPerDb: ${others.join(", ")})`
            : ""),
      );
    }
    parts.push(
      saturation >= 1
        ? `no steady recovery-point age (RPO ${formatMinutes(i.rpoMinutes)})`
        : `best recovery-point age ${formatMinutes(worst.floorMinutes)} > RPO ${formatMinutes(i.rpoMinutes)}`,
    );
    reason = parts.join("; ");
  }
  return {
    dbId: i.dbId,
    legs,
    stages,
    floorMinutes: worst.floorMinutes,
    backlogGrows: saturation >= 1,
    queueMinutesPerRecoveryPoint: queue,
    seedMinutes,
    fullEveryInterval,
    feasible,
    ...(reason !== undefined ? { reason } : {}),
  };
}

/**
 * Feasibility of every DB one DR stack copies, with the copy-slot load of its destination regions: per stage, the
 * copy-minutes in flight per minute summed over the DBs ({@link FeasibilityLeg.inFlightMinutes} per recovery point,
 * one recovery point per interval), against `copySlots` (the Copier's `maxCopiesInFlight`, at most the account's
 * copies-in-flight quota per region). A DB whose own copy queue cannot keep up (COPY-QUEUE-SAME-DB) always has copies
 * of its backlog waiting, so it holds as many slots as the Copier lets one DB hold: `perDbSlots` (the Copier's
 * `maxCopiesInFlightPerDb`, functions/copy/perDbCap.ts) in each region it copies into; without a per-DB cap, every
 * slot, which makes the region's backlog grow for every DB of the stack.
 */
export function feasibilityOfFleet(
  inputs: readonly FeasibilityInput[],
  copySlots: number,
  perDbSlots: number = copySlots,
): Feasibility[] {
  if (!(copySlots >= 1)) throw new RangeError(`feasibility: copySlots must be a number >= 1 (got ${copySlots})`);
  if (!(perDbSlots >= 1)) throw new RangeError(`feasibility: perDbSlots must be a number >= 1 (got ${perDbSlots})`);
  const held = Math.min(perDbSlots, copySlots);
  const inUse: Record<"dr" | "dr-region", number> = { dr: 0, "dr-region": 0 };
  const backlogged: Record<"dr" | "dr-region", string[]> = { dr: [], "dr-region": [] };
  for (const i of inputs) {
    validate(i);
    const legs = legsOf(i);
    const queue = legs.reduce((sum, l) => sum + l.copyMinutes, 0);
    for (const l of legs) {
      if (queue >= i.intervalMinutes) {
        inUse[l.stage] += held;
        backlogged[l.stage].push(i.dbId);
      } else inUse[l.stage] += l.inFlightMinutes / i.intervalMinutes;
    }
  }
  const regionLoad = {
    dr: { slotsInUse: inUse.dr, slots: copySlots, backlogged: backlogged.dr, perDbSlots: held },
    "dr-region": {
      slotsInUse: inUse["dr-region"],
      slots: copySlots,
      backlogged: backlogged["dr-region"],
      perDbSlots: held,
    },
  };
  return inputs.map((i) => feasibility({ ...i, regionLoad }));
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
  if (c.copyMode === "direct" && c.role === "dr") {
    out.push(
      'copyMode "direct" cannot copy Aurora DB cluster snapshots: RDS copies a cluster snapshot across accounts ' +
        'only within one region; use "fan-out" (clusters take two steps) for clusters (docs/model.md)',
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

function round1(x: number): string {
  return (Math.round(x * 10) / 10).toLocaleString("en-US");
}

function formatGb(gb: number, unit = " GB"): string {
  return `${Math.round(gb).toLocaleString("en-US")}${unit}`;
}

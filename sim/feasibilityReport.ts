/**
 * Feasible vs achieved recovery-point age in the simulator's report. For each DB the pure arithmetic of
 * config/feasibility.ts gives the best age each stage can reach with the scenario's sizes, change rates and copy
 * throughput and the stacks' interval and copy mode; the report prints it beside the sampled age. A DB that missed
 * its RPO while that RPO is below its feasible floor is INFEASIBLE (a configuration to change: a longer RPO, a smaller
 * DB, another topology), not a miss of the pipeline.
 *
 * Exit code of `npm run simulate` (sim/cli.ts, `exitCodeOf`, which also applies `recovery.expectMissedRpo`): 0 every DB met its RPO; 1 a DB whose RPO is
 * feasible missed it (the pipeline fell short); 3 no feasible DB missed, but some DB's RPO is infeasible as configured
 * (reported with the reason); 2 bad input.
 */
import type { CopyThroughput } from "../config/assumptions";
import {
  type Feasibility,
  type FeasibilityCopyMode,
  type FeasibilityInput,
  feasibilityOfFleet,
  formatMinutes,
} from "../config/feasibility";
import type { PilotLightConfig } from "../config/schema";
import { copyThroughputOf } from "./durations";
import type { DrStage, SimulationReport } from "./report";
import type { Scenario, ScenarioDurations } from "./scenario";

/** Feasibility of one DB as the report carries it. */
export interface DbFeasibility {
  /** `account/id`. */
  readonly db: string;
  readonly mode: FeasibilityCopyMode;
  /** Best worst-case age per stage, minutes (one decimal). */
  readonly floorMinutes: Readonly<Partial<Record<"source" | DrStage, number>>>;
  readonly fullEveryInterval: boolean;
  readonly feasible: boolean;
  readonly reason: string | null;
  /**
   * Estimated minutes from the first snapshot until the first full copies landed and their backlog drained (null:
   * the backlog never drains). A run's warm-up shorter than this scores the seeding as misses.
   */
  readonly seedMinutes: number | null;
}

/** Stack facts the arithmetic needs. */
export interface FeasibilityStack {
  readonly account: string;
  readonly config: PilotLightConfig;
}

/**
 * The copy throughput a scenario's duration model implies (its minutes per GB and cross-region factor), in the
 * shape of config/assumptions.ts.
 */
export function throughputOf(d: ScenarioDurations): CopyThroughput {
  // The same conversion the model uses (sim/durations.ts), so the floor and the simulated copies agree.
  return copyThroughputOf(d.copy);
}

/**
 * Feasibility of every DB of a run, in the order of `report.dbs`. The DBs one DR stack copies share its copy slots
 * per destination region (the stack's `maxCopiesInFlight`, at most the scenario's `aws.copiesInFlightPerRegion`), so
 * they are computed together ({@link feasibilityOfFleet}).
 */
export function feasibilityOfRun(
  scenario: Scenario,
  stacks: readonly FeasibilityStack[],
  report: Pick<SimulationReport, "dbs">,
): DbFeasibility[] {
  const throughput = throughputOf(scenario.durations);
  const groups = new Map<FeasibilityStack, { key: string; input: FeasibilityInput }[]>();
  for (const d of report.dbs) {
    const db = scenario.dbs[d.account]?.find((x) => x.id === d.id);
    const source = stacks.find((s) => s.account === d.account && s.config.role !== "dr");
    // The DR stack copying this account's shares (role both: the source stack itself).
    const dr =
      stacks.find((s) => s.config.role === "dr" && s.config.sourceAccounts.includes(d.account)) ??
      (source?.config.role === "both" ? source : undefined);
    if (!db || !source || !dr) continue;
    const interval = source.config.snapshotIntervalMinutes;
    const changedGb = Math.min(db.sizeGb, (db.sizeGb * db.changePercentPerHour * interval) / 6000);
    const snap = scenario.durations.snapshot;
    const input: FeasibilityInput = {
      dbId: d.id,
      kind: d.kind,
      sizeGb: db.sizeGb,
      changePercentPerHour: db.changePercentPerHour,
      intervalMinutes: interval,
      snapshotMinutes: snap.fixedMinutes + snap.minutesPerChangedGb * changedGb,
      firstSnapshotMinutes: snap.fixedMinutes + snap.minutesPerGb * db.sizeGb,
      mode: dr.config.copyMode,
      drRegion: dr.config.drRegion !== undefined,
      singleAccount: dr.config.role === "both",
      rpoMinutes: d.rpoMinutes,
      throughput,
    };
    const group = groups.get(dr) ?? [];
    group.push({ key: `${d.account}/${d.id}`, input });
    groups.set(dr, group);
  }
  const byKey = new Map<string, DbFeasibility>();
  for (const [dr, group] of groups) {
    const slots = Math.min(dr.config.maxCopiesInFlight, scenario.aws.copiesInFlightPerRegion);
    const list = feasibilityOfFleet(
      group.map((g) => g.input),
      slots,
      dr.config.maxCopiesInFlightPerDb,
    );
    list.forEach((f, n) => {
      const key = (group[n] as { key: string }).key;
      byKey.set(key, toReport(key, dr.config.copyMode, f));
    });
  }
  return report.dbs.flatMap((d) => byKey.get(`${d.account}/${d.id}`) ?? []);
}

/** DBs whose estimated seeding ends after the run's warm-up: the report says their first scored hours may miss. */
export function seedingAfterWarmup(list: readonly DbFeasibility[], warmupHours: number): DbFeasibility[] {
  return list.filter((f) => f.seedMinutes === null || f.seedMinutes > warmupHours * 60);
}

/** DBs (`account/id`) that missed their RPO while it is below their feasible floor. */
export function infeasibleMisses(
  report: Pick<SimulationReport, "missedRpo">,
  list: readonly DbFeasibility[],
): string[] {
  const missed = new Set(report.missedRpo);
  return list.filter((f) => !f.feasible && missed.has(f.db)).map((f) => f.db);
}

/** A DB's (or one stage's) result against its RPO: met, or a miss that is INFEASIBLE (below the floor) or MISSED. */
export function rpoResult(
  maxAgeMinutes: number,
  rpoMinutes: number,
  infeasible: boolean,
): "met" | "INFEASIBLE" | "MISSED" {
  return maxAgeMinutes <= rpoMinutes ? "met" : infeasible ? "INFEASIBLE" : "MISSED";
}

/** The report's "feasible vs achieved" section: title, table rows (report.ts lays them out) and INFEASIBLE notes. */
export interface FeasibilitySection {
  readonly title: string;
  readonly rows: readonly (readonly string[])[];
  readonly notes: readonly string[];
}

/** Builds the "feasible vs achieved" section, or undefined without feasibility data (`paint` adds colour). */
export function renderFeasibility(
  r: SimulationReport,
  paint: { red: (s: string) => string; yellow: (s: string) => string; green: (s: string) => string },
): FeasibilitySection | undefined {
  const list = r.feasibility ?? [];
  if (list.length === 0) return undefined;
  const byDb = new Map(list.map((f) => [f.db, f]));
  const infeasible = new Set(infeasibleMisses(r, list));
  const rows: string[][] = [["DB", "mode", "stage", "feasible", "achieved max", "full every interval", "result"]];
  for (const d of r.dbs) {
    const key = `${d.account}/${d.id}`;
    const f = byDb.get(key);
    if (!f) continue;
    const stages = Object.entries(d.stages) as [DrStage, { max: number }][];
    stages.forEach(([stage, a], i) => {
      const floor = f.floorMinutes[stage];
      const verdict = rpoResult(a.max, d.rpoMinutes, infeasible.has(key));
      const result =
        verdict === "met"
          ? paint.green(verdict)
          : verdict === "INFEASIBLE"
            ? paint.yellow(verdict)
            : paint.red(verdict);
      rows.push([
        i === 0 ? key : "",
        i === 0 ? f.mode : "",
        stage,
        floor === undefined ? "-" : String(floor),
        String(a.max),
        i === 0 ? (f.fullEveryInterval ? "yes" : "no") : "",
        result,
      ]);
    });
  }
  const notes = [...infeasible].map((db) => paint.yellow(`  INFEASIBLE ${db}: ${byDb.get(db)?.reason ?? ""}`));
  const warmupHours = r.scenario?.warmupHours;
  for (const f of warmupHours === undefined ? [] : seedingAfterWarmup(list, warmupHours)) {
    if (infeasible.has(f.db) || f.seedMinutes === null) continue;
    notes.push(
      paint.yellow(
        `  note ${f.db}: its first full copies and their backlog take about ${formatMinutes(f.seedMinutes)} ` +
          `(estimate), longer than the ${warmupHours} h warm-up: early samples may count as misses`,
      ),
    );
  }
  return {
    title: "Feasible vs achieved recovery-point age (minutes; feasible = best age the copy arithmetic allows)",
    rows,
    notes,
  };
}

function toReport(db: string, mode: FeasibilityCopyMode, f: Feasibility): DbFeasibility {
  const floorMinutes: Partial<Record<"source" | DrStage, number>> = {};
  for (const s of f.stages) floorMinutes[s.stage] = Math.round(s.floorMinutes * 10) / 10;
  return {
    db,
    mode,
    floorMinutes,
    fullEveryInterval: f.fullEveryInterval,
    feasible: f.feasible,
    reason: f.reason ?? null,
    seedMinutes: Number.isFinite(f.seedMinutes) ? Math.round(f.seedMinutes) : null,
  };
}

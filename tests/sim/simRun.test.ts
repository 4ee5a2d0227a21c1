/**
 * End-to-end simulator runs on short virtual durations: the real stacks, state machines and handlers against the
 * RDS model. These fail when the pipeline itself misbehaves (that is their point), not only when the simulator does.
 */
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { defaultScenario, loadScenario, type Scenario } from "../../sim/scenario";
import { type SimulationResult, simulate } from "../../sim/simulate";

const scenarios = resolve(__dirname, "../../scenarios");

describe("simulate", () => {
  it("gives the identical report for the same seed", async () => {
    const s: Scenario = { ...loadScenario(resolve(scenarios, "faults.yaml")), days: 0.25, warmupHours: 1 };
    const a = await simulate(s);
    const b = await simulate(s);
    expect(JSON.stringify(a.report)).toBe(JSON.stringify(b.report));
    expect(a.report.totals.executions).toBeGreaterThan(0);
  });

  it("meets the RPO in the default scenario (fan-out, default throughputs), and reports the GB each copy moves", async () => {
    // Fan-out: the instances' DR-region copies come from the share, so after the first they are incremental
    // (rule INC-PREVIOUS-COPY); Aurora copies are always full (AURORA-COPY-FULL) and move the whole cluster each time.
    const { report } = await simulate({ ...defaultScenario(), days: 1 });
    expect(report.safety).toEqual({ newestCopyDeleted: [], belowMinKeep: [] });
    expect(report.missedRpo).toEqual([]);
    for (const db of report.dbs) {
      const region = db.stages["dr-region"]!;
      expect(db.stages.dr?.samples, db.id).toBeGreaterThan(0);
      if (db.kind === "cluster") {
        expect(region.copies.incremental, db.id).toBe(0);
        expect(db.stages.dr?.copies.incremental, db.id).toBe(0);
        expect(region.gbCopiedPerDay, db.id).toBeCloseTo(region.copies.full * db.sizeGb, 0);
      } else {
        expect(db.stages.dr?.copies.incremental, db.id).toBeGreaterThan(0);
        expect(region.copies.full, db.id).toBe(1);
        expect(region.copies.incremental, db.id).toBeGreaterThan(0);
        expect(region.gbCopiedPerDay, db.id).toBeLessThan((region.copies.full + region.copies.incremental) * db.sizeGb);
      }
    }
    expect(report.totals.throttledCalls).toBe(0);
  });

  it("misses the RPO with the reference-style seed schedule", async () => {
    const { report } = await simulate({ ...loadScenario(resolve(scenarios, "seed-schedule.yaml")), days: 1 });
    expect(report.missedRpo.length).toBeGreaterThan(0);
    expect(report.machines.find((m) => m.step === "share")?.triggers).toEqual({ schedule: expect.any(Number) });
  });
});

describe("simulate with faults", () => {
  // One run with every fault, each in its own window, and time after each to recover.
  const HOURS = 24;
  let result: SimulationResult;
  beforeAll(async () => {
    const base = loadScenario(resolve(scenarios, "faults.yaml"));
    const s: Scenario = {
      ...base,
      // Copies fast enough that the 500 GB Aurora cluster's always-full copies fit in the RPO: this run is about faults.
      durations: {
        ...base.durations,
        copy: { ...base.durations.copy, sameRegionGbPerHour: 6000, crossRegionGbPerHour: 6000 },
      },
      days: HOURS / 24,
      warmupHours: 2,
      faults: {
        throttleRate: 0.05,
        failedCopyRate: 0.1,
        outages: [
          { account: "111111111111", startHours: 3, hours: 1 },
          { stateMachine: "copy", startHours: 6, hours: 1 },
        ],
        deleteDbs: [{ account: "111111111111", id: "customers-db", atHours: 9 }],
        snapshotQuotas: [{ account: "111111111111", max: 3, startHours: 12, hours: 2 }],
      },
    };
    result = await simulate(s);
  });

  it("never deletes a DB's newest copy nor goes below retention's minKeep", () => {
    expect(result.report.safety).toEqual({ newestCopyDeleted: [], belowMinKeep: [] });
  });

  it("fires the step failure alarm of the machine that was down, and it recovers", () => {
    const copy = result.report.machines.find((m) => m.step === "copy")!;
    expect(copy.errors.SimulatedOutage).toBeGreaterThan(0);
    const alarm = result.report.alarms.find((a) => a.name === `${copy.name} failures`)!;
    expect(alarm.episodes.some((e) => e.firedAt.startsWith("2026-01-05T06"))).toBe(true);
    // Every episode resolves, except one that a failed copy (failedCopyRate) started in the run's last alarm
    // periods: the run ends before its next evaluation could resolve it.
    const settled = Date.parse(result.report.scenario.end) - 10 * 60_000;
    const outage = alarm.episodes.find((e) => e.firedAt.startsWith("2026-01-05T06"))!;
    expect(outage.resolvedAt).not.toBeNull();
    expect(alarm.episodes.filter((e) => Date.parse(e.firedAt) < settled).every((e) => e.resolvedAt !== null)).toBe(
      true,
    );
    expect(copy.succeeded).toBeGreaterThan(copy.failed);
  });

  it("keeps the deleted DB's DR copies", () => {
    const deleted = result.report.dbs.find((d) => d.id === "customers-db")!;
    expect(deleted.deletedAt).toBe("2026-01-05T09:00:00.000Z");
    expect(deleted.stages.dr?.heldAtEnd).toBeGreaterThanOrEqual(1);
    expect(deleted.stages["dr-region"]?.heldAtEnd).toBeGreaterThanOrEqual(1);
  });

  it("resumes DR copies after the account outage and the full quota", () => {
    const points = result.samples.get("111111111111/orders-db dr")!.points;
    const last = points[points.length - 1]!;
    // The last sample is hours after the last fault window: the copy must be fresh again.
    expect(last[1]).toBeLessThanOrEqual(result.report.dbs[0]!.rpoMinutes);
  });
});

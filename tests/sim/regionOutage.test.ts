/**
 * scenarios/region-outage.yaml on a shortened timeline: the source region (home region of both accounts) goes
 * down, the home-stage freshness alarm (raised from the DR region) fires, the DR-region copies stay, and a failover
 * started during the outage restores every DB from the DR region within the RTO. Drills call the modeled
 * validation Lambda; its verdict decides the drill and the clean-up runs either way.
 */
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { verdict } from "../../sim/cli";
import { renderReport } from "../../sim/report";
import { loadScenario, type Scenario } from "../../sim/scenario";
import { type SimulationResult, simulate } from "../../sim/simulate";

const scenarios = resolve(__dirname, "../../scenarios");
const HOME = "eu-west-1";
const DR_REGION = "eu-central-1";
const OUTAGE_START = Date.parse("2026-01-05T10:00:00Z");
const OUTAGE_END = Date.parse("2026-01-05T14:00:00Z");
const FAILOVER_AT = "2026-01-05T11:00:00.000Z";

/** The shipped scenario, with the outage on Monday 10:00-14:00 and the failover at 11:00, run until 16:00. */
function shortened(): Scenario {
  const s = loadScenario(resolve(scenarios, "region-outage.yaml"));
  return {
    ...s,
    days: 16 / 24,
    faults: { ...s.faults, outages: [{ region: HOME, startHours: 10, hours: 4 }] },
    recovery: { ...s.recovery, failovers: [{ atHours: 11 }] },
  };
}

describe("scenarios/region-outage.yaml (shortened)", () => {
  let run: SimulationResult;
  beforeAll(async () => {
    run = await simulate(shortened());
  }, 180_000);

  it("raises the home-stage freshness alarm from the DR region during the outage", () => {
    // orders-db is listed in restore.expectedDbs, so its own per-DB alarm (issue 13) is the one that fires.
    const home = run.report.alarms.find(
      (a) => a.name === `222222222222/${DR_REGION} freshness alarm (dr, DB 111111111111/orders-db)`,
    );
    expect(home?.kind).toBe("freshness");
    const fired = home!.episodes.map((e) => Date.parse(e.firedAt));
    expect(fired.some((t) => t >= OUTAGE_START && t < OUTAGE_END)).toBe(true);
    // The monitor itself lives in the DR region: none of its scheduled runs was lost to the outage's region.
    const f = run.report.recovery.freshness[0]!;
    expect(f.name).toBe(`222222222222/${DR_REGION}/freshness`);
  });

  it("stops everything living in the source region, in both accounts", () => {
    for (const m of run.report.machines.filter((x) => x.region === HOME)) {
      expect(m.errors.RegionOutage, m.name).toBeGreaterThan(0);
    }
    const restore = run.report.machines.find((m) => m.step === "restore")!;
    expect(restore.region).toBe(DR_REGION);
    expect(restore.errors.RegionOutage).toBeUndefined();
  });

  it("keeps the DR-region copies: they only age, none is lost", () => {
    for (const d of run.report.dbs) {
      const region = d.stages["dr-region"]!;
      expect(region.region).toBe(DR_REGION);
      expect(region.heldAtEnd).toBeGreaterThan(0);
      // No copy during the outage: the worst age is about the outage's length, not more than it and the RPO.
      expect(region.max).toBeGreaterThan(60);
      expect(region.max).toBeLessThan(4 * 60 + 2 * 60);
    }
    expect(run.report.safety.newestCopyDeleted).toEqual([]);
  });

  it("restores every DB from the DR region within the RTO, with the copies made before the outage", () => {
    expect(run.report.recovery.failovers).toHaveLength(1);
    const f = run.report.recovery.failovers[0]!;
    expect(f).toMatchObject({
      machine: `222222222222/${DR_REGION}/restore`,
      region: DR_REGION,
      startedAt: FAILOVER_AT,
      status: "SUCCEEDED",
      error: null,
      withinRto: true,
      rtoMinutes: 240,
    });
    expect(f.elapsedMinutes).toBeLessThanOrEqual(240);
    expect(f.restored.map((r) => r.db).sort()).toEqual(["111111111111/customers-db", "111111111111/orders-db"]);
    for (const r of f.restored) {
      expect(Date.parse(r.recoveryPoint)).toBeLessThan(OUTAGE_START);
      expect(r.ageAtStartMinutes).toBeGreaterThanOrEqual(60);
    }
  });

  it("runs the 08:00 drill in the DR region with the validation Lambda, counting it in the drill's RTO metric", () => {
    const d = run.report.recovery.drills[0]!;
    expect(d).toMatchObject({
      machine: `222222222222/${DR_REGION}/restore`,
      status: "SUCCEEDED",
      validation: "passed",
      validationMinutes: 4,
      validationReason: "row counts match",
      cleanedUp: true,
    });
    expect(d.restoreMinutes).toBeGreaterThan(4);
  });

  it("shows it in the report and passes the exit-code verdict (expected RPO misses, failover within RTO)", () => {
    const text = renderReport(run.report);
    expect(text).toContain(`region ${HOME} (every account) down`);
    expect(text).toContain(`222222222222/${DR_REGION} freshness alarm (dr)`);
    expect(text).toMatch(
      /failover .*\n.*eu-central-1\/restore\s+eu-central-1\s+2026-01-05T11:00:00.000Z\s+\d+\s+240\s+ok within RTO/,
    );
    expect(verdict(run.report, shortened().recovery.expectMissedRpo)).toEqual([]);
    expect(verdict(run.report, [])).toEqual([expect.stringContaining("missed the RPO")]);
  });
});

describe("drill validation in the simulator", () => {
  it("fails the drill when the validator says no, cleans up, and raises the drill alarm", async () => {
    const s = shortened();
    const r = await simulate({
      ...s,
      days: 10 / 24,
      warmupHours: 1,
      faults: { ...s.faults, outages: [] },
      recovery: {
        ...s.recovery,
        failovers: [],
        drillValidator: { answer: "fail", latencyMinutes: 3, reason: "orders table is empty" },
      },
    });
    const d = r.report.recovery.drills[0]!;
    expect(d).toMatchObject({
      status: "FAILED",
      error: "DrillValidationFailed",
      validation: "failed",
      validationMinutes: 3,
      validationReason: "orders table is empty",
      cleanedUp: true,
      leftBehind: [],
      rtoAlarm: true,
    });
    expect(r.report.alarms.map((a) => a.name)).toContain(`222222222222/${DR_REGION}/restore drill failed`);
  }, 120_000);
});

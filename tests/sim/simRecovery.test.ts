/**
 * The recovery components in the simulator: the real freshness Lambda and its alarm, and scheduled drills of the
 * real restore state machine, on short virtual durations (scenarios/recovery.yaml).
 */
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { MetricAlarmModel } from "../../sim/recovery";
import { loadScenario, type Scenario } from "../../sim/scenario";
import { type SimulationResult, simulate } from "../../sim/simulate";

const scenarios = resolve(__dirname, "../../scenarios");
/**
 * The recovery scenario with copies fast enough that two-step's always-full DR-region copies (rule
 * INC-SOURCE-NOT-COPY) fit in the RPO: these tests are about alarms and drills, not copy capacity.
 */
const base = (): Scenario => {
  const s = loadScenario(resolve(scenarios, "recovery.yaml"));
  return {
    ...s,
    durations: { ...s.durations, copy: { ...s.durations.copy, sameRegionGbPerHour: 6000, crossRegionGbPerHour: 6000 } },
  };
};
const FRESHNESS = /freshness alarm \((dr|dr-region)\)$/;

describe("simulate: freshness alarm and drills", () => {
  let outage: SimulationResult;
  let normal: SimulationResult;
  beforeAll(async () => {
    // Outage 12:00-15:00 (from the scenario), longer than the 60-minute RPO; 6 hours after it to recover.
    outage = await simulate({ ...base(), days: 21 / 24 });
    normal = await simulate({ ...base(), days: 21 / 24, faults: { ...base().faults, outages: [] } });
  }, 120_000);

  it("raises the freshness alarm from the real Lambda's metrics when the source account is down > RPO, and clears it", () => {
    const alarms = outage.report.alarms.filter((a) => FRESHNESS.test(a.name));
    expect(alarms.map((a) => a.kind)).toEqual(["freshness", "freshness"]);
    for (const a of alarms) {
      expect(a.episodes).toHaveLength(1);
      const e = a.episodes[0]!;
      // Copies stop at 12:00; the newest copy passes 60 minutes in the first period after 13:00 or so.
      expect(Date.parse(e.firedAt)).toBeGreaterThan(Date.parse("2026-01-05T12:30:00Z"));
      expect(Date.parse(e.firedAt)).toBeLessThan(Date.parse("2026-01-05T15:00:00Z"));
      expect(e.resolvedAt).not.toBeNull();
      expect(Date.parse(e.resolvedAt!)).toBeGreaterThan(Date.parse("2026-01-05T15:00:00Z"));
    }
    const f = outage.report.recovery.freshness[0]!;
    expect(f).toMatchObject({ name: "222222222222/eu-central-1/freshness", schedule: "rate(15 minutes)", lost: 0 });
    expect(f.datapoints.dr).toBeGreaterThan(40);
  });

  it("raises no freshness alarm and no sampled-age alarm in a normal run", () => {
    expect(normal.report.alarms).toEqual([]);
    expect(normal.report.missedRpo).toEqual([]);
    expect(normal.report.recovery.freshness[0]!.datapoints["dr-region"]).toBeGreaterThan(40);
  });

  it("runs the scheduled drill with the real restore state machine, and leaves no rpl-drill-* DB", () => {
    const drills = normal.report.recovery.drills;
    expect(drills).toHaveLength(1);
    const d = drills[0]!;
    expect(d).toMatchObject({
      machine: "222222222222/eu-central-1/restore",
      region: "eu-central-1",
      startedAt: "2026-01-05T08:00:00.000Z",
      status: "SUCCEEDED",
      error: null,
      cleanedUp: true,
      leftBehind: [],
      rtoMinutes: 240,
      rtoAlarm: false,
    });
    expect(d.restored.length).toBe(2);
    for (const id of d.restored) expect(id).toMatch(/^rpl-drill-/);
    expect(d.restoreMinutes).toBeGreaterThan(0);
    expect(d.durationMinutes).toBeGreaterThanOrEqual(d.restoreMinutes!);
    const restore = normal.report.machines.find((m) => m.step === "restore")!;
    expect(restore).toMatchObject({ started: 1, succeeded: 1, failed: 0 });
  });

  it("reports a drill slower than the RTO as an alarm", async () => {
    // A 10-minute RTO (the least the stack accepts) cannot hold a 200 GB restore: the restore state machine gives up
    // at the RTO, fails the drill, still cleans up, and both drill alarms fire.
    const s = base();
    const r = await simulate({
      ...s,
      days: 10 / 24,
      warmupHours: 1,
      faults: { ...s.faults, outages: [] },
      stacks: [s.stacks[0]!, { ...s.stacks[1]!, file: resolve(scenarios, "../tests/sim/fixtures/Pulumi.rto10.yaml") }],
    });
    const d = r.report.recovery.drills[0]!;
    expect(d).toMatchObject({ status: "FAILED", cleanedUp: true, rtoAlarm: true, rtoMinutes: 10 });
    expect(r.report.alarms.filter((a) => a.kind === "drill").map((a) => a.name)).toContain(
      "222222222222/eu-central-1/restore drill failed",
    );
  }, 60_000);

  it("is deterministic with the recovery components", async () => {
    const s: Scenario = { ...base(), days: 0.4, warmupHours: 1 };
    const a = await simulate(s);
    const b = await simulate(s);
    expect(JSON.stringify(a.report)).toBe(JSON.stringify(b.report));
    expect(a.report.recovery.freshness[0]!.invocations).toBeGreaterThan(0);
  }, 60_000);
});

describe("recovery wiring", () => {
  it("evaluates a one-period alarm: statistic against threshold, missing data as configured", () => {
    const a = new MetricAlarmModel({
      periodMs: 1000,
      threshold: 60,
      comparison: "GreaterThanThreshold",
      statistic: "Maximum",
      treatMissingData: "breaching",
    });
    expect(a.evaluate(1000)).toBe(true);
    a.put(1100, 30);
    a.put(1500, 61);
    expect(a.evaluate(2000)).toBe(true);
    a.put(2100, 60);
    expect(a.evaluate(3000)).toBe(false);
    expect(a.evaluate(4000)).toBe(true);
  });
});

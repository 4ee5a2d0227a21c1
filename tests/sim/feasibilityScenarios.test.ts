/**
 * The feasibility scenarios, run for a short virtual time: a DB whose RPO is below its feasible floor is reported
 * INFEASIBLE with the reason and exit code 3 (docs/copy-topology.md), and the two copy modes run the same DBs.
 */
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { exitCodeOf } from "../../sim/cli";
import { renderReport } from "../../sim/report";
import { loadScenario } from "../../sim/scenario";
import { type SimulationResult, simulate } from "../../sim/simulate";

const scenarios = resolve(__dirname, "../../scenarios");

describe("scenarios/large-aurora.yaml", () => {
  let result: SimulationResult;
  beforeAll(async () => {
    result = await simulate({ ...loadScenario(resolve(scenarios, "large-aurora.yaml")), days: 0.5, warmupHours: 4 });
  }, 300_000);

  it("reports the 2 TB cluster INFEASIBLE with the copy arithmetic as the reason, and exits 3", () => {
    const { report } = result;
    const f = report.feasibility?.find((x) => x.db === "111111111111/billing-aurora");
    expect(f).toMatchObject({ mode: "fan-out", feasible: false, fullEveryInterval: true });
    expect(f?.reason).toMatch(/^Aurora copies are full: 2,048 GB at 150 GB\/h cross-region = 14 h per copy; /);
    expect(report.missedRpo).toEqual(["111111111111/billing-aurora"]);
    const text = renderReport(report);
    expect(text).toContain("INFEASIBLE 111111111111/billing-aurora: Aurora copies are full: 2,048 GB");
    expect(text).not.toContain("missed the RPO:");
    expect(exitCodeOf(report, []).code).toBe(3);
  });
});

describe("scenarios/fanout-vs-two-step-*.yaml", () => {
  const run = (mode: string) =>
    simulate({
      ...loadScenario(resolve(scenarios, `fanout-vs-two-step-${mode}.yaml`)),
      days: 1,
      warmupHours: 8,
    });
  let fan: SimulationResult;
  let two: SimulationResult;
  beforeAll(async () => {
    fan = await run("fan-out");
    two = await run("two-step");
  }, 600_000);

  it("runs the same DBs in both modes, each reported with its mode", () => {
    const dbs = (r: SimulationResult) => r.report.dbs.map((d) => `${d.account}/${d.id}`);
    expect(dbs(fan)).toEqual(dbs(two));
    expect(new Set(fan.report.feasibility?.map((f) => f.mode))).toEqual(new Set(["fan-out"]));
    expect(new Set(two.report.feasibility?.map((f) => f.mode))).toEqual(new Set(["two-step"]));
  });

  it("copies every DR-region copy of fan-out from the share, and every one of two-step from the home copy", () => {
    // The floor arithmetic says which legs are full: none in fan-out (instances), the region leg in two-step.
    expect(fan.report.feasibility?.every((f) => !f.fullEveryInterval)).toBe(true);
    expect(two.report.feasibility?.every((f) => f.fullEveryInterval)).toBe(true);
  });

  it("meets the 60-minute RPO in fan-out, while two-step's full region copies make every DB infeasible", () => {
    expect(fan.report.missedRpo).toEqual([]);
    expect(exitCodeOf(fan.report, []).code).toBe(0);
    const infeasible = two.report.feasibility?.filter((f) => !f.feasible).map((f) => f.db);
    // At 150 GB/h cross-region even the 50 GB DB's full region copy (25 min) puts its floor above 60 minutes, and
    // with the home copy in the same queue (rule COPY-QUEUE-SAME-DB) it needs 30.05 min per 30-minute interval.
    expect(infeasible).toEqual(["111111111111/orders-db", "111111111111/customers-db", "111111111111/billing-ledger"]);
    const customers = two.report.feasibility?.find((f) => f.db === "111111111111/customers-db");
    expect(customers?.reason).toContain("copies of one DB run one after the other");
    expect(customers?.reason).toContain("so the backlog grows");
    // Every DB two-step misses is reported INFEASIBLE with its reason, none as a plain miss: exit code 3.
    expect(two.report.missedRpo.length).toBeGreaterThan(0);
    expect(exitCodeOf(two.report, []).code).toBe(3);
  });

  it("covers each fan-out DB's estimated seeding with the scenario's warm-up", () => {
    const s = loadScenario(resolve(scenarios, "fanout-vs-two-step-fan-out.yaml"));
    for (const f of fan.report.feasibility ?? []) {
      expect(f.seedMinutes, f.db).not.toBeNull();
      expect(f.seedMinutes ?? 0, f.db).toBeLessThanOrEqual(s.warmupHours * 60);
    }
  });
});

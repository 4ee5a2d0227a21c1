/**
 * Copy-slot starvation (docs/configuration.md#maxcopiesinflightperdb): two Aurora clusters whose full copies cannot
 * keep up with a 30-minute interval share a DR stack of 4 copy slots per region with three small instances. With the
 * Copier's per-DB cap (default 1) the clusters hold one slot each per region, the instances meet their RPO and the
 * report's feasibility (`feasibilityOfFleet`) agrees; with the cap turned off the report counts each cluster at every
 * slot. Either way the exit code is 3 (only INFEASIBLE DBs missed), never 1.
 */
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { exitCodeOf } from "../../sim/cli";
import { loadScenario, type Scenario } from "../../sim/scenario";
import { type SimulationResult, simulate } from "../../sim/simulate";

const fixtures = resolve(__dirname, "fixtures/starve");
const CLUSTERS = ["111111111111/big-aurora", "111111111111/bigger-aurora"];
const INSTANCES = ["111111111111/orders-db", "111111111111/customers-db", "111111111111/sessions-db"];

/** The fixture scenario with `drStack` as its DR stack. */
function scenario(drStack: string): Scenario {
  const s = loadScenario(resolve(fixtures, "scenario.yaml"));
  return {
    ...s,
    stacks: s.stacks.map((st) => (st.account === "222222222222" ? { ...st, file: resolve(fixtures, drStack) } : st)),
  };
}

const feasibleOf = (r: SimulationResult) =>
  Object.fromEntries((r.report.feasibility ?? []).map((f) => [f.db, f.feasible]));

describe("copy slots shared with DBs whose copies cannot keep up", () => {
  let capped: SimulationResult;
  let uncapped: SimulationResult;
  beforeAll(async () => {
    capped = await simulate(scenario("Pulumi.dr.yaml"));
    uncapped = await simulate(scenario("Pulumi.dr-nocap.yaml"));
  }, 600_000);

  it("with the per-DB cap, every instance meets its RPO and only the infeasible clusters miss", () => {
    expect(feasibleOf(capped)).toEqual({
      [CLUSTERS[0]!]: false,
      [CLUSTERS[1]!]: false,
      [INSTANCES[0]!]: true,
      [INSTANCES[1]!]: true,
      [INSTANCES[2]!]: true,
    });
    expect([...capped.report.missedRpo].sort()).toEqual([...CLUSTERS].sort());
    expect(exitCodeOf(capped.report, []).code).toBe(3);
  });

  it("without it, the report counts each cluster at every slot and calls the instances INFEASIBLE, naming the clusters", () => {
    // A cluster's backlog grows without bound, so in the long run it holds every slot it may (twenty-dbs shows the
    // instances missing after a few hours, docs/simulation.md); the fleet floor counts that steady state.
    expect(feasibleOf(uncapped)).toEqual(Object.fromEntries([...CLUSTERS, ...INSTANCES].map((db) => [db, false])));
    const reason = uncapped.report.feasibility?.find((f) => f.db === INSTANCES[0])?.reason ?? "";
    expect(reason).toMatch(/not less than the 4 slots, so the backlog grows/);
    expect(reason).toMatch(/hold 4 slot\(s\) each, maxCopiesInFlightPerDb: big-aurora, bigger-aurora/);
    expect(exitCodeOf(uncapped.report, []).code).toBe(3);
  });
});

/**
 * The simulator's report does not depend on its Step Functions executor: the fast one (sim/aslInterpreter.ts, the
 * default) and the reference (aws-local-stepfunctions) give the same behaviour for the same scenario and seed, as
 * sim/compareReports.ts judges it (verdicts exact; ages, snapshots held and copies within its tolerance). Not byte for
 * byte: the fast executor takes no asynchronous step for states that do not wait, so concurrent executions and Map
 * iterations may reach the RDS model, the engine's timers and the seeded `Math.random` in another order at one
 * virtual instant (its module comment). The full 20 DB x 7 day run is compared by `npx tsx bench/run.ts sim-cpu`
 * (docs/performance.md); here short runs of it, of the faults scenario and of the recovery one.
 */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCliArgs } from "../../sim/cli";
import { type ComparableReport, compareReports } from "../../sim/compareReports";
import { loadScenario } from "../../sim/scenario";
import { simulate } from "../../sim/simulate";

const SCENARIOS = resolve(__dirname, "../../scenarios");

describe("simulator reports under both executors", () => {
  for (const [file, days] of [
    ["twenty-dbs.yaml", 0.25],
    // Injected faults: retries with jitter, failed executions, outages.
    ["faults.yaml", 1],
    // Failovers and drills: the restore machine.
    ["recovery.yaml", 1],
  ] as const) {
    it(`${file} (${days} d): the fast executor's report passes compareReports against the reference's`, async () => {
      const scenario = { ...loadScenario(resolve(SCENARIOS, file)), days };
      const reference = await simulate(scenario, { executor: "reference" });
      const fast = await simulate(scenario, { executor: "fast" });
      expect(reference.report.totals.executions).toBeGreaterThan(0);
      // Through JSON, as the CLI prints them and sim/compareReports.ts reads them.
      const asJson = (r: unknown) => JSON.parse(JSON.stringify(r)) as ComparableReport;
      const differences = compareReports(asJson(reference.report), asJson(fast.report));
      expect(differences.filter((d) => !d.within)).toEqual([]);
    }, 300_000);
  }

  it("simulate --executor takes fast or reference, nothing else", () => {
    expect(parseCliArgs(["--executor", "reference"]).executor).toBe("reference");
    expect(parseCliArgs(["--executor", "fast"]).executor).toBe("fast");
    expect(parseCliArgs([]).executor).toBeUndefined();
    expect(() => parseCliArgs(["--executor", "library"])).toThrow(/--executor must be one of fast, reference/);
  });
});

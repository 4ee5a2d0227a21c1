/**
 * The simulator's report does not depend on its Step Functions executor: the fast one (sim/aslInterpreter.ts, the
 * default) and the reference (aws-local-stepfunctions) print byte-identical reports for the same scenario and seed.
 * That holds only while the fast executor keeps the reference's order of work at each virtual instant (its module
 * comment): Map iterations, retries and waits reaching the RDS model, the engine's timers and the seeded
 * `Math.random` in the same order. The full 20 DB x 7 day run is compared by `npx tsx bench/run.ts sim-cpu`
 * (docs/performance.md); here short runs of it, of the faults scenario and of the recovery one.
 */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCliArgs } from "../../sim/cli";
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
    it(`${file} (${days} d): the fast executor's report is byte-identical to the reference's`, async () => {
      const scenario = { ...loadScenario(resolve(SCENARIOS, file)), days };
      const reference = await simulate(scenario, { executor: "reference" });
      const fast = await simulate(scenario, { executor: "fast" });
      expect(reference.report.totals.executions).toBeGreaterThan(0);
      expect(JSON.stringify(fast.report, null, 2)).toBe(JSON.stringify(reference.report, null, 2));
    }, 300_000);
  }

  it("simulate --executor takes fast or reference, nothing else", () => {
    expect(parseCliArgs(["--executor", "reference"]).executor).toBe("reference");
    expect(parseCliArgs(["--executor", "fast"]).executor).toBe("fast");
    expect(parseCliArgs([]).executor).toBeUndefined();
    expect(() => parseCliArgs(["--executor", "library"])).toThrow(/--executor must be one of fast, reference/);
  });
});

/**
 * scenarios/api-budget.yaml, shortened: the account's RDS API budget (rule API-THROTTLING) is smaller than what the
 * pipeline asks for, so the report lists throttled calls, and still no DB misses its RPO or loses a copy.
 */
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { exitCodeOf } from "../../sim/cli";
import { renderReport } from "../../sim/report";
import { loadScenario } from "../../sim/scenario";
import { type SimulationResult, simulate } from "../../sim/simulate";

describe("scenarios/api-budget.yaml", () => {
  let result: SimulationResult;
  beforeAll(async () => {
    const s = loadScenario(resolve(__dirname, "../../scenarios/api-budget.yaml"));
    result = await simulate({ ...s, days: 0.5, warmupHours: 4 });
  }, 300_000);

  it("sets a tight API budget: a burst of 10 and 1 request per second", () => {
    const s = loadScenario(resolve(__dirname, "../../scenarios/api-budget.yaml"));
    expect(s.aws.apiRateLimit).toEqual({ burst: 10, refillPerSecond: 1 });
  });

  it("fails no execution: the sweeps' Map items are paced within the budget (config/apiBudget.ts sweepPacing)", () => {
    const { report } = result;
    expect(report.totals.executions).toBeGreaterThan(0);
    expect(report.totals.executionsFailed).toBe(0);
  });

  it("shows throttling in the report", () => {
    const { report } = result;
    expect(report.totals.throttledCalls).toBeGreaterThan(0);
    expect(report.throttled.reduce((a, t) => a + t.count, 0)).toBe(report.totals.throttledCalls);
    expect(renderReport(report)).toContain("Throttled RDS calls (account API budget): ");
  });

  it("loses no data because of it: every DB meets its RPO, no safety finding, exit code 0", () => {
    const { report } = result;
    expect(report.missedRpo).toEqual([]);
    expect(report.safety).toEqual({ newestCopyDeleted: [], belowMinKeep: [] });
    for (const db of report.dbs) {
      for (const stage of ["dr", "dr-region"] as const) {
        expect(db.stages[stage]?.samplesOverRpo, `${db.id} ${stage}`).toBe(0);
        expect(db.stages[stage]?.heldAtEnd, `${db.id} ${stage}`).toBeGreaterThan(0);
      }
    }
    expect(exitCodeOf(report, []).code).toBe(0);
  });
});

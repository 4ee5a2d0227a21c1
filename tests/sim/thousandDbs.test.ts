/**
 * scenarios/thousand-dbs.yaml (issue 10 item 3): the full scenario's shape, and a scaled-down run (50 of its DBs, the
 * same generators, stacks and API budget, half a virtual day) judged as the full run is: no execution failed for
 * throttling, every DB with a feasible RPO within it, the busiest hour below the account's API budget. The full
 * 1,000-DB day runs in the bench (`npx tsx bench/run.ts thousand`; figures in docs/performance.md).
 */
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { RDS_API_RATE_LIMIT } from "../../sim/aws/throttle";
import { renderReport } from "../../sim/report";
import { loadScaledScenario, type ScaleRunSummary, summarizeScaleRun } from "../../sim/scaleScenario";
import { loadScenario } from "../../sim/scenario";
import { type SimulationResult, simulate } from "../../sim/simulate";

const FILE = resolve(__dirname, "../../scenarios/thousand-dbs.yaml");
const SOURCE = "111111111111";

describe("scenarios/thousand-dbs.yaml", () => {
  it("declares 1,000 DBs in one source account (850 instances, 150 Aurora clusters), AWS's API budget, one day", () => {
    const s = loadScenario(FILE);
    const dbs = s.dbs[SOURCE]!;
    expect(Object.keys(s.dbs)).toEqual([SOURCE]);
    expect(dbs).toHaveLength(1000);
    expect(dbs.filter((d) => d.kind === "cluster")).toHaveLength(150);
    expect(Math.min(...dbs.map((d) => d.sizeGb))).toBeLessThan(10);
    expect(Math.max(...dbs.map((d) => d.sizeGb))).toBeGreaterThan(200);
    expect(dbs.every((d) => d.tags.dr === "pilot-light")).toBe(true);
    expect(s.aws.apiRateLimit).toEqual(RDS_API_RATE_LIMIT);
    expect(s.days).toBe(1);
    expect(s.stacks).toHaveLength(2);
  });

  it("scales to fewer DBs keeping the generators' shares, and optionally the account limits", () => {
    const s = loadScaledScenario(FILE, 50);
    const dbs = s.dbs[SOURCE]!;
    expect(dbs).toHaveLength(50);
    expect(dbs.filter((d) => d.kind === "cluster")).toHaveLength(7);
    expect(dbs[0]!.id).toBe("app-01");
    expect(s.aws.apiRateLimit).toEqual(RDS_API_RATE_LIMIT);
    const limited = loadScaledScenario(FILE, 100, { scaleLimits: true });
    expect(limited.aws).toEqual({ apiRateLimit: { burst: 30, refillPerSecond: 1.2 }, copiesInFlightPerRegion: 2 });
    expect(() => loadScaledScenario(FILE, 0)).toThrow(/number of DBs must be a whole number >= 1 \(got 0\)/);
  });

  describe("50 of its DBs for half a day", () => {
    let result: SimulationResult;
    let summary: ScaleRunSummary;
    beforeAll(async () => {
      result = await simulate({ ...loadScaledScenario(FILE, 50), days: 0.5, warmupHours: 3 });
      summary = summarizeScaleRun(result.report);
    }, 600_000);

    it("fails no execution for throttling and keeps the busiest hour below the API budget", () => {
      expect(summary.executions).toBeGreaterThan(50);
      expect(summary.executionsFailedThrottling).toBe(0);
      expect(summary.peakPerHour).toBeGreaterThan(0);
      expect(summary.peakPerHour).toBeLessThan(summary.budget.perHour);
      expect(summary.budget).toEqual({ burst: 300, perMinute: 720, perHour: 43_200 });
      const u = result.report.apiUsage!;
      expect(u.rows.map((r) => r.account).sort()).toEqual([SOURCE, "222222222222"]);
      expect(u.rows.every((r) => r.requests > 0 && r.hourly.length === 12)).toBe(true);
      expect(renderReport(result.report)).toContain("RDS API requests per account and region vs the budget");
    });

    it("keeps every DB with a feasible RPO within it, each with a DR copy", () => {
      expect(summary.dbs).toBe(50);
      expect(summary.missed).toBe(0);
      expect(summary.met + summary.infeasible).toBe(50);
      for (const d of result.report.dbs) expect(d.stages.dr?.heldAtEnd, d.id).toBeGreaterThan(0);
    });
  });
});

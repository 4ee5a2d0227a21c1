import { describe, expect, it } from "vitest";
import { type ComparableReport, compareReports } from "../../sim/compareReports";

function report(over: { max?: number; missed?: boolean; held?: number; failed?: number } = {}): ComparableReport {
  const stage = {
    p50: 30,
    p95: 40,
    max: over.max ?? 45,
    samples: 100,
    samplesOverRpo: over.missed ? 5 : 0,
    heldAtEnd: over.held ?? 48,
    copies: { full: 1, incremental: 90 },
  };
  return {
    scenario: { name: "s", seed: 1, days: 2 },
    dbs: [{ account: "1", id: "a", missedRpo: over.missed ?? false, stages: { dr: stage } }],
    safety: { newestCopyDeleted: [], belowMinKeep: [] },
    deletions: { byOwner: { unowned: 0 } },
    totals: { executionsFailed: over.failed ?? 0, throttledCalls: 0 },
    missedRpo: over.missed ? ["1/a"] : [],
    feasibility: [{ db: "1/a", feasible: true }],
    alarms: [],
  };
}

describe("compareReports", () => {
  it("finds no difference between equal reports", () => {
    expect(compareReports(report(), report())).toEqual([]);
  });
  it("allows an age within the tolerance and refuses one outside it", () => {
    expect(compareReports(report(), report({ max: 50 }))).toEqual([
      { what: "1/a dr max", before: 45, after: 50, within: true },
    ]);
    expect(compareReports(report(), report({ max: 80 }))[0]?.within).toBe(false);
  });
  it("refuses a changed verdict, a failed execution or a held count far off", () => {
    const missed = compareReports(report(), report({ missed: true }));
    expect(missed.some((d) => d.what === "missedRpo" && !d.within)).toBe(true);
    expect(missed.some((d) => d.what === "1/a dr samplesOverRpo" && !d.within)).toBe(true);
    expect(compareReports(report(), report({ failed: 1 }))).toEqual([
      { what: "totals.executionsFailed", before: 0, after: 1, within: false },
    ]);
    expect(compareReports(report(), report({ held: 45 }))[0]?.within).toBe(false);
    expect(compareReports(report(), report({ held: 47 }))[0]?.within).toBe(true);
  });
});

import { describe, expect, it } from "vitest";
import { exitCodeOf } from "../../sim/cli";
import { type DbFeasibility, infeasibleMisses, renderFeasibility } from "../../sim/feasibilityReport";
import type { SimulationReport } from "../../sim/report";

const f = (db: string, feasible: boolean): DbFeasibility => ({
  db,
  mode: "fan-out",
  floorMinutes: { source: 40, dr: 45, "dr-region": feasible ? 50 : 900 },
  fullEveryInterval: !feasible,
  feasible,
  reason: feasible ? null : "Aurora copies are full: 2,048 GB at 150 GB/h cross-region = 14 h per copy",
  seedMinutes: feasible ? 120 : null,
});
const A = "111111111111/a";
const B = "111111111111/b";

describe("exitCodeOf", () => {
  it.each([
    [[], [f(A, true), f(B, false)], 0],
    [[B], [f(A, true), f(B, false)], 3],
    [[A], [f(A, true), f(B, false)], 1],
    [[A, B], [f(A, true), f(B, false)], 1],
    [[A], [], 1],
  ] as const)("missed %j with feasibility %# -> %d", (missed, list, code) => {
    const report = { missedRpo: [...missed], feasibility: [...list], recovery: { failovers: [] } };
    expect(exitCodeOf(report as unknown as SimulationReport, []).code).toBe(code);
  });

  it("still honours recovery.expectMissedRpo beside the infeasible DBs", () => {
    const report = { missedRpo: [A, B], feasibility: [f(A, true), f(B, false)], recovery: { failovers: [] } };
    expect(exitCodeOf(report as unknown as SimulationReport, [A])).toEqual({ code: 3, problems: [] });
  });
});

describe("renderFeasibility", () => {
  const stage = (max: number) => ({ max }) as never;
  const report = {
    dbs: [
      { account: "111111111111", id: "a", rpoMinutes: 60, stages: { dr: stage(30), "dr-region": stage(40) } },
      { account: "111111111111", id: "b", rpoMinutes: 60, stages: { dr: stage(50), "dr-region": stage(700) } },
    ],
    missedRpo: [B],
    feasibility: [f(A, true), f(B, false)],
  } as unknown as SimulationReport;
  const plain = { red: (s: string) => s, yellow: (s: string) => s, green: (s: string) => s };

  it("puts the feasible floor beside the achieved maximum and marks a miss below the floor INFEASIBLE", () => {
    const s = renderFeasibility(report, plain);
    expect(s?.rows.slice(1)).toEqual([
      [A, "fan-out", "dr", "45", "30", "no", "met"],
      ["", "", "dr-region", "50", "40", "", "met"],
      [B, "fan-out", "dr", "45", "50", "yes", "met"],
      ["", "", "dr-region", "900", "700", "", "INFEASIBLE"],
    ]);
    expect(s?.notes).toEqual([
      `  INFEASIBLE ${B}: Aurora copies are full: 2,048 GB at 150 GB/h cross-region = 14 h per copy`,
    ]);
    expect(infeasibleMisses(report, report.feasibility ?? [])).toEqual([B]);
  });

  it("renders nothing without feasibility data", () => {
    expect(renderFeasibility({ ...report, feasibility: [] }, plain)).toBeUndefined();
  });

  it("notes a feasible DB whose estimated seeding outlasts the warm-up, and not one it fits in", () => {
    const withWarmup = (h: number) => ({ ...report, scenario: { warmupHours: h } }) as unknown as SimulationReport;
    expect(renderFeasibility(withWarmup(1), plain)?.notes).toContain(
      `  note ${A}: its first full copies and their backlog take about 2 h (estimate), longer than the 1 h warm-up: early samples may count as misses`,
    );
    expect(renderFeasibility(withWarmup(2), plain)?.notes.some((n) => n.includes("note"))).toBe(false);
  });
});

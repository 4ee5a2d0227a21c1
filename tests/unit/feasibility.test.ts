import { describe, expect, it } from "vitest";
import { copyMinutesFor, DEFAULT_COPY_THROUGHPUT } from "../../config/assumptions";
import { type FeasibilityInput, feasibility, formatMinutes, fullCopyWarnings, legsOf } from "../../config/feasibility";

const base: FeasibilityInput = {
  dbId: "orders-db",
  kind: "instance",
  sizeGb: 200,
  changePercentPerHour: 0.5,
  intervalMinutes: 30,
  snapshotMinutes: 10,
  mode: "fan-out",
  drRegion: true,
  rpoMinutes: 60,
};

describe("legsOf", () => {
  it.each([
    [
      "fan-out",
      "instance",
      [
        ["dr", "source", false, false],
        ["dr-region", "source", true, false],
      ],
    ],
    [
      "fan-out",
      "cluster",
      [
        ["dr", "source", false, true],
        ["dr-region", "dr", true, true],
      ],
    ],
    [
      "two-step",
      "instance",
      [
        ["dr", "source", false, false],
        ["dr-region", "dr", true, true],
      ],
    ],
    [
      "two-step",
      "cluster",
      [
        ["dr", "source", false, true],
        ["dr-region", "dr", true, true],
      ],
    ],
    ["direct", "instance", [["dr-region", "source", true, false]]],
    ["direct", "cluster", [["dr-region", "source", true, true]]],
  ] as const)("%s %s: [stage, from, crossRegion, alwaysFull]", (mode, kind, expected) => {
    const legs = legsOf({ ...base, mode, kind });
    expect(legs.map((l) => [l.stage, l.from, l.crossRegion, l.alwaysFull])).toEqual(expected);
  });

  it("moves the changed data of one interval on an incremental leg and the whole DB on a full one", () => {
    const [home, region] = legsOf({ ...base, mode: "two-step" });
    // 200 GB * 0.5 %/h * 0.5 h = 0.5 GB changed per interval.
    expect(home?.gbPerCopy).toBe(0.5);
    expect(home?.copyMinutes).toBe(copyMinutesFor(0.5, false));
    expect(region?.gbPerCopy).toBe(200);
    expect(region?.copyMinutes).toBe(copyMinutesFor(200, true));
  });

  it("has one leg into the DR region for a single-account stack, and none without a DR region", () => {
    expect(legsOf({ ...base, singleAccount: true }).map((l) => l.stage)).toEqual(["dr-region"]);
    expect(legsOf({ ...base, singleAccount: true, drRegion: false })).toEqual([]);
    expect(legsOf({ ...base, drRegion: false }).map((l) => [l.stage, l.crossRegion])).toEqual([["dr", false]]);
  });
});

describe("feasibility", () => {
  it("gives each stage latency + interval while copies are faster than the interval (fan-out instance)", () => {
    const f = feasibility(base);
    const home = copyMinutesFor(0.5, false);
    const region = copyMinutesFor(0.5, true);
    expect(f.stages).toEqual([
      { stage: "source", latencyMinutes: 10, floorMinutes: 40 },
      { stage: "dr", latencyMinutes: 10 + home, floorMinutes: 40 + home },
      { stage: "dr-region", latencyMinutes: 10 + region, floorMinutes: 40 + region },
    ]);
    expect(f.fullEveryInterval).toBe(false);
    expect(f.feasible).toBe(true);
    expect(f.reason).toBeUndefined();
  });

  it("chains two-step's region leg after the home copy, and it is full every interval", () => {
    const f = feasibility({ ...base, mode: "two-step", rpoMinutes: 600 });
    const home = copyMinutesFor(0.5, false);
    const region = copyMinutesFor(200, true); // 85 min > the 30-minute interval
    expect(f.stages[2]).toEqual({
      stage: "dr-region",
      latencyMinutes: 10 + home + region,
      floorMinutes: 10 + home + region + region,
    });
    expect(f.fullEveryInterval).toBe(true);
  });

  it("reports a 2 TB Aurora cluster as infeasible with the copy arithmetic in the reason", () => {
    const f = feasibility({ ...base, dbId: "big-aurora", kind: "cluster", sizeGb: 2048, rpoMinutes: 60 });
    expect(f.feasible).toBe(false);
    expect(f.fullEveryInterval).toBe(true);
    expect(f.reason).toMatch(/^Aurora copies are full: 2,048 GB at 150 GB\/h cross-region = 14 h per copy; /);
    expect(f.reason).toContain("best recovery-point age 31 h > RPO 1 h");
    // Cluster under fan-out = two-step: home full copy, then a full cross-region copy of it.
    const home = copyMinutesFor(2048, false);
    const region = copyMinutesFor(2048, true);
    expect(f.floorMinutes).toBeCloseTo(10 + home + region + region, 9);
  });

  it("uses the throughput it is given (the scenario's), not only the default", () => {
    const t = { ...DEFAULT_COPY_THROUGHPUT, crossRegionGbPerHour: 2048 * 60 };
    const f = feasibility({ ...base, kind: "cluster", sizeGb: 2048, mode: "direct", rpoMinutes: 60, throughput: t });
    expect(f.legs[0]?.copyMinutes).toBe(DEFAULT_COPY_THROUGHPUT.fixedMinutes + 1);
    expect(f.feasible).toBe(true);
  });

  it.each([
    [{ sizeGb: 0 }, /sizeGb must be a number > 0 \(got 0\)/],
    [{ intervalMinutes: -5 }, /intervalMinutes must be a number > 0/],
    [{ rpoMinutes: 0 }, /rpoMinutes must be a number > 0/],
    [{ changePercentPerHour: -1 }, /changePercentPerHour must be a number >= 0/],
  ])("rejects %j, naming the field", (over, message) => {
    expect(() => feasibility({ ...base, ...over })).toThrow(message);
  });
});

describe("fullCopyWarnings", () => {
  it("warns that two-step DR-region copies are full every interval", () => {
    const w = fullCopyWarnings({ role: "dr", copyMode: "two-step", drRegion: "eu-central-1" });
    expect(w[0]).toMatch(/two-step.*full copy every interval/);
    expect(w[1]).toMatch(/^Aurora DB clusters: every copy is a full copy/);
  });

  it("says fan-out falls back to two-step for clusters", () => {
    const w = fullCopyWarnings({ role: "dr", copyMode: "fan-out", drRegion: "eu-central-1" });
    expect(w).toHaveLength(1);
    expect(w[0]).toContain("fan-out falls back to two-step for them");
  });

  it("asks a source stack for the DR region when a one-step cross-region mode needs the source key there", () => {
    expect(fullCopyWarnings({ role: "source", copyMode: "fan-out" })[0]).toMatch(/set drRegion here too/);
    expect(fullCopyWarnings({ role: "source", copyMode: "fan-out", drRegion: "eu-central-1" })).toEqual([]);
    expect(fullCopyWarnings({ role: "dr", copyMode: "fan-out" })).toEqual([]);
  });
});

describe("formatMinutes", () => {
  it.each([
    [45, "45 min"],
    [60, "1 h"],
    [90, "1 h 30 min"],
    [120, "2 h"],
    [824, "14 h"],
  ])("%d -> %s", (m, text) => {
    expect(formatMinutes(m)).toBe(text);
  });
});

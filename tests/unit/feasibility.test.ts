import { describe, expect, it } from "vitest";
import { copyMinutesFor, DEFAULT_COPY_THROUGHPUT } from "../../config/assumptions";
import {
  type FeasibilityInput,
  feasibility,
  feasibilityOfFleet,
  formatMinutes,
  fullCopyWarnings,
  legsOf,
} from "../../config/feasibility";

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
    // COPY-QUEUE-SAME-DB: both legs come from the share at once, but the DR-region copy runs after the home copy.
    expect(f.stages).toEqual([
      { stage: "source", latencyMinutes: 10, floorMinutes: 40 },
      { stage: "dr", latencyMinutes: 10 + home, floorMinutes: 40 + home },
      { stage: "dr-region", latencyMinutes: 10 + home + region, floorMinutes: 40 + home + region },
    ]);
    expect(f.floorMinutes).toBe(40 + home + region);
    expect(f.queueMinutesPerRecoveryPoint).toBe(home + region);
    expect(f.legs.map((l) => l.inFlightMinutes)).toEqual([home, home + region]);
    expect(f.fullEveryInterval).toBe(false);
    expect(f.backlogGrows).toBe(false);
    expect(f.feasible).toBe(true);
    expect(f.reason).toBeUndefined();
  });

  it("chains two-step's region leg after the home copy, and it is full every interval", () => {
    const f = feasibility({ ...base, mode: "two-step", rpoMinutes: 600, intervalMinutes: 120 });
    const home = copyMinutesFor(1, false); // 200 GB * 0.5 %/h * 2 h = 2 GB... capped per interval below
    const region = copyMinutesFor(200, true); // 85 min, under the 120-minute interval
    expect(f.legs[0]?.copyMinutes).toBe(copyMinutesFor(2, false));
    expect(home).toBeLessThan(f.legs[0]?.copyMinutes ?? 0);
    const h = f.legs[0]?.copyMinutes ?? 0;
    expect(f.stages[2]).toEqual({
      stage: "dr-region",
      latencyMinutes: 10 + h + region,
      floorMinutes: 10 + h + region + 120,
    });
    expect(f.fullEveryInterval).toBe(true);
    expect(f.feasible).toBe(true);
  });

  it("same-DB queue: legs each shorter than the interval but together longer make the backlog grow", () => {
    // customers-db of scenarios/fanout-vs-two-step-two-step.yaml: 50 GB, 2 %/h, snapshots every 30 min. The home
    // copy (5.05 min) and the full region copy (25 min) each fit the interval; one after the other they don't.
    const i: FeasibilityInput = {
      ...base,
      dbId: "customers-db",
      sizeGb: 50,
      changePercentPerHour: 2,
      snapshotMinutes: 3.25,
      mode: "two-step",
      rpoMinutes: 600,
    };
    const [home, region] = legsOf(i);
    expect(home?.copyMinutes).toBeLessThan(30);
    expect(region?.copyMinutes).toBeLessThan(30);
    const f = feasibility(i);
    expect(f.queueMinutesPerRecoveryPoint).toBeCloseTo(30.05, 9);
    expect(f.backlogGrows).toBe(true);
    expect(f.feasible).toBe(false);
    expect(f.seedMinutes).toBe(Number.POSITIVE_INFINITY);
    expect(f.reason).toContain("copies of one DB run one after the other: 30 min per recovery point, not less than");
    expect(f.reason).toContain("so the backlog grows");
    // Each stage's spacing is the queue's busy time, not the interval.
    expect(f.stages[1]?.floorMinutes).toBeCloseTo(3.25 + (home?.copyMinutes ?? 0) + 30.05, 9);
  });

  it("reports a 2 TB Aurora cluster as infeasible with the copy arithmetic in the reason", () => {
    const f = feasibility({ ...base, dbId: "big-aurora", kind: "cluster", sizeGb: 2048, rpoMinutes: 60 });
    expect(f.feasible).toBe(false);
    expect(f.fullEveryInterval).toBe(true);
    expect(f.backlogGrows).toBe(true);
    expect(f.reason).toMatch(/^Aurora copies are full: 2,048 GB at 150 GB\/h cross-region = 14 h per copy; /);
    expect(f.reason).toContain("copies of one DB run one after the other: 17 h per recovery point");
    expect(f.reason).toContain("no steady recovery-point age (RPO 1 h)");
    // Cluster under fan-out = two-step: home full copy, then a full cross-region copy of it, in one queue.
    const home = copyMinutesFor(2048, false);
    const region = copyMinutesFor(2048, true);
    expect(f.floorMinutes).toBeCloseTo(10 + home + region + home + region, 9);
  });

  it("copies in flight per region: the DBs of one DR stack share its copy slots", () => {
    // 8 instances of 100 GB at 6 %/h: each interval's copies move 3 GB, 5.3 min home + 6.2 min region queued
    // behind it, so each DB holds about 0.18 home and 0.38 region slots on average.
    const dbs = Array.from({ length: 8 }, (_, n) => ({
      ...base,
      dbId: `db${n}`,
      sizeGb: 100,
      changePercentPerHour: 6,
      rpoMinutes: 120,
    }));
    const alone = feasibility(dbs[0] as FeasibilityInput);
    expect(alone.feasible).toBe(true);
    const region = alone.legs[1]?.inFlightMinutes ?? 0;
    expect(8 * (region / 30)).toBeGreaterThan(2);
    const roomy = feasibilityOfFleet(dbs, 5);
    expect(roomy.every((f) => f.feasible)).toBe(true);
    expect(roomy[0]?.floorMinutes).toBe(alone.floorMinutes);
    const tight = feasibilityOfFleet(dbs, 2);
    expect(tight.every((f) => !f.feasible && f.backlogGrows)).toBe(true);
    expect(tight[0]?.stages[2]?.floorMinutes).toBeCloseTo((alone.stages[2]?.latencyMinutes ?? 0) + (8 * region) / 2, 9);
    expect(tight[0]?.reason).toMatch(
      /copies into the dr-region region of all DBs need 3.1 copy slots on average, not less than the 2 slots/,
    );
    // A 500 GB cluster whose own queue cannot keep up always has copies of its backlog waiting: without a per-DB
    // cap it holds every slot and the instance beside it can no longer keep up either; with the Copier's per-DB cap
    // (maxCopiesInFlightPerDb 1) it holds one slot per region and the instance keeps its own floor.
    const cluster = { ...base, dbId: "aurora", kind: "cluster" as const, sizeGb: 500 };
    const uncapped = feasibilityOfFleet([cluster, dbs[0] as FeasibilityInput], 2);
    expect(uncapped.map((f) => f.feasible)).toEqual([false, false]);
    expect(uncapped[1]?.reason).toMatch(
      /need 2.4 copy slots on average, not less than the 2 slots, so the backlog grows \(DBs whose own copies cannot keep up hold 2 slot\(s\) each, maxCopiesInFlightPerDb: aurora\)/,
    );
    const capped = feasibilityOfFleet([cluster, dbs[0] as FeasibilityInput], 2, 1);
    expect(capped.map((f) => f.feasible)).toEqual([false, true]);
    expect(capped[1]?.floorMinutes).toBe(alone.floorMinutes);
    expect(() => feasibilityOfFleet(dbs, 2, 0)).toThrow(/perDbSlots must be a number >= 1 \(got 0\)/);
    expect(() => feasibilityOfFleet(dbs, 0)).toThrow(/copySlots must be a number >= 1 \(got 0\)/);
  });

  it("estimates the seeding: first snapshot and full copies one after the other, then the backlog drains", () => {
    // billing-ledger of the fan-out pair: 400 GB, 0.25 %/h; first snapshot 23 min, first copies full.
    const i: FeasibilityInput = {
      ...base,
      dbId: "billing-ledger",
      sizeGb: 400,
      changePercentPerHour: 0.25,
      snapshotMinutes: 3.25,
      firstSnapshotMinutes: 23,
    };
    const f = feasibility(i);
    // 45 + 165 min of full copies, at the slow end of the 20 % jitter.
    const chain = 23 + (copyMinutesFor(400, false) + copyMinutesFor(400, true)) * 1.2;
    expect(chain).toBeCloseTo(275, 9);
    const load = f.queueMinutesPerRecoveryPoint / 30;
    expect(f.seedMinutes).toBeCloseTo(chain / (1 - load), 9);
    // The 3-day fan-out run with a 6 h warm-up scored billing-ledger's seeding (ages of 65 min until about 7 h).
    expect(f.seedMinutes).toBeGreaterThan(6.5 * 60);
    expect(feasibility({ ...i, firstSnapshotMinutes: undefined }).seedMinutes).toBeCloseTo(
      (chain - 23 + 3.25) / (1 - load),
      9,
    );
  });

  it("uses the throughput it is given (the scenario's), not only the default", () => {
    const t = { ...DEFAULT_COPY_THROUGHPUT, crossRegionGbPerHour: 2048 * 60 };
    const f = feasibility({ ...base, kind: "cluster", sizeGb: 2048, mode: "two-step", rpoMinutes: 60, throughput: t });
    expect(f.legs[1]?.copyMinutes).toBe(DEFAULT_COPY_THROUGHPUT.fixedMinutes + 1);
    expect(f.feasible).toBe(false); // the full home copy: 2,048 GB at 600 GB/h
    const fast = { ...t, sameRegionGbPerHour: 2048 * 60 };
    expect(feasibility({ ...base, kind: "cluster", sizeGb: 2048, mode: "two-step", throughput: fast }).feasible).toBe(
      true,
    );
  });

  it("direct mode cannot copy a cluster across account and region: infeasible whatever the sizes", () => {
    const f = feasibility({ ...base, kind: "cluster", sizeGb: 1, mode: "direct", rpoMinutes: 6000 });
    expect(f.feasible).toBe(false);
    expect(f.reason).toMatch(
      /^copyMode "direct": RDS copies a DB cluster snapshot across accounts only within one region/,
    );
    expect(feasibility({ ...base, kind: "cluster", sizeGb: 1, mode: "direct", singleAccount: true }).feasible).toBe(
      true,
    );
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

  it("warns that direct mode cannot copy clusters", () => {
    const w = fullCopyWarnings({ role: "dr", copyMode: "direct", drRegion: "eu-central-1" });
    expect(w[0]).toMatch(/^copyMode "direct" cannot copy Aurora DB cluster snapshots/);
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

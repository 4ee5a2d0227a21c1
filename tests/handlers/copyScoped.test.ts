import { CopyDBSnapshotCommand } from "@aws-sdk/client-rds";
import { describe, expect, it, vi } from "vitest";
import { makeHandler as makeCheck } from "../../functions/check/handler";
import { makeHandler as makeCopy } from "../../functions/copy/handler";
import { slotRetrySeconds } from "../../functions/copy/nextCheck";
import { listFilterOf } from "../../functions/copy/state";
import { makeSweepLister } from "../../functions/copy/sweep";
import { drCopyId } from "../../functions/lib/identifiers";
import { arnOfRaw, DR, HOME, rawCopy, rawShared, SRC_A } from "../unit/copyFixtures";
import { type DescribeCall, world } from "./copyWorld";

const T1 = "2026-03-01T10:00:00.000Z";
const T2 = "2026-03-01T11:00:00.000Z";
const id = (db: string, at: string) => drCopyId(SRC_A, db, new Date(at));

/** 20 other DBs: each with a finished copy and a running one, so the home region has 20 copies in flight. */
function crowded(limit: number, expectedCopyMinutes?: number) {
  const others = Array.from({ length: 20 }, (_, i) => `db${i}`);
  const manual = others.flatMap((db) => [
    rawCopy({ id: id(db, T1), stage: "dr", dbId: db, at: T1 }),
    rawCopy({ id: id(db, T2), stage: "dr", status: "creating", dbId: db, at: T2 }),
  ]);
  const orders = rawShared({ account: SRC_A, dbId: "orders", at: T2 });
  const shared = [orders, ...others.map((db) => rawShared({ account: SRC_A, dbId: db, at: T2 }))];
  return {
    w: world({ home: { shared, manual }, config: { maxCopiesInFlight: limit, expectedCopyMinutes } }),
    orders,
    home: { shared, manual },
  };
}

const filtered = (calls: readonly DescribeCall[]) => calls.filter((c) => c.dbId !== undefined);
const full = (calls: readonly DescribeCall[]) => calls.filter((c) => c.dbId === undefined);

describe("scoped Copier and Checker runs", () => {
  it("a scoped check lists only its DB (server-side filter) and reports pending for that scope only", async () => {
    const { w } = crowded(50);
    const running = rawCopy({ id: id("orders", T1), stage: "dr", status: "creating", dbId: "orders", at: T1 });
    const w2 = world({
      home: { shared: [rawShared({ account: SRC_A, dbId: "db1", at: T2 })], manual: [running] },
      config: { maxCopiesInFlight: 5 },
    });
    const summary = await makeCheck(w2.deps)({ dbId: "orders" });
    expect(summary).toEqual({
      pending: 1,
      inProgress: [id("orders", T1)],
      waiting: 0,
      ready: 0,
      failed: 0,
      nextCheckSeconds: 226_800,
    });
    // Nothing to start, so nothing but the DB's own snapshots is listed.
    expect(w2.homeDescribes.length).toBeGreaterThan(0);
    expect(w2.homeDescribes.every((c) => c.dbId === "orders")).toBe(true);
    // The sweep over the same crowded world lists without a filter and sees every DB.
    const sweep = await makeCheck(w.deps)({});
    expect(sweep.pending).toBe(41);
    expect(filtered(w.homeDescribes)).toEqual([]);
  });

  it("a check scoped by snapshotArn filters by the DB named in the snapshot identifier, and by kind", async () => {
    const { w, orders } = crowded(50);
    const summary = await makeCheck(w.deps)({ snapshotArn: arnOfRaw(orders) });
    expect(summary.pending).toBe(1);
    expect(summary.ready).toBe(1);
    const byFilter = filtered(w.homeDescribes);
    expect(byFilter.length).toBeGreaterThan(0);
    expect(byFilter.every((c) => c.dbId === "orders" && c.kind === "instance")).toBe(true);
    // The read-only check never lists a region in full, even when its plan would start a copy.
    expect(full(w.homeDescribes)).toEqual([]);
    expect(full(w.drDescribes)).toEqual([]);
  });

  it("a scoped check reports a startable copy as ready even when other DBs fill every slot; the Copier then waits on RDS's refusal", async () => {
    // 20 copies of other DBs run in the home region and the limit is 20: no slot is free, and RDS says so.
    const { w } = crowded(20, 120);
    const checked = await makeCheck(w.deps)({ dbId: "orders" });
    // Neither step counts other DBs' slots (no unfiltered Describe call: reads bounded by the work, issue 10)...
    expect(checked).toEqual({ pending: 1, inProgress: [], waiting: 0, ready: 1, failed: 0, nextCheckSeconds: 0 });
    w.home.on(CopyDBSnapshotCommand).rejects(
      Object.assign(new Error("Cannot have more than 20 snapshot copies in progress"), {
        name: "SnapshotQuotaExceeded",
        $metadata: {},
      }),
    );
    // ...so the Copier tries, RDS refuses with SnapshotQuotaExceeded, and the copy waits (back-pressure, no failure).
    // None of its copies runs, so the next try comes after a random wait (slotRetrySeconds): `orders` has no DR copy
    // yet, so its staleness is the refused recovery point's age, 13 h (T2 to the world's clock) of the 24 h window.
    const random = vi.spyOn(Math, "random").mockReturnValue(0.5);
    try {
      const copied = await makeCopy(w.deps)({ dbId: "orders" });
      expect(copied).toMatchObject({ started: 0, waiting: 1, pending: 1, failed: 0 });
      // At expectedCopyMinutes 120 the spread is 1,800 s.
      expect(copied.nextCheckSeconds).toBe(slotRetrySeconds(() => 0.5, 120, 13 / 24));
      // 1,800 s × (1 − 0.75 × 13/24) × 0.75: sooner than a DB with a fresh DR copy would try (900 s to 1,800 s).
      expect(copied.nextCheckSeconds).toBe(802);
      random.mockReturnValue(0.1);
      expect((await makeCopy(w.deps)({ dbId: "orders" })).nextCheckSeconds).toBe(
        slotRetrySeconds(() => 0.1, 120, 13 / 24),
      );
    } finally {
      random.mockRestore();
    }
    expect(full(w.homeDescribes)).toEqual([]);
    expect(full(w.drDescribes)).toEqual([]);
  });

  it("a refused copy of a DB with a DR copy waits by that copy's staleness", async () => {
    // As above, but `orders` already has an available DR-region copy of T1: its staleness is T1's age, 14 h of the 24 h
    // window, not the refused recovery point's (the DB's newest final copy, read only when a copy was refused).
    const { home } = crowded(20, 120);
    const done = rawCopy({ id: id("orders", T1), stage: "dr-region", dbId: "orders", at: T1 });
    const w = world({
      home,
      dr: { manual: [done] },
      config: { maxCopiesInFlight: 20, expectedCopyMinutes: 120 },
    });
    w.home.on(CopyDBSnapshotCommand).rejects(
      Object.assign(new Error("Cannot have more than 20 snapshot copies in progress"), {
        name: "SnapshotQuotaExceeded",
        $metadata: {},
      }),
    );
    const random = vi.spyOn(Math, "random").mockReturnValue(0.5);
    try {
      const copied = await makeCopy(w.deps)({ dbId: "orders" });
      expect(copied).toMatchObject({ started: 0, waiting: 1, pending: 1, failed: 0 });
      expect(copied.nextCheckSeconds).toBe(slotRetrySeconds(() => 0.5, 120, 14 / 24));
      expect(copied.nextCheckSeconds).not.toBe(slotRetrySeconds(() => 0.5, 120, 13 / 24));
    } finally {
      random.mockRestore();
    }
  });

  it("a sweep lists only the DBs it can progress: none while every slot is taken, the copy the free slot goes to", async () => {
    // Home region only (no second leg): 20 DBs with a copy running and `orders` waiting. With the limit at 20 no DB
    // gets an item (an iteration could only wait); with one slot free, `orders` does. The DBs whose copies are running
    // need no item either way.
    const homeOnly = (limit: number) => {
      const { home } = crowded(limit);
      return world({
        home,
        config: { maxCopiesInFlight: limit, drRegion: undefined, drRegionKmsKeyArn: undefined, mode: "fan-out" },
      });
    };
    expect((await makeSweepLister(homeOnly(20).deps)()).items).toEqual([]);
    expect((await makeSweepLister(homeOnly(21).deps)()).items).toEqual([
      { dbId: "orders", dbKind: "instance", dbIds: ["orders"] },
    ]);
    // With a DR region, the same DBs' finished home copies each have a second leg to start: those DBs get items
    // (packed several DBs to an item, functions/lib/sweep.ts packSweepItems).
    const twoStep = (await makeSweepLister(crowded(20).w.deps)()).items.flatMap((i) => i.dbIds ?? [i.dbId]);
    expect(twoStep).toHaveLength(20);
    expect(twoStep).not.toContain("orders");
  });

  it("starts the scoped copy without listing the destination region, and copies nothing else", async () => {
    const { w } = crowded(21);
    const summary = await makeCopy(w.deps)({ dbId: "orders" });
    expect(summary).toMatchObject({ started: 1, waiting: 0, pending: 1, failed: 0 });
    expect(full(w.homeDescribes)).toEqual([]);
    const copies = w.home.calls().filter((c) => c.args[0].constructor.name === "CopyDBSnapshotCommand");
    expect(
      copies.map((c) => (c.args[0].input as { TargetDBSnapshotIdentifier: string }).TargetDBSnapshotIdentifier),
    ).toEqual([id("orders", T2)]);
  });

  it("a Copier run held back by its DB's own copy in flight (per-DB cap) times its next look by that copy", async () => {
    // `orders` copies its 23:50 recovery point (started 10 minutes before the world's clock, 10 % done: about 90
    // minutes left); the run for the 11:00 snapshot may not start another copy of the DB (cap 1). Its own scope has
    // nothing running, so before it waited the loop's shortest wait; now it looks again after half of the blocking
    // copy's time left (COPY_ETA_FRACTION).
    const late = "2026-03-01T23:50:00.000Z";
    const shared = rawShared({ account: SRC_A, dbId: "orders", at: T2 });
    const w = world({
      home: {
        shared: [shared],
        manual: [rawCopy({ id: id("orders", late), stage: "dr", status: "creating", dbId: "orders", at: late })],
      },
      config: { maxCopiesInFlight: 20, maxCopiesInFlightPerDb: 1, expectedCopyMinutes: 60 },
    });
    const summary = await makeCopy(w.deps)({ snapshotArn: arnOfRaw(shared) });
    expect(summary).toMatchObject({ started: 0, waiting: 1, pending: 1, failed: 0 });
    expect(summary.nextCheckSeconds).toBe(45 * 60);
  });

  describe("superseded recovery points", () => {
    // `orders` copies its 23:50 recovery point (per-DB cap 1); snapshots of 11:00 and 12:00 are shared since.
    const late = "2026-03-01T23:50:00.000Z";
    const T3 = "2026-03-01T12:00:00.000Z";
    const older = rawShared({ account: SRC_A, dbId: "orders", at: T2 });
    const newer = rawShared({ account: SRC_A, dbId: "orders", at: T3 });
    const running = rawCopy({ id: id("orders", late), stage: "dr", status: "creating", dbId: "orders", at: late });
    const make = (manual = [running], perDb = 1) =>
      world({
        home: { shared: [older, newer], manual },
        config: {
          maxCopiesInFlight: 20,
          maxCopiesInFlightPerDb: perDb,
          expectedCopyMinutes: 60,
          drRegion: undefined,
          drRegionKmsKeyArn: undefined,
          mode: "fan-out",
        },
      });
    const copyCalls = (w: ReturnType<typeof make>) =>
      w.home.calls().filter((c) => c.args[0].constructor.name === "CopyDBSnapshotCommand");

    it("a run held back by its DB's copy in flight ends when a newer snapshot of the DB is available", async () => {
      const w = make();
      const summary = await makeCopy(w.deps)({ snapshotArn: arnOfRaw(older) });
      expect(summary).toMatchObject({ started: 0, waiting: 0, pending: 0, superseded: 1, failed: 0 });
      // No wait is suggested (0: no estimate): the state machine sees nothing pending and ends the execution.
      expect(summary.nextCheckSeconds).toBe(0);
      expect(copyCalls(w)).toEqual([]);
    });

    it("the newest snapshot's run keeps waiting for the slot", async () => {
      const summary = await makeCopy(make().deps)({ snapshotArn: arnOfRaw(newer) });
      expect(summary).toMatchObject({ started: 0, waiting: 1, pending: 1, superseded: 0 });
      expect(summary.nextCheckSeconds).toBe(45 * 60);
    });

    it("a run that can start its copy starts it, newer snapshot or not", async () => {
      const w = make([running], 2);
      const summary = await makeCopy(w.deps)({ snapshotArn: arnOfRaw(older) });
      expect(summary).toMatchObject({ started: 1, pending: 1, superseded: 0 });
      expect(copyCalls(w)).toHaveLength(1);
    });

    it("a recovery point with a copy already made somewhere is never superseded", async () => {
      // Its copy failed and is kept for the operator: the run keeps failing loudly instead of ending quietly.
      const failedCopy = rawCopy({ id: id("orders", T2), stage: "dr", status: "failed", dbId: "orders", at: T2 });
      await expect(makeCopy(make([running, failedCopy]).deps)({ snapshotArn: arnOfRaw(older) })).rejects.toThrow(
        /CopyFailed: rpl-111122223333-orders-20260301-1100: the copy in eu-west-1 has status failed/,
      );
    });
  });

  it("a scoped check still reports waiting when its own DB's copies fill the limit", async () => {
    const running = ["2026-03-01T08:00:00.000Z", T1].map((at) =>
      rawCopy({ id: id("orders", at), stage: "dr", status: "creating", dbId: "orders", at }),
    );
    const w = world({
      home: { shared: [rawShared({ account: SRC_A, dbId: "orders", at: T2 })], manual: running },
      config: { maxCopiesInFlight: 2 },
    });
    const summary = await makeCheck(w.deps)({ dbId: "orders" });
    expect(summary).toMatchObject({ pending: 3, waiting: 1, ready: 0, failed: 0 });
    expect(full(w.homeDescribes)).toEqual([]);
  });
});

describe("listFilterOf", () => {
  it("reads the DB and kind back from a Taker snapshot ARN", () => {
    expect(
      listFilterOf({ kind: "snapshot", snapshotArn: `arn:aws:rds:${HOME}:${SRC_A}:snapshot:rpl-orders-20260301-1100` }),
    ).toEqual({
      dbId: "orders",
      kind: "instance",
    });
    expect(
      listFilterOf({
        kind: "snapshot",
        snapshotArn: `arn:aws:rds:${HOME}:${SRC_A}:cluster-snapshot:rpl-led-ger-20260301-1100`,
      }),
    ).toEqual({ dbId: "led-ger", kind: "cluster" });
    expect(listFilterOf({ kind: "db", dbId: "orders" })).toEqual({ dbId: "orders" });
  });

  it.each([
    ["a sweep", { kind: "sweep" } as const],
    [
      "a name that is not the Taker's",
      { kind: "snapshot", snapshotArn: `arn:aws:rds:${DR}:${SRC_A}:snapshot:nightly-orders` } as const,
    ],
    [
      "an impossible time",
      { kind: "snapshot", snapshotArn: `arn:aws:rds:${HOME}:${SRC_A}:snapshot:rpl-orders-20261399-2599` } as const,
    ],
    [
      "a name shortened with a hash",
      {
        kind: "snapshot",
        snapshotArn: `arn:aws:rds:${HOME}:${SRC_A}:snapshot:rpl-${"a".repeat(36)}-0abcdef-20260301-1100`,
      } as const,
    ],
  ])("lists everything for %s", (_name, scope) => {
    expect(listFilterOf(scope)).toBeUndefined();
  });
});

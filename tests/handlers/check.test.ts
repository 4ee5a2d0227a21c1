import { describe, expect, it } from "vitest";
import { makeHandler as makeCheck } from "../../functions/check/handler";
import { makeHandler as makeCopy } from "../../functions/copy/handler";
import { drCopyId } from "../../functions/lib/identifiers";
import { arnOfRaw, homeCopyArn, type RawSnap, rawCopy, rawShared, SRC_A, SRC_B } from "../unit/copyFixtures";
import { type RegionState, world } from "./copyWorld";

const T1 = "2026-03-01T10:00:00.000Z";
const T2 = "2026-03-01T11:00:00.000Z";
const id = (acct: string, db: string, at: string) => drCopyId(acct, db, new Date(at));

/** A DR account mid-way: one home copy running, one DR-region copy running, one home copy ready for the region,
 * one finished recovery point whose intermediate copy can go, and three new shares. */
function busyState(): { home: RegionState; dr: RegionState } {
  const running = id(SRC_A, "orders", T1);
  const regionRunning = id(SRC_A, "billing", T1);
  const ready = id(SRC_B, "orders", T1);
  const finished = id(SRC_B, "billing", T1);
  const home: RawSnap[] = [
    rawCopy({ id: running, stage: "dr", status: "creating", dbId: "orders", at: T1 }),
    rawCopy({ id: regionRunning, stage: "dr", dbId: "billing", at: T1 }),
    rawCopy({ id: ready, stage: "dr", dbId: "orders", account: SRC_B, at: T1 }),
    rawCopy({ id: finished, stage: "dr", dbId: "billing", account: SRC_B, at: T1 }),
  ];
  const dr: RawSnap[] = [
    rawCopy({
      id: regionRunning,
      stage: "dr-region",
      status: "copying",
      dbId: "billing",
      at: T1,
      copiedFrom: homeCopyArn(regionRunning),
    }),
    rawCopy({
      id: finished,
      stage: "dr-region",
      dbId: "billing",
      account: SRC_B,
      at: T1,
      copiedFrom: homeCopyArn(finished),
    }),
  ];
  const shared = ["a", "b", "c"].map((db) => rawShared({ account: SRC_A, dbId: db, at: T2 }));
  return { home: { shared, manual: home }, dr: { manual: dr } };
}

describe("check handler", () => {
  it("reports pending, running, waiting and ready work without changing anything", async () => {
    // Prepare: limit 3 -> home has 1 running, so 2 of the 3 new shares fit; the region has 1 running.
    const w = world({ ...busyState(), config: { maxCopiesInFlight: 3, deleteIntermediate: true } });
    // Act
    const summary = await makeCheck(w.deps)({});
    // Assert
    expect(summary).toEqual({
      pending: 6,
      inProgress: expect.arrayContaining([id(SRC_A, "orders", T1), id(SRC_A, "billing", T1)]),
      waiting: 1,
      ready: 4,
      failed: 0,
      // Both running copies show 10 % after 14 h: 126 h left each; half of it (COPY_ETA_FRACTION). The state machine
      // clamps the wait to its longest.
      nextCheckSeconds: 226_800,
    });
    expect(summary.inProgress).toHaveLength(2);
    const commands = [...w.home.calls(), ...w.dr.calls()].map((c) => c.args[0].constructor.name);
    expect(commands.length).toBeGreaterThan(0);
    expect(commands.every((n) => n.startsWith("Describe"))).toBe(true);
  });

  it("agrees with what the Copier then does", async () => {
    const opts = { config: { maxCopiesInFlight: 3, deleteIntermediate: true } };
    const checked = await makeCheck(world({ ...busyState(), ...opts }).deps)({});
    const copied = await makeCopy(world({ ...busyState(), ...opts }).deps)({});
    expect(copied.started + copied.regionStarted + copied.intermediateDeleted).toBe(checked.ready);
    expect(copied.waiting).toBe(checked.waiting);
    expect(copied.pending).toBe(checked.pending);
    expect(copied).toMatchObject({ started: 2, regionStarted: 1, intermediateDeleted: 1 });
  });

  it("follows one shared snapshot through its copies when scoped by the share event", async () => {
    const s = rawShared({ account: SRC_A, dbId: "orders", at: T1 });
    const running = rawCopy({
      id: id(SRC_A, "orders", T1),
      stage: "dr-region",
      status: "creating",
      dbId: "orders",
      at: T1,
      copiedFrom: arnOfRaw(s),
    });
    const other = rawShared({ account: SRC_B, dbId: "billing", at: T1 });
    const w = world({ home: { shared: [s, other] }, dr: { manual: [running] }, config: { mode: "direct" } });
    const summary = await makeCheck(w.deps)({ detail: { snapshotArn: arnOfRaw(s) } });
    expect(summary).toEqual({
      pending: 1,
      inProgress: [id(SRC_A, "orders", T1)],
      waiting: 0,
      ready: 0,
      failed: 0,
      nextCheckSeconds: 226_800,
    });
  });

  it("reports nothing pending once the final copy is available", async () => {
    const s = rawShared({ account: SRC_A, dbId: "orders", at: T1 });
    const done = rawCopy({ id: id(SRC_A, "orders", T1), stage: "dr-region", dbId: "orders", at: T1 });
    const w = world({ home: { shared: [s] }, dr: { manual: [done] } });
    expect(await makeCheck(w.deps)({ snapshotArn: arnOfRaw(s) })).toEqual({
      pending: 0,
      inProgress: [],
      waiting: 0,
      ready: 0,
      failed: 0,
      // Nothing runs: no estimate, the loop would wait its minimum.
      nextCheckSeconds: 0,
    });
  });

  it("counts items that need an operator as failed, not pending", async () => {
    const s = rawShared({ account: SRC_A, dbId: "aurora", at: T1, kind: "cluster", encrypted: false });
    const w = world({ home: { shared: [s] } });
    expect(await makeCheck(w.deps)({})).toMatchObject({ pending: 0, failed: 1, ready: 0 });
  });

  it("rejects a malformed scope, naming the field", async () => {
    const w = world();
    await expect(makeCheck(w.deps)({ dbId: 42 })).rejects.toThrow(/dbId must be a DB instance or cluster identifier/);
  });
});

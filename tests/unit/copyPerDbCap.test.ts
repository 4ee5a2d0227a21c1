import { describe, expect, it } from "vitest";
import type { CopyScope } from "../../functions/copy/event";
import { dbAllowance, dbKeyOf, inFlightPerDb } from "../../functions/copy/perDbCap";
import { type CopyAction, type CopyPlanInput, planCopy } from "../../functions/copy/plan";
import { drCopyId } from "../../functions/lib/identifiers";
import { config, DR, HOME, model, type RawSnap, rawCopy, rawShared, SRC_A, SRC_B } from "./copyFixtures";

const NOW = "2026-03-01T13:00:00.000Z";
/** Recovery points every 30 minutes from 08:00 to 12:30, all inside the 24-hour copy window. */
const TIMES = Array.from({ length: 10 }, (_, i) => new Date(Date.parse("2026-03-01T08:00:00.000Z") + i * 1_800_000));

function input(o: {
  shared?: RawSnap[];
  home?: RawSnap[];
  regional?: RawSnap[];
  config?: Parameters<typeof config>[0];
  scope?: CopyScope;
}): CopyPlanInput {
  return {
    config: config(o.config),
    scope: o.scope ?? { kind: "sweep" },
    now: new Date(NOW),
    shared: (o.shared ?? []).map(model),
    home: (o.home ?? []).map(model),
    regional: (o.regional ?? []).map(model),
  };
}

const copies = (actions: readonly { type: string }[]) => actions.filter((a): a is CopyAction => a.type === "copy");
const shares = (dbId: string, times: readonly Date[], kind: "instance" | "cluster" = "instance") =>
  times.map((t) => rawShared({ account: SRC_A, dbId, at: t.toISOString(), kind }));
/** Home-region copies of `dbId` still running (the DB's backlog queued in RDS). */
const running = (dbId: string, times: readonly Date[], kind: "instance" | "cluster" = "instance") =>
  times.map((t) =>
    rawCopy({ id: drCopyId(SRC_A, dbId, t), kind, stage: "dr", status: "copying", dbId, at: t.toISOString() }),
  );

describe("per-DB cap on copies in flight (maxCopiesInFlightPerDb)", () => {
  it("an infeasible DB with a backlog gets no more than its cap of the free slots", () => {
    // Prepare: "big" (a cluster whose full copies cannot keep up) has 10 recovery points waiting and none copied yet;
    // "small" has one. Without a cap, the backlog of "big" takes every free slot after the newest of each DB.
    const shared = [...shares("big", TIMES, "cluster"), ...shares("small", [TIMES[9]!])];
    const uncapped = planCopy(input({ shared, config: { maxCopiesInFlight: 5 } }));
    expect(copies(uncapped.actions).map((a) => a.tags["rpl-source-db"])).toEqual(["big", "small", "big", "big", "big"]);
    // Act
    const capped = planCopy(input({ shared, config: { maxCopiesInFlight: 5, maxCopiesInFlightPerDb: 1 } }));
    // Assert: "big" gets one slot (its newest recovery point), "small" gets one, three stay free.
    expect(copies(capped.actions).map((a) => a.targetId)).toEqual([
      drCopyId(SRC_A, "big", TIMES[9]!),
      drCopyId(SRC_A, "small", TIMES[9]!),
    ]);
    expect(capped.progress).toMatchObject({ waiting: 9, ready: 2, inFlight: { [HOME]: 0, [DR]: 0 } });
  });

  it("a feasible DB gets the slot a DB at its cap would otherwise take", () => {
    // Prepare: "big" already has 2 copies of its backlog running; one of the region's 3 slots is free. "big" is the
    // furthest behind (nothing copied), so without a cap its newest recovery point takes that slot.
    const shared = [...shares("big", TIMES, "cluster"), ...shares("small", [TIMES[9]!])];
    const home = running("big", TIMES.slice(0, 2), "cluster");
    const uncapped = planCopy(input({ shared, home, config: { maxCopiesInFlight: 3 } }));
    expect(copies(uncapped.actions).map((a) => a.targetId)).toEqual([drCopyId(SRC_A, "big", TIMES[9]!)]);
    // Act
    const capped = planCopy(input({ shared, home, config: { maxCopiesInFlight: 3, maxCopiesInFlightPerDb: 2 } }));
    // Assert
    expect(copies(capped.actions).map((a) => a.targetId)).toEqual([drCopyId(SRC_A, "small", TIMES[9]!)]);
    expect(capped.progress).toMatchObject({ ready: 1, waiting: 8, inFlight: { [HOME]: 2 } });
  });

  it("counts the copies a DB already has in flight against its cap", () => {
    const shared = [...shares("big", TIMES, "cluster"), ...shares("small", [TIMES[9]!])];
    const home = running("big", TIMES.slice(0, 2), "cluster");
    const plan = planCopy(input({ shared, home, config: { maxCopiesInFlight: 5, maxCopiesInFlightPerDb: 2 } }));
    // "big" already holds 2 of the home region's slots: only "small" starts.
    expect(copies(plan.actions).map((a) => a.targetId)).toEqual([drCopyId(SRC_A, "small", TIMES[9]!)]);
    expect(plan.progress.inFlight[HOME]).toBe(2);
  });

  it("gives a DB under its cap its newest recovery points first", () => {
    const plan = planCopy(
      input({ shared: shares("db1", TIMES.slice(0, 4)), config: { maxCopiesInFlight: 5, maxCopiesInFlightPerDb: 2 } }),
    );
    expect(copies(plan.actions).map((a) => a.targetId)).toEqual([
      drCopyId(SRC_A, "db1", TIMES[3]!),
      drCopyId(SRC_A, "db1", TIMES[2]!),
    ]);
    expect(plan.progress.waiting).toBe(2);
  });

  it("applies the cap per destination region: a two-step DB copies into both regions at once", () => {
    // db1@T0 is in the home region (available): its DR-region leg is due; db1@T1 is shared: its home leg is due.
    const home = [
      rawCopy({ id: drCopyId(SRC_A, "db1", TIMES[0]!), stage: "dr", dbId: "db1", at: TIMES[0]!.toISOString() }),
    ];
    const plan = planCopy(
      input({ shared: shares("db1", TIMES.slice(0, 2)), home, config: { maxCopiesInFlightPerDb: 1 } }),
    );
    expect(copies(plan.actions).map((a) => [a.region, a.targetId])).toEqual([
      [HOME, drCopyId(SRC_A, "db1", TIMES[1]!)],
      [DR, drCopyId(SRC_A, "db1", TIMES[0]!)],
    ]);
  });

  it("keeps DBs of different source accounts and kinds apart", () => {
    const shared = [
      rawShared({ account: SRC_A, dbId: "orders", at: TIMES[9]!.toISOString() }),
      rawShared({ account: SRC_B, dbId: "orders", at: TIMES[9]!.toISOString() }),
      rawShared({ account: SRC_A, dbId: "orders", at: TIMES[9]!.toISOString(), kind: "cluster" }),
    ];
    const home = running("orders", [TIMES[8]!]);
    const plan = planCopy(input({ shared, home, config: { maxCopiesInFlightPerDb: 1 } }));
    // SRC_A's instance "orders" already has a copy running; SRC_B's instance and SRC_A's cluster do not.
    expect(copies(plan.actions).map((a) => [a.tags["rpl-source-account"], a.kind])).toEqual([
      [SRC_A, "cluster"],
      [SRC_B, "instance"],
    ]);
  });

  it("holds in a scoped run, which lists only its own DB", () => {
    const shared = shares("big", TIMES, "cluster");
    const home = running("big", [TIMES[0]!], "cluster");
    const scope: CopyScope = { kind: "db", dbId: "big" };
    const plan = planCopy(input({ shared, home, scope, config: { maxCopiesInFlight: 20, maxCopiesInFlightPerDb: 1 } }));
    expect(plan.actions).toEqual([]);
    expect(plan.progress).toMatchObject({ ready: 0, waiting: 9 });
  });

  it("changes nothing when the cap equals the region's limit", () => {
    const shared = [...shares("big", TIMES, "cluster"), ...shares("small", [TIMES[9]!])];
    const a = planCopy(input({ shared, config: { maxCopiesInFlight: 3 } }));
    const b = planCopy(input({ shared, config: { maxCopiesInFlight: 3, maxCopiesInFlightPerDb: 3 } }));
    expect(b).toEqual(a);
  });
});

describe("perDbCap helpers", () => {
  it("counts only owned copies in progress, per kind, account and DB", () => {
    const listed = [
      ...running("a", TIMES.slice(0, 2)),
      ...running("a", [TIMES[0]!], "cluster"),
      rawCopy({ id: "rpl-done", stage: "dr", dbId: "a" }),
      rawCopy({ id: "someone-elses", stage: "dr", status: "copying", owned: false }),
      rawCopy({ id: "rpl-b", stage: "dr", status: "creating", dbId: "b", account: SRC_B }),
    ].map(model);
    expect(Object.fromEntries(inFlightPerDb(listed))).toEqual({
      [dbKeyOf("instance", SRC_A, "a")]: 2,
      [dbKeyOf("cluster", SRC_A, "a")]: 1,
      [dbKeyOf("instance", SRC_B, "b")]: 1,
    });
  });

  it.each([
    [1, 0, 1],
    [1, 1, 0],
    [2, 5, 0],
    [undefined, 7, Number.POSITIVE_INFINITY],
  ])("cap %s with %s in flight leaves %s", (cap, inFlight, left) => {
    expect(dbAllowance(cap, inFlight)).toBe(left);
  });
});

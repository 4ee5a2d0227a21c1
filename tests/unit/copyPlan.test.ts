import { describe, expect, it } from "vitest";
import type { CopyScope } from "../../functions/copy/event";
import { type CopyAction, type CopyPlanInput, planCopy } from "../../functions/copy/plan";
import { drCopyId } from "../../functions/lib/identifiers";
import {
  arnOfRaw,
  config,
  DR,
  HOME,
  HOME_KEY,
  homeCopyArn,
  model,
  type RawSnap,
  REGION_KEY,
  rawCopy,
  rawShared,
  SOURCE_KEY,
  SRC_A,
  SRC_B,
} from "./copyFixtures";

const T1 = "2026-03-01T10:00:00.000Z";
const T2 = "2026-03-01T11:00:00.000Z";
const T3 = "2026-03-01T12:00:00.000Z";

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
    shared: (o.shared ?? []).map(model),
    home: (o.home ?? []).map(model),
    regional: (o.regional ?? []).map(model),
  };
}

const idA1 = drCopyId(SRC_A, "orders", new Date(T1));
const copies = (actions: readonly { type: string }[]) => actions.filter((a): a is CopyAction => a.type === "copy");

describe("planCopy", () => {
  it("copies a shared snapshot into the home region with the DR key and the full rpl-* tag set", () => {
    // Prepare
    const s = rawShared({ account: SRC_A, dbId: "orders", at: T1 });
    // Act
    const plan = planCopy(input({ shared: [s] }));
    // Assert
    expect(plan.actions).toEqual([
      {
        type: "copy",
        item: `${SRC_A}/orders`,
        kind: "instance",
        stage: "dr",
        region: HOME,
        sourceArn: arnOfRaw(s),
        targetId: idA1,
        kmsKeyId: HOME_KEY,
        tags: {
          "rpl-managed-by": "rds-pilot-light",
          "rpl-source-db": "orders",
          "rpl-source-kind": "instance",
          "rpl-source-account": SRC_A,
          "rpl-source-region": HOME,
          "rpl-recovery-point": T1,
          "rpl-stage": "dr",
          "rpl-copied-from": arnOfRaw(s),
        },
      },
    ]);
    expect(plan.progress).toMatchObject({ pending: 1, waiting: 0, ready: 1, inProgress: [], failures: [] });
    expect(plan.progress.items[0]?.phase).toBe("copy-needed");
  });

  it("never uses the source snapshot's key, for every stage and mode", () => {
    const s = rawShared({ account: SRC_A, dbId: "orders", at: T1 });
    const c = rawShared({ account: SRC_A, dbId: "aurora", at: T1, kind: "cluster" });
    const home = rawCopy({ id: drCopyId(SRC_A, "billing", new Date(T1)), stage: "dr", dbId: "billing", at: T1 });
    for (const mode of ["two-step", "direct"] as const) {
      const plan = planCopy(input({ shared: [s, c], home: [home], config: { mode } }));
      const keys = copies(plan.actions).map((a) => a.kmsKeyId);
      expect(keys.length).toBe(3);
      expect(keys).not.toContain(SOURCE_KEY);
      for (const a of copies(plan.actions)) expect(a.kmsKeyId).toBe(a.region === HOME ? HOME_KEY : REGION_KEY);
    }
  });

  it.each([
    ["an identifier without the rpl- prefix", { id: "manual-orders-1" }, { account: SRC_A }],
    ["an account not in RPL_SOURCE_ACCOUNTS", {}, { account: "777777777777" }],
    ["a snapshot that is not available", { status: "creating" }, { account: SRC_A }],
  ])("ignores %s silently during a sweep", (_name, over, acct) => {
    const s = rawShared({ ...acct, dbId: "orders", at: T1, ...over });
    const plan = planCopy(input({ shared: [s] }));
    expect(plan.actions).toEqual([]);
    expect(plan.progress).toMatchObject({ pending: 0, skipped: [], scopeMatched: true });
  });

  it("reports a scoped snapshot from an unconfigured account as skipped, naming the variable", () => {
    const s = rawShared({ account: "777777777777", dbId: "orders", at: T1 });
    const plan = planCopy(input({ shared: [s], scope: { kind: "snapshot", snapshotArn: arnOfRaw(s) } }));
    expect(plan.actions).toEqual([]);
    expect(plan.progress.skipped).toEqual([
      { id: arnOfRaw(s), reason: "owner account 777777777777 is not in RPL_SOURCE_ACCOUNTS" },
    ]);
    expect(plan.progress.scopeMatched).toBe(true);
  });

  it("skips and reports a shared rpl- snapshot without SnapshotCreateTime", () => {
    const s = rawShared({ account: SRC_A, dbId: "orders", at: T1 });
    delete (s.raw as { SnapshotCreateTime?: Date }).SnapshotCreateTime;
    const plan = planCopy(input({ shared: [s] }));
    expect(plan.actions).toEqual([]);
    expect(plan.progress.skipped).toEqual([
      { id: arnOfRaw(s), reason: "RDS returned no DB identifier or SnapshotCreateTime for it" },
    ]);
  });

  it("gives the same DB name in two source accounts two distinct copy identifiers", () => {
    const a = rawShared({ account: SRC_A, dbId: "orders", at: T1 });
    const b = rawShared({ account: SRC_B, dbId: "orders", at: T1 });
    const plan = planCopy(input({ shared: [a, b] }));
    const ids = copies(plan.actions).map((x) => x.targetId);
    expect(ids).toEqual(expect.arrayContaining([idA1, drCopyId(SRC_B, "orders", new Date(T1))]));
    expect(new Set(ids).size).toBe(2);
  });

  describe("phases (two-step with a DR region)", () => {
    const s = rawShared({ account: SRC_A, dbId: "orders", at: T1 });
    const home = (status: string) =>
      rawCopy({ id: idA1, stage: "dr", status, dbId: "orders", at: T1, copiedFrom: arnOfRaw(s) });
    const regional = (status: string) =>
      rawCopy({ id: idA1, stage: "dr-region", status, dbId: "orders", at: T1, copiedFrom: homeCopyArn(idA1) });

    it.each([
      ["no copy yet", [], [], "copy-needed", 1, []],
      ["home copy creating", [home("creating")], [], "home-in-progress", 0, [idA1]],
      ["home copy copying", [home("copying")], [], "home-in-progress", 0, [idA1]],
      ["home copy available", [home("available")], [], "region-copy-needed", 1, []],
      ["region copy pending", [home("available")], [regional("pending")], "region-in-progress", 0, [idA1]],
      ["region copy available", [home("available")], [regional("available")], "done", 0, []],
      ["region copy available, home deleted", [], [regional("available")], "done", 0, []],
    ] as const)("%s -> %s", (_name, h, r, phase, actions, inProgress) => {
      const plan = planCopy(input({ shared: [s], home: [...h], regional: [...r] }));
      expect(plan.progress.items.map((i) => i.phase)).toEqual([phase]);
      expect(plan.actions.length).toBe(actions);
      expect(plan.progress.inProgress).toEqual(inProgress);
      expect(plan.progress.pending).toBe(phase === "done" ? 0 : 1);
    });

    it("starts the DR-region copy from the home copy's ARN with the DR-region key", () => {
      const plan = planCopy(input({ shared: [s], home: [home("available")] }));
      expect(copies(plan.actions)).toEqual([
        expect.objectContaining({
          stage: "dr-region",
          region: DR,
          sourceArn: homeCopyArn(idA1),
          targetId: idA1,
          kmsKeyId: REGION_KEY,
          tags: expect.objectContaining({ "rpl-stage": "dr-region", "rpl-copied-from": homeCopyArn(idA1) }),
        }),
      ]);
    });

    it("continues the pipeline of an owned home copy whose shared original is gone", () => {
      const plan = planCopy(input({ shared: [], home: [home("available")] }));
      expect(copies(plan.actions).map((a) => [a.region, a.sourceArn, a.tags["rpl-recovery-point"]])).toEqual([
        [DR, homeCopyArn(idA1), T1],
      ]);
    });

    it.each([
      ["failed", "the copy in eu-west-1 has status failed"],
      ["incompatible-restore", "the copy in eu-west-1 has status incompatible-restore"],
    ])("reports a home copy in status %s as failed and does not copy again", (status, msg) => {
      const plan = planCopy(input({ shared: [s], home: [home(status)] }));
      expect(plan.actions).toEqual([]);
      expect(plan.progress.failures).toEqual([
        { id: `${SRC_A}/orders`, error: "CopyFailed", message: expect.stringContaining(msg) },
      ]);
      expect(plan.progress.pending).toBe(0);
    });

    it("fails the item when a foreign snapshot holds our identifier", () => {
      const foreign = rawCopy({ id: idA1, stage: "dr", owned: false });
      const plan = planCopy(input({ shared: [s], home: [foreign] }));
      expect(plan.actions).toEqual([]);
      expect(plan.progress.failures[0]).toMatchObject({
        error: "ForeignSnapshotExists",
        message: expect.stringContaining("not tagged rpl-managed-by=rds-pilot-light"),
      });
    });

    it("fails the item when our copy under that identifier holds another recovery point", () => {
      const other = rawCopy({ id: idA1, stage: "dr", at: T1, recoveryPoint: "2026-03-01T10:00:30.000Z" });
      const plan = planCopy(input({ shared: [s], home: [other] }));
      expect(plan.actions).toEqual([]);
      expect(plan.progress.failures[0]?.error).toBe("IdentifierCollision");
    });
  });

  it.each([
    ["no DR region", { drRegion: undefined, drRegionKmsKeyArn: undefined }, "done", 0],
    ["DR region", {}, "region-copy-needed", 1],
  ] as const)("with %s an available home copy is %s", (_n, over, phase, n) => {
    const s = rawShared({ account: SRC_A, dbId: "orders", at: T1 });
    const h = rawCopy({ id: idA1, stage: "dr", dbId: "orders", at: T1 });
    const plan = planCopy(input({ shared: [s], home: [h], config: over }));
    expect(plan.progress.items[0]?.phase).toBe(phase);
    expect(plan.actions.length).toBe(n);
  });

  describe("direct mode", () => {
    it.each(["instance", "cluster"] as const)("copies a shared %s snapshot straight into the DR region", (kind) => {
      const s = rawShared({ account: SRC_A, dbId: "orders", at: T1, kind });
      const plan = planCopy(input({ shared: [s], config: { mode: "direct" } }));
      expect(plan.actions).toEqual([
        expect.objectContaining({
          kind,
          stage: "dr-region",
          region: DR,
          sourceArn: arnOfRaw(s),
          kmsKeyId: REGION_KEY,
          tags: expect.objectContaining({ "rpl-stage": "dr-region", "rpl-copied-from": arnOfRaw(s) }),
        }),
      ]);
    });

    it("finishes a leftover two-step home copy from the home copy rather than copying twice", () => {
      const s = rawShared({ account: SRC_A, dbId: "orders", at: T1 });
      const h = rawCopy({ id: idA1, stage: "dr", dbId: "orders", at: T1 });
      const plan = planCopy(input({ shared: [s], home: [h], config: { mode: "direct" } }));
      expect(copies(plan.actions).map((a) => a.sourceArn)).toEqual([homeCopyArn(idA1)]);
    });

    it("counts in-flight copies against the DR region only", () => {
      const shared = [1, 2, 3].map((i) => rawShared({ account: SRC_A, dbId: `db${i}`, at: T1 }));
      const busy = [1, 2, 3, 4].map((i) => rawCopy({ id: `rpl-busy-${i}`, stage: "dr-region", status: "creating" }));
      const plan = planCopy(input({ shared, regional: busy, config: { mode: "direct" } }));
      expect(plan.progress.inFlight).toEqual({ [HOME]: 0, [DR]: 4 });
      expect(plan.actions.length).toBe(1);
      expect(plan.progress.waiting).toBe(2);
    });
  });

  it("refuses an unencrypted shared cluster snapshot (KmsKeyId would be rejected) but copies an instance", () => {
    const c = rawShared({ account: SRC_A, dbId: "aurora", at: T1, kind: "cluster", encrypted: false });
    const i = rawShared({ account: SRC_A, dbId: "orders", at: T1, encrypted: false });
    const plan = planCopy(input({ shared: [c, i] }));
    expect(copies(plan.actions).map((a) => a.kind)).toEqual(["instance"]);
    expect(plan.progress.failures).toEqual([
      { id: `${SRC_A}/aurora`, error: "UnencryptedSource", message: expect.stringContaining("not encrypted") },
    ]);
  });

  it("keeps instance and cluster snapshots with the same identifier apart", () => {
    const i = rawShared({ account: SRC_A, dbId: "orders", at: T1 });
    const c = rawShared({ account: SRC_A, dbId: "orders", at: T1, kind: "cluster" });
    const homeInstance = rawCopy({ id: idA1, stage: "dr", status: "creating", dbId: "orders", at: T1 });
    const plan = planCopy(input({ shared: [i, c], home: [homeInstance] }));
    expect(copies(plan.actions).map((a) => [a.kind, a.targetId])).toEqual([["cluster", idA1]]);
  });

  describe("in-flight limit and priority", () => {
    it("starts only as many copies as free slots and reports the rest as waiting", () => {
      const shared = [1, 2, 3, 4].map((i) => rawShared({ account: SRC_A, dbId: `db${i}`, at: T1 }));
      const busy = [1, 2, 3].map((i) => rawCopy({ id: `rpl-busy-${i}`, stage: "dr", status: "creating" }));
      const foreignBusy = rawCopy({ id: "someone-elses", stage: "dr", status: "creating", owned: false });
      const plan = planCopy(input({ shared, home: [...busy, foreignBusy] }));
      expect(plan.progress.inFlight[HOME]).toBe(3);
      expect(plan.actions.length).toBe(2);
      expect(plan.progress).toMatchObject({ waiting: 2, ready: 2, pending: 7 });
    });

    it("starts nothing when the region is full", () => {
      const shared = [rawShared({ account: SRC_A, dbId: "db1", at: T1 })];
      const busy = [1, 2].map((i) => rawCopy({ id: `rpl-busy-${i}`, stage: "dr", status: "creating" }));
      const plan = planCopy(input({ shared, home: busy, config: { maxCopiesInFlight: 2 } }));
      expect(plan.actions).toEqual([]);
      expect(plan.progress.waiting).toBe(1);
    });

    it("orders newest-per-DB first, most-behind DB first, then the backlog newest first", () => {
      // Prepare: "fresh" has a finished copy at T1; "never" has none. Both have T2 and T3 waiting.
      const mk = (dbId: string, at: string) => rawShared({ account: SRC_A, dbId, at });
      const freshDone = rawCopy({
        id: drCopyId(SRC_A, "fresh", new Date(T1)),
        stage: "dr-region",
        dbId: "fresh",
        at: T1,
      });
      const shared = [mk("fresh", T1), mk("fresh", T2), mk("fresh", T3), mk("never", T2), mk("never", T3)];
      // Act
      const plan = planCopy(input({ shared, regional: [freshDone], config: { maxCopiesInFlight: 3 } }));
      // Assert: slots go to never@T3, fresh@T3, then never@T2; fresh@T2 waits.
      expect(copies(plan.actions).map((a) => a.targetId)).toEqual([
        drCopyId(SRC_A, "never", new Date(T3)),
        drCopyId(SRC_A, "fresh", new Date(T3)),
        drCopyId(SRC_A, "never", new Date(T2)),
      ]);
      expect(plan.progress.waiting).toBe(1);
    });

    it("has independent slots per destination region", () => {
      const s = rawShared({ account: SRC_A, dbId: "new", at: T2 });
      const h = rawCopy({ id: idA1, stage: "dr", dbId: "orders", at: T1 });
      const busyRegion = [1, 2].map((i) => rawCopy({ id: `rpl-busy-${i}`, stage: "dr-region", status: "creating" }));
      const plan = planCopy(input({ shared: [s], home: [h], regional: busyRegion, config: { maxCopiesInFlight: 2 } }));
      expect(copies(plan.actions).map((a) => a.region)).toEqual([HOME]);
      expect(plan.progress.waiting).toBe(1);
    });
  });

  describe("intermediate deletes", () => {
    const s = rawShared({ account: SRC_A, dbId: "orders", at: T1 });
    const home = rawCopy({ id: idA1, stage: "dr", dbId: "orders", at: T1, copiedFrom: arnOfRaw(s) });
    const regionDone = rawCopy({ id: idA1, stage: "dr-region", dbId: "orders", at: T1, copiedFrom: homeCopyArn(idA1) });

    it("deletes the home copy once its DR-region copy is available", () => {
      const plan = planCopy(
        input({ shared: [s], home: [home], regional: [regionDone], config: { deleteIntermediate: true } }),
      );
      expect(plan.actions).toEqual([
        {
          type: "delete-intermediate",
          item: `${SRC_A}/orders`,
          kind: "instance",
          region: HOME,
          snapshotId: idA1,
          arn: homeCopyArn(idA1),
        },
      ]);
      expect(plan.progress).toMatchObject({ pending: 0, ready: 1 });
    });

    const regionCopying = rawCopy({ id: idA1, stage: "dr-region", status: "copying", dbId: "orders", at: T1 });
    const foreignHome = rawCopy({ id: idA1, stage: "dr", owned: false });
    const readsHome = rawCopy({
      id: "rpl-another",
      stage: "dr-region",
      status: "copying",
      copiedFrom: homeCopyArn(idA1),
    });
    it.each([
      ["the flag is off", false, [home], [regionDone]],
      ["the DR-region copy is still copying", true, [home], [regionCopying]],
      ["the home copy is not ours", true, [foreignHome], [regionDone]],
      ["the home copy is the source of a copy in progress", true, [home], [regionDone, readsHome]],
    ])("keeps the home copy when %s", (_n, deleteIntermediate, h, r) => {
      const plan = planCopy(input({ shared: [s], home: h, regional: r, config: { deleteIntermediate } }));
      expect(plan.actions.filter((a) => a.type === "delete-intermediate")).toEqual([]);
    });

    it("puts deletes before copies (they free snapshot quota)", () => {
      const other = rawShared({ account: SRC_A, dbId: "billing", at: T2 });
      const plan = planCopy(
        input({ shared: [other, s], home: [home], regional: [regionDone], config: { deleteIntermediate: true } }),
      );
      expect(plan.actions.map((a) => a.type)).toEqual(["delete-intermediate", "copy"]);
    });
  });

  describe("scope", () => {
    const a = rawShared({ account: SRC_A, dbId: "orders", at: T1 });
    const b = rawShared({ account: SRC_B, dbId: "billing", at: T1 });

    it("limits actions to the scoped snapshot but counts in-flight copies of all DBs", () => {
      const busy = rawCopy({ id: "rpl-busy", stage: "dr", status: "creating", dbId: "x" });
      const plan = planCopy(
        input({ shared: [a, b], home: [busy], scope: { kind: "snapshot", snapshotArn: arnOfRaw(b) } }),
      );
      expect(copies(plan.actions).map((x) => x.item)).toEqual([`${SRC_B}/billing`]);
      expect(plan.progress).toMatchObject({ pending: 1, inFlight: { [HOME]: 1 } });
    });

    it("follows the scoped snapshot into its copies after the share is gone", () => {
      const h = rawCopy({ id: idA1, stage: "dr", status: "creating", dbId: "orders", at: T1, copiedFrom: arnOfRaw(a) });
      const plan = planCopy(input({ shared: [], home: [h], scope: { kind: "snapshot", snapshotArn: arnOfRaw(a) } }));
      expect(plan.progress).toMatchObject({ pending: 1, inProgress: [idA1], scopeMatched: true });
    });

    it("reports an unknown scoped snapshot as unmatched", () => {
      const plan = planCopy(input({ shared: [a], scope: { kind: "snapshot", snapshotArn: `${arnOfRaw(a)}x` } }));
      expect(plan.progress).toMatchObject({ pending: 0, scopeMatched: false });
      expect(plan.actions).toEqual([]);
    });

    it("limits to one DB identifier across accounts", () => {
      const c = rawShared({ account: SRC_B, dbId: "orders", at: T2 });
      const plan = planCopy(input({ shared: [a, b, c], scope: { kind: "db", dbId: "orders" } }));
      expect(
        copies(plan.actions)
          .map((x) => x.item)
          .sort(),
      ).toEqual([`${SRC_A}/orders`, `${SRC_B}/orders`]);
    });
  });
});

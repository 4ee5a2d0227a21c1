import { describe, expect, it } from "vitest";
import type { CopyScope } from "../../functions/copy/event";
import {
  type CopyAction,
  type CopyPlanInput,
  OUTSIDE_COPY_WINDOW,
  planCopy,
  sameText,
} from "../../functions/copy/plan";
import { drCopyId } from "../../functions/lib/identifiers";
import {
  arnOfRaw,
  config,
  DR,
  DR_ACCOUNT,
  HOME,
  HOME_KEY,
  homeCopyArn,
  model,
  type RawSnap,
  REGION_KEY,
  rawCopy,
  rawOwnSource,
  rawShared,
  SOURCE_KEY,
  SRC_A,
  SRC_B,
} from "./copyFixtures";

const T1 = "2026-03-01T10:00:00.000Z";
const T2 = "2026-03-01T11:00:00.000Z";
const T3 = "2026-03-01T12:00:00.000Z";
/** The planner's clock in these tests: every T* above is inside the default 24-hour copy window. */
const NOW = "2026-03-01T13:00:00.000Z";

function input(o: {
  shared?: RawSnap[];
  home?: RawSnap[];
  regional?: RawSnap[];
  config?: Parameters<typeof config>[0];
  scope?: CopyScope;
  now?: string;
}): CopyPlanInput {
  return {
    config: config(o.config),
    scope: o.scope ?? { kind: "sweep" },
    now: new Date(o.now ?? NOW),
    shared: (o.shared ?? []).map(model),
    home: (o.home ?? []).map(model),
    regional: (o.regional ?? []).map(model),
  };
}

const idA1 = drCopyId(SRC_A, "orders", new Date(T1));
const copies = (actions: readonly { type: string }[]) => actions.filter((a): a is CopyAction => a.type === "copy");

describe("sameText", () => {
  it("is ===, compared from the end", () => {
    const arn = "arn:aws:rds:eu-west-1:111122223333:snapshot:rpl-orders-20260105-0300";
    const cases: [string, string][] = [
      [arn, arn],
      [arn, `${arn.slice(0, 40)}${arn.slice(40)}`],
      [arn, arn.replace("0300", "0400")],
      [arn, arn.replace("arn:aws", "arn:awz")],
      [arn, `${arn}0`],
      ["", ""],
      ["", "a"],
      ["é", "e"],
    ];
    for (const [a, b] of cases) {
      expect(sameText(a, b)).toBe(a === b);
      expect(sameText(b, a)).toBe(a === b);
    }
  });
});

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

  describe("fan-out mode", () => {
    const fan = { mode: "fan-out" } as const;
    const s = rawShared({ account: SRC_A, dbId: "orders", at: T1 });
    const home = (status: string, from = arnOfRaw(s)) =>
      rawCopy({ id: idA1, stage: "dr", status, dbId: "orders", at: T1, copiedFrom: from });
    const regional = (status: string) =>
      rawCopy({ id: idA1, stage: "dr-region", status, dbId: "orders", at: T1, copiedFrom: arnOfRaw(s) });

    it("requests both DR copies from the shared snapshot at once, each under its region's DR key", () => {
      const plan = planCopy(input({ shared: [s], config: fan }));
      expect(
        copies(plan.actions).map((a) => [a.stage, a.region, a.sourceArn, a.kmsKeyId, a.tags["rpl-copied-from"]]),
      ).toEqual([
        ["dr", HOME, arnOfRaw(s), HOME_KEY, arnOfRaw(s)],
        ["dr-region", DR, arnOfRaw(s), REGION_KEY, arnOfRaw(s)],
      ]);
      expect(plan.progress.items[0]?.phase).toBe("copy-needed");
    });

    it.each([
      ["no copy yet", [], [], "copy-needed", ["dr", "dr-region"]],
      ["both copies running", [home("copying")], [regional("pending")], "region-in-progress", []],
      ["home running, region not started", [home("copying")], [], "home-in-progress", ["dr-region"]],
      ["region running, home not started", [], [regional("copying")], "region-in-progress", ["dr"]],
      ["home available, region running", [home("available")], [regional("copying")], "region-in-progress", []],
      ["region available, home running", [home("copying")], [regional("available")], "home-in-progress", []],
      ["region available, home missing", [], [regional("available")], "copy-needed", ["dr"]],
      ["both available", [home("available")], [regional("available")], "done", []],
    ] as const)("%s -> %s", (_name, h, r, phase, stages) => {
      const plan = planCopy(input({ shared: [s], home: [...h], regional: [...r], config: fan }));
      expect(plan.progress.items.map((i) => i.phase)).toEqual([phase]);
      expect(copies(plan.actions).map((a) => a.stage)).toEqual(stages);
      for (const a of copies(plan.actions)) expect(a.sourceArn).toBe(arnOfRaw(s));
      expect(plan.progress.pending).toBe(phase === "done" ? 0 : 1);
    });

    it("makes the DR-region copy from the home copy when the share is gone (the recovery point is kept)", () => {
      const plan = planCopy(input({ shared: [], home: [home("available")], config: fan }));
      expect(copies(plan.actions).map((a) => [a.stage, a.sourceArn])).toEqual([["dr-region", homeCopyArn(idA1)]]);
    });

    it("is done when the share is gone and only the DR-region copy is left (nothing to copy the home copy from)", () => {
      const plan = planCopy(input({ shared: [], regional: [regional("available")], config: fan }));
      expect(plan.actions).toEqual([]);
      expect(plan.progress.items.map((i) => i.phase)).toEqual(["done"]);
      expect(plan.progress.failures).toEqual([]);
    });

    it("reports a failed DR-region copy and starts nothing more for it", () => {
      const plan = planCopy(
        input({ shared: [s], home: [home("available")], regional: [regional("failed")], config: fan }),
      );
      expect(plan.actions).toEqual([]);
      expect(plan.progress.failures).toEqual([
        {
          id: `${SRC_A}/orders`,
          error: "CopyFailed",
          message: expect.stringContaining(`the copy in ${DR} has status failed`),
        },
      ]);
    });

    it("still fails the item when a foreign snapshot holds our identifier", () => {
      const foreign = rawCopy({ id: idA1, stage: "dr-region", owned: false });
      const plan = planCopy(input({ shared: [s], regional: [foreign], config: fan }));
      expect(plan.actions).toEqual([]);
      expect(plan.progress.failures[0]?.error).toBe("ForeignSnapshotExists");
    });

    it("falls back to two-step for a DB cluster snapshot (Aurora cannot copy across account and region at once)", () => {
      const c = rawShared({ account: SRC_A, dbId: "aurora", at: T1, kind: "cluster" });
      const first = planCopy(input({ shared: [c], config: fan }));
      expect(copies(first.actions).map((a) => [a.stage, a.region, a.sourceArn])).toEqual([["dr", HOME, arnOfRaw(c)]]);
      const id = drCopyId(SRC_A, "aurora", new Date(T1));
      const h = rawCopy({ id, kind: "cluster", stage: "dr", dbId: "aurora", at: T1, copiedFrom: arnOfRaw(c) });
      const second = planCopy(input({ shared: [c], home: [h], config: fan }));
      expect(copies(second.actions).map((a) => [a.stage, a.region, a.sourceArn])).toEqual([
        ["dr-region", DR, arnOfRaw(h)],
      ]);
    });

    it("fills each destination region's free slots independently", () => {
      const shared = [1, 2, 3].map((i) => rawShared({ account: SRC_A, dbId: `db${i}`, at: T1 }));
      const busy = [1, 2, 3, 4].map((i) => rawCopy({ id: `rpl-busy-${i}`, stage: "dr-region", status: "creating" }));
      const plan = planCopy(input({ shared, regional: busy, config: fan }));
      expect(copies(plan.actions).filter((a) => a.region === HOME)).toHaveLength(3);
      expect(copies(plan.actions).filter((a) => a.region === DR)).toHaveLength(1);
      expect(plan.progress.waiting).toBe(2);
    });

    it("outside the copy window copies nothing from the share but finishes the DR-region copy from the home copy", () => {
      const old = "2026-02-20T10:00:00.000Z";
      const so = rawShared({ account: SRC_A, dbId: "orders", at: old });
      const id = drCopyId(SRC_A, "orders", new Date(old));
      const untouched = planCopy(input({ shared: [so], config: fan }));
      expect(untouched.actions).toEqual([]);
      expect(untouched.progress.skipped.map((k) => k.reason)).toEqual([OUTSIDE_COPY_WINDOW]);
      const h = rawCopy({ id, stage: "dr", dbId: "orders", at: old, copiedFrom: arnOfRaw(so) });
      const finished = planCopy(input({ shared: [so], home: [h], config: fan }));
      expect(copies(finished.actions).map((a) => [a.stage, a.sourceArn])).toEqual([["dr-region", homeCopyArn(id)]]);
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
  describe("copy window (RPL_COPY_WINDOW_HOURS)", () => {
    const HOUR = 3_600_000;
    /** ISO time `h` hours (and `m` minutes) before NOW. */
    const ago = (h: number, m = 0) => new Date(new Date(NOW).getTime() - h * HOUR - m * 60_000).toISOString();

    it.each([
      ["one minute inside the window", ago(23, 59), 1],
      ["exactly at the window's start", ago(24), 1],
      ["one minute outside the window", ago(24, 1), 0],
      ["a week old", ago(168), 0],
    ])("copies a shared snapshot %s only if it is inside", (_name, at, expected) => {
      const s = rawShared({ account: SRC_A, dbId: "orders", at });
      const plan = planCopy(input({ shared: [s] }));
      expect(copies(plan.actions)).toHaveLength(expected);
      expect(plan.progress.pending).toBe(expected);
      expect(plan.progress.skipped.map((k) => k.reason)).toEqual(expected ? [] : [OUTSIDE_COPY_WINDOW]);
    });

    it("does not copy again a recovery point whose DR copies retention deleted while the source still shares it", () => {
      // The DR Janitor kept only the newest copy; the source kept all three shares (longer source retention).
      const old1 = rawShared({ account: SRC_A, dbId: "orders", at: ago(50) });
      const old2 = rawShared({ account: SRC_A, dbId: "orders", at: ago(26) });
      const fresh = rawShared({ account: SRC_A, dbId: "orders", at: ago(2) });
      const freshId = drCopyId(SRC_A, "orders", new Date(ago(2)));
      const plan = planCopy(
        input({
          shared: [old1, old2, fresh],
          home: [rawCopy({ id: freshId, stage: "dr", dbId: "orders", at: ago(2) })],
          regional: [rawCopy({ id: freshId, stage: "dr-region", dbId: "orders", at: ago(2) })],
        }),
      );
      expect(plan.actions).toEqual([]);
      expect(plan.progress).toMatchObject({ pending: 0, waiting: 0, ready: 0, failures: [] });
      expect(plan.progress.items.map((i) => [i.targetId, i.phase])).toEqual([[freshId, "done"]]);
      expect(plan.progress.skipped).toEqual([
        {
          id: arnOfRaw(old1),
          reason: OUTSIDE_COPY_WINDOW,
          detail: expect.stringMatching(/older than the 24-hour copy window \(RPL_COPY_WINDOW_HOURS\)/),
        },
        { id: arnOfRaw(old2), reason: OUTSIDE_COPY_WINDOW, detail: expect.any(String) },
      ]);
    });

    it("copies the same old recovery point when the window is widened to cover it", () => {
      const old = rawShared({ account: SRC_A, dbId: "orders", at: ago(50) });
      const plan = planCopy(input({ shared: [old], config: { copyWindowHours: 72 } }));
      expect(copies(plan.actions).map((a) => a.sourceArn)).toEqual([arnOfRaw(old)]);
    });

    it("still finishes the DR-region leg from an existing home copy outside the window", () => {
      const id = drCopyId(SRC_A, "orders", new Date(ago(30)));
      const h = rawCopy({ id, stage: "dr", dbId: "orders", at: ago(30) });
      const plan = planCopy(input({ shared: [rawShared({ account: SRC_A, dbId: "orders", at: ago(30) })], home: [h] }));
      expect(copies(plan.actions)).toMatchObject([{ stage: "dr-region", sourceArn: homeCopyArn(id) }]);
      expect(plan.progress.skipped).toEqual([]);
    });

    it("skips rather than fails an unencrypted cluster share outside the window", () => {
      const c = rawShared({ account: SRC_A, dbId: "aurora", at: ago(30), kind: "cluster", encrypted: false });
      const plan = planCopy(input({ shared: [c] }));
      expect(plan.progress.failures).toEqual([]);
      expect(plan.progress.skipped.map((k) => k.reason)).toEqual([OUTSIDE_COPY_WINDOW]);
    });

    it("after an outage copies the backlog inside the window newest first and leaves the older ones", () => {
      const backlog = [1, 3, 5, 7, 30].map((h) => rawShared({ account: SRC_A, dbId: "orders", at: ago(h) }));
      const plan = planCopy(input({ shared: backlog, config: { maxCopiesInFlight: 2 } }));
      expect(copies(plan.actions).map((a) => a.tags["rpl-recovery-point"])).toEqual([ago(1), ago(3)]);
      expect(plan.progress).toMatchObject({ waiting: 2, pending: 4 });
      expect(plan.progress.skipped).toEqual([
        { id: arnOfRaw(backlog[4]!), reason: OUTSIDE_COPY_WINDOW, detail: expect.any(String) },
      ]);
    });

    it("reports a scoped old snapshot as matched and skipped, not as unknown", () => {
      const old = rawShared({ account: SRC_A, dbId: "orders", at: ago(48) });
      const plan = planCopy(input({ shared: [old], scope: { kind: "snapshot", snapshotArn: arnOfRaw(old) } }));
      expect(plan.progress).toMatchObject({ scopeMatched: true, pending: 0 });
      expect(plan.progress.skipped.map((k) => k.reason)).toEqual([OUTSIDE_COPY_WINDOW]);
    });
  });

  describe("single account (role both): the account's own source snapshots", () => {
    const both = { sourceAccounts: [DR_ACCOUNT] };
    const own = rawOwnSource({ dbId: "orders", at: T1 });
    const ownId = drCopyId(DR_ACCOUNT, "orders", new Date(T1));

    it.each(["two-step", "direct"] as const)(
      "copies straight into the DR region with the DR-region key (%s)",
      (mode) => {
        const plan = planCopy(input({ home: [own], config: { ...both, mode } }));
        expect(plan.actions).toEqual([
          {
            type: "copy",
            item: `${DR_ACCOUNT}/orders`,
            kind: "instance",
            stage: "dr-region",
            region: DR,
            sourceArn: arnOfRaw(own),
            targetId: ownId,
            kmsKeyId: REGION_KEY,
            tags: {
              "rpl-managed-by": "rds-pilot-light",
              "rpl-source-db": "orders",
              "rpl-source-kind": "instance",
              "rpl-source-account": DR_ACCOUNT,
              "rpl-source-region": HOME,
              "rpl-recovery-point": T1,
              "rpl-stage": "dr-region",
              "rpl-copied-from": arnOfRaw(own),
            },
          },
        ]);
        expect(plan.progress).toMatchObject({ pending: 1, ready: 1, skipped: [] });
      },
    );

    it("names the copy by the Taker's recovery point tag, not the later SnapshotCreateTime", () => {
      const s = rawOwnSource({ dbId: "orders", at: "2026-03-01T10:04:00.000Z", recoveryPoint: T1 });
      const [a] = copies(planCopy(input({ home: [s], config: both })).actions);
      expect(a).toMatchObject({ targetId: ownId, tags: { "rpl-recovery-point": T1 } });
    });

    it("copies an own cluster snapshot with CopyDBClusterSnapshot semantics (kind cluster)", () => {
      const c = rawOwnSource({ dbId: "ledger", at: T1, kind: "cluster" });
      expect(copies(planCopy(input({ home: [c], config: both })).actions)).toMatchObject([
        { kind: "cluster", stage: "dr-region", region: DR, kmsKeyId: REGION_KEY },
      ]);
    });

    const table: [
      string,
      { home: RawSnap[]; regional?: RawSnap[]; config?: Parameters<typeof config>[0] },
      string[],
    ][] = [
      ["the account is not in RPL_SOURCE_ACCOUNTS (role dr)", { home: [own], config: { sourceAccounts: [SRC_A] } }, []],
      [
        "the snapshot is still being created",
        { home: [rawOwnSource({ dbId: "orders", at: T1, status: "creating" })] },
        [],
      ],
      [
        "its rpl-source-account tag names another account",
        { home: [rawOwnSource({ dbId: "orders", at: T1, tags: { "rpl-source-account": SRC_A } })] },
        [],
      ],
      [
        "it is not owned (no rpl-managed-by)",
        { home: [rawOwnSource({ dbId: "orders", at: T1, omit: ["rpl-managed-by"] })] },
        [],
      ],
      ["it carries no rpl-stage tag", { home: [rawOwnSource({ dbId: "orders", at: T1, omit: ["rpl-stage"] })] }, []],
      [
        "no DR region is configured",
        { home: [own], config: { drRegion: undefined, drRegionKmsKeyArn: undefined } },
        [],
      ],
      [
        "the DR-region copy is running",
        {
          home: [own],
          regional: [
            rawCopy({ id: ownId, stage: "dr-region", status: "creating", dbId: "orders", at: T1, account: DR_ACCOUNT }),
          ],
        },
        [],
      ],
      [
        "the DR-region copy is available",
        {
          home: [own],
          regional: [rawCopy({ id: ownId, stage: "dr-region", dbId: "orders", at: T1, account: DR_ACCOUNT })],
        },
        [],
      ],
      ["it is available and uncopied", { home: [own] }, [ownId]],
    ];
    it.each(table)("copies nothing unless it is ours and due: %s", (_name, o, expected) => {
      const plan = planCopy(input({ ...o, config: { ...both, ...o.config } }));
      expect(copies(plan.actions).map((a) => a.targetId)).toEqual(expected);
      expect(plan.progress.failures).toEqual([]);
    });

    it("reports the phase of an own source whose DR-region copy is running, and counts it in flight", () => {
      const running = rawCopy({
        id: ownId,
        stage: "dr-region",
        status: "creating",
        dbId: "orders",
        at: T1,
        account: DR_ACCOUNT,
      });
      const plan = planCopy(input({ home: [own], regional: [running], config: both }));
      expect(plan.progress).toMatchObject({ pending: 1, inProgress: [ownId], inFlight: { [HOME]: 0, [DR]: 1 } });
    });

    it("does not count the Taker's snapshots in progress as copies in flight", () => {
      const taking = rawOwnSource({ dbId: "billing", at: T2, status: "creating" });
      const plan = planCopy(input({ home: [own, taking], config: { ...both, maxCopiesInFlight: 1 } }));
      expect(plan.progress.inFlight).toEqual({ [HOME]: 0, [DR]: 0 });
      expect(copies(plan.actions).map((a) => a.targetId)).toEqual([ownId]);
    });

    it("explains why a scoped own snapshot is not copied without a DR region", () => {
      const plan = planCopy(
        input({
          home: [own],
          config: { ...both, drRegion: undefined, drRegionKmsKeyArn: undefined },
          scope: { kind: "snapshot", snapshotArn: arnOfRaw(own) },
        }),
      );
      expect(plan.progress.skipped).toEqual([
        { id: arnOfRaw(own), reason: expect.stringContaining("set RPL_DR_REGION") },
      ]);
    });

    it("applies the copy window to own sources too", () => {
      const old = rawOwnSource({ dbId: "orders", at: "2026-02-27T10:00:00.000Z" });
      const plan = planCopy(input({ home: [old], config: both }));
      expect(plan.actions).toEqual([]);
      expect(plan.progress.skipped.map((k) => k.reason)).toEqual([OUTSIDE_COPY_WINDOW]);
    });

    it("copies shared snapshots of other accounts alongside the own ones", () => {
      const shared = rawShared({ account: SRC_A, dbId: "billing", at: T1 });
      const plan = planCopy(input({ shared: [shared], home: [own], config: { sourceAccounts: [DR_ACCOUNT, SRC_A] } }));
      expect(copies(plan.actions).map((a) => [a.targetId, a.stage, a.region])).toEqual(
        expect.arrayContaining([
          [ownId, "dr-region", DR],
          [drCopyId(SRC_A, "billing", new Date(T1)), "dr", HOME],
        ]),
      );
      expect(plan.actions).toHaveLength(2);
    });
  });
});

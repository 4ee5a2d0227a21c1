import { PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { DescribeKeyCommand } from "@aws-sdk/client-kms";
import {
  AddTagsToResourceCommand,
  CopyDBClusterSnapshotCommand,
  CopyDBSnapshotCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DeleteDBSnapshotCommand,
  DescribeAccountAttributesCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotAttributesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  ModifyDBSnapshotAttributeCommand,
  paginateDescribeDBSnapshots,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
} from "@aws-sdk/client-rds";
import { describe, expect, it } from "vitest";
import { SDK_MAX_ATTEMPTS } from "../../functions/lib/clients";
import { listDbs, listSnapshots } from "../../functions/lib/rds";
import { KmsModel } from "../../sim/aws/kms";
import { RdsModel } from "../../sim/aws/rds";
import { DEFAULT_QUOTAS, RdsWorld, type RdsWorldOptions } from "../../sim/aws/rdsModel";
import { DEFAULT_TIMING } from "../../sim/aws/state";
import { Engine } from "../../sim/engine";

const SRC = "111111111111";
const DR = "222222222222";
const OTHER = "333333333333";
const HOME = "eu-west-1";
const FAR = "eu-central-1";
const T0 = new Date("2026-03-02T10:00:00Z");

/** A world with a movable virtual clock. */
function setup(opts: Partial<RdsWorldOptions> = {}) {
  let now = T0;
  const world = new RdsWorld({ clock: () => now, ...opts });
  const advance = (minutes: number) => {
    now = new Date(now.getTime() + minutes * 60_000);
  };
  const srcKey = world.createKey(SRC, HOME, { alias: "alias/prod" });
  const drKey = world.createKey(DR, HOME, { alias: "alias/dr" });
  const drFarKey = world.createKey(DR, FAR, { alias: "alias/dr" });
  world.addDbInstance(SRC, HOME, { id: "orders", sizeGb: 100, kmsKeyArn: srcKey, tags: { team: "a" } });
  world.addDbCluster(SRC, HOME, { id: "ledger", sizeGb: 200, kmsKeyArn: srcKey });
  world.addDbInstance(SRC, HOME, { id: "ledger-1", clusterId: "ledger", engine: "aurora-postgresql" });
  const src = world.clients(SRC);
  const dr = world.clients(DR);
  return { world, advance, srcKey, drKey, drFarKey, src, dr, now: () => now };
}

async function errorOf(p: Promise<unknown>): Promise<{ name: string; message: string; $fault?: string }> {
  try {
    await p;
  } catch (err) {
    return err as { name: string; message: string; $fault?: string };
  }
  throw new Error("expected the call to fail");
}

async function takeShared(s: ReturnType<typeof setup>, id = "rpl-orders-20260302-1000") {
  await s.src.rds(HOME).send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "orders", DBSnapshotIdentifier: id }));
  s.advance(60);
  s.world.allowKeyUse(s.srcKey, DR);
  await s.src
    .rds(HOME)
    .send(
      new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: id, AttributeName: "restore", ValuesToAdd: [DR] }),
    );
  return `arn:aws:rds:${HOME}:${SRC}:snapshot:${id}`;
}

describe("RdsWorld snapshots", () => {
  it("moves a snapshot from creating to available after 5 + 0.05*GB minutes, then takes incremental ones", async () => {
    const s = setup();
    const rds = s.src.rds(HOME);
    const out = await rds.send(
      new CreateDBSnapshotCommand({
        DBInstanceIdentifier: "orders",
        DBSnapshotIdentifier: "rpl-orders-a",
        Tags: [{ Key: "k", Value: "v" }],
      }),
    );
    expect(out.DBSnapshot?.Status).toBe("creating");
    expect(out.DBSnapshot?.PercentProgress).toBe(0);
    s.advance(5);
    let snap = (await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: "rpl-orders-a" })))
      .DBSnapshots?.[0];
    expect(snap?.Status).toBe("creating");
    expect(snap?.PercentProgress).toBe(50);
    expect(snap?.TagList).toEqual([{ Key: "k", Value: "v" }]);
    expect(snap?.KmsKeyId).toBe(s.srcKey);
    s.advance(5);
    snap = (await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: "rpl-orders-a" }))).DBSnapshots?.[0];
    expect(snap?.Status).toBe("available");
    expect(snap?.PercentProgress).toBe(100);

    await rds.send(
      new CreateDBSnapshotCommand({ DBInstanceIdentifier: "orders", DBSnapshotIdentifier: "rpl-orders-b" }),
    );
    const b = s.world.snapshots(SRC, HOME).find((x) => x.id === "rpl-orders-b");
    expect(b?.incremental).toBe(true);
    expect((b!.completesAt.getTime() - b!.startedAt.getTime()) / 60_000).toBe(3);
    expect(s.world.snapshots(SRC, HOME).find((x) => x.id === "rpl-orders-a")?.incremental).toBe(false);
  });

  it("hands out one frozen view and normalized snapshot of a snapshot in progress per percent done and tags", async () => {
    const s = setup();
    const rds = s.src.rds(HOME);
    await rds.send(
      new CreateDBSnapshotCommand({ DBInstanceIdentifier: "orders", DBSnapshotIdentifier: "rpl-orders-p" }),
    );
    const list = async () =>
      (await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: "orders" }))).DBSnapshots?.[0];
    const arn = `arn:aws:rds:${HOME}:${SRC}:snapshot:rpl-orders-p`;
    // 100 GB: 10 minutes. One minute in: 10 % done, and still 10 % three seconds later.
    s.advance(1);
    const v1 = await list();
    const m1 = s.world.snapshot(SRC, HOME, "rpl-orders-p");
    expect(v1).toMatchObject({ Status: "creating", PercentProgress: 10 });
    expect(m1).toMatchObject({ status: "creating", progress: 10 });
    expect(Object.isFrozen(v1)).toBe(true);
    expect(Object.isFrozen(m1)).toBe(true);
    s.advance(0.05);
    expect(await list()).toBe(v1);
    expect(s.world.snapshot(SRC, HOME, "rpl-orders-p")).toBe(m1);
    // New tags: new objects at the same percent.
    await rds.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: [{ Key: "k", Value: "v" }] }));
    const v2 = await list();
    const m2 = s.world.snapshot(SRC, HOME, "rpl-orders-p");
    expect(v2).not.toBe(v1);
    expect(v2).toMatchObject({ PercentProgress: 10, TagList: [{ Key: "k", Value: "v" }] });
    expect(m2).not.toBe(m1);
    expect(m2?.tags).toEqual({ k: "v" });
    // The next percent: new objects showing it.
    s.advance(1);
    const v3 = await list();
    expect(v3).not.toBe(v2);
    expect(v3).toMatchObject({ Status: "creating", PercentProgress: 20, TagList: [{ Key: "k", Value: "v" }] });
    expect(s.world.snapshot(SRC, HOME, "rpl-orders-p")).toMatchObject({ status: "creating", progress: 20 });
    s.advance(8);
    expect(await list()).toMatchObject({ Status: "available", PercentProgress: 100 });
    expect(s.world.snapshot(SRC, HOME, "rpl-orders-p")).toMatchObject({ status: "available", progress: 100 });
  });

  it("shows an instance as backing-up while its snapshot is created and refuses a second one", async () => {
    const s = setup();
    const rds = s.src.rds(HOME);
    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "orders", DBSnapshotIdentifier: "rpl-a" }));
    const db = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "orders" }))).DBInstances?.[0];
    expect(db?.DBInstanceStatus).toBe("backing-up");
    const err = await errorOf(
      rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "orders", DBSnapshotIdentifier: "rpl-b" })),
    );
    expect(err.name).toBe("InvalidDBInstanceStateFault");
    s.advance(10);
    const after = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "orders" }))).DBInstances?.[0];
    expect(after?.DBInstanceStatus).toBe("available");
  });

  it.each([
    ["an existing id", "orders", "rpl-dup", "DBSnapshotAlreadyExistsFault"],
    ["an unknown DB", "nope", "rpl-x", "DBInstanceNotFoundFault"],
    ["an Aurora member instance", "ledger-1", "rpl-x", "InvalidDBInstanceStateFault"],
    ["an invalid identifier", "orders", "rpl--bad", "InvalidParameterValue"],
  ])("refuses CreateDBSnapshot for %s", async (_what, db, id, name) => {
    const s = setup();
    s.world.addSnapshot(SRC, HOME, { kind: "instance", id: "rpl-dup", dbId: "orders" });
    const err = await errorOf(
      s.src.rds(HOME).send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: db, DBSnapshotIdentifier: id })),
    );
    expect(err.name).toBe(name);
  });

  it("refuses a snapshot of a DB that is not available", async () => {
    const s = setup();
    s.world.setDbStatus(SRC, HOME, "instance", "orders", "stopped");
    const err = await errorOf(
      s.src
        .rds(HOME)
        .send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "orders", DBSnapshotIdentifier: "rpl-a" })),
    );
    expect(err.name).toBe("InvalidDBInstanceStateFault");
  });

  it("creates cluster snapshots with lowercase identifiers", async () => {
    const s = setup();
    const out = await s.src.rds(HOME).send(
      new CreateDBClusterSnapshotCommand({
        DBClusterIdentifier: "ledger",
        DBClusterSnapshotIdentifier: "Rpl-Ledger-A",
      }),
    );
    expect(out.DBClusterSnapshot?.DBClusterSnapshotIdentifier).toBe("rpl-ledger-a");
    expect(out.DBClusterSnapshot?.Status).toBe("creating");
    s.advance(15); // 5 + 0.05 * 200
    const [snap] = await listSnapshots(s.src.rds(HOME), { type: "manual", kind: "cluster" });
    expect(snap).toMatchObject({
      kind: "cluster",
      id: "rpl-ledger-a",
      dbId: "ledger",
      status: "available",
      encrypted: true,
    });
  });

  it("enforces the manual snapshot quota and reports it in DescribeAccountAttributes", async () => {
    const s = setup({ quotas: { manualSnapshots: 2 } });
    s.world.addSnapshot(SRC, HOME, { kind: "instance", id: "old-1", dbId: "orders" });
    s.world.addSnapshot(SRC, HOME, { kind: "instance", id: "rds:orders-auto", dbId: "orders", type: "automated" });
    const rds = s.src.rds(HOME);
    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "orders", DBSnapshotIdentifier: "rpl-a" }));
    s.advance(10);
    const attrs = await rds.send(new DescribeAccountAttributesCommand({}));
    expect(attrs.AccountQuotas).toEqual([
      { AccountQuotaName: "ManualSnapshots", Used: 2, Max: 2 },
      { AccountQuotaName: "ManualClusterSnapshots", Used: 0, Max: 100 },
    ]);
    const err = await errorOf(
      rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "orders", DBSnapshotIdentifier: "rpl-b" })),
    );
    expect(err.name).toBe("SnapshotQuotaExceededFault");
  });
});

describe("RdsWorld listing", () => {
  it("paginates 250 snapshots in pages of 100 with Marker", async () => {
    const s = setup();
    for (let i = 0; i < 250; i++) s.world.addSnapshot(SRC, HOME, { kind: "instance", id: `snap-${i}`, dbId: "orders" });
    const sizes: number[] = [];
    for await (const page of paginateDescribeDBSnapshots(
      { client: s.src.rds(HOME), pageSize: 100 },
      { SnapshotType: "manual" },
    )) {
      sizes.push(page.DBSnapshots?.length ?? 0);
    }
    expect(sizes).toEqual([100, 100, 50]);
    expect(await listSnapshots(s.src.rds(HOME), { type: "manual", kind: "instance" })).toHaveLength(250);
    expect(s.world.callCount("DescribeDBSnapshots", { account: SRC })).toBe(6); // 3 pages, twice
  });

  it("lists several DBs' snapshots with one multi-valued filter per kind, and refuses an empty or too long list", async () => {
    const s = setup();
    for (const db of ["alpha", "beta", "gamma"]) {
      for (let i = 0; i < 30; i++) s.world.addSnapshot(SRC, HOME, { kind: "instance", id: `${db}-${i}`, dbId: db });
    }
    s.world.addSnapshot(SRC, HOME, { kind: "cluster", id: "beta-c", dbId: "beta" });
    const from = s.world.calls.length;
    const listed = await listSnapshots(s.src.rds(HOME), { type: "manual", dbIds: ["gamma", "beta"] });
    expect(listed.map((x) => x.dbId).sort()).toEqual(
      [...Array(30).fill("beta"), ...Array(30).fill("gamma"), "beta"].sort(),
    );
    // One page per kind: the 61 snapshots of two DBs come in one DescribeDBSnapshots and one DescribeDBClusterSnapshots.
    expect(s.world.calls.slice(from).map((c) => c.command)).toEqual([
      "DescribeDBSnapshots",
      "DescribeDBClusterSnapshots",
    ]);
    await expect(listSnapshots(s.src.rds(HOME), { type: "manual", dbIds: [] })).rejects.toThrow("dbIds is empty");
    const many = Array.from({ length: 51 }, (_, i) => `db-${i}`);
    await expect(listSnapshots(s.src.rds(HOME), { type: "manual", dbIds: many })).rejects.toThrow(
      "51 DB identifiers in one db-instance-id filter; at most 50",
    );
  });

  it("rejects MaxRecords above 100 naming the parameter", async () => {
    const s = setup();
    const err = await errorOf(s.src.rds(HOME).send(new DescribeDBSnapshotsCommand({ MaxRecords: 101 })));
    expect(err.name).toBe("InvalidParameterValue");
    expect(err.message).toContain("MaxRecords");
  });

  it("lists DBs with tags, paginated, and excludes cluster members in listDbs", async () => {
    const s = setup();
    for (let i = 0; i < 120; i++) s.world.addDbInstance(SRC, HOME, { id: `db-${i}` });
    const page1 = await s.src.rds(HOME).send(new DescribeDBInstancesCommand({ MaxRecords: 100 }));
    expect(page1.DBInstances).toHaveLength(100);
    expect(page1.Marker).toBeDefined();
    const dbs = await listDbs(s.src.rds(HOME));
    expect(dbs.filter((d) => d.kind === "instance")).toHaveLength(121);
    expect(dbs.find((d) => d.id === "orders")?.tags).toEqual({ team: "a" });
    expect(dbs.find((d) => d.id === "ledger-1")).toBeUndefined();
    expect(dbs.find((d) => d.id === "ledger")).toMatchObject({ kind: "cluster", status: "available" });
  });

  it.each([
    [
      "DescribeDBInstances",
      () => new DescribeDBInstancesCommand({ DBInstanceIdentifier: "nope" }),
      "DBInstanceNotFoundFault",
    ],
    [
      "DescribeDBClusters",
      () => new DescribeDBClustersCommand({ DBClusterIdentifier: "nope" }),
      "DBClusterNotFoundFault",
    ],
    [
      "DescribeDBSnapshots",
      () => new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: "nope" }),
      "DBSnapshotNotFoundFault",
    ],
  ])("%s of an unknown identifier throws its NotFound fault", async (_c, make, name) => {
    const s = setup();
    const err = await errorOf(s.src.rds(HOME).send(make() as DescribeDBInstancesCommand));
    expect(err.name).toBe(name);
  });

  it("finds a snapshot by its ARN only when every part of the ARN names it", async () => {
    const s = setup();
    const rds = s.src.rds(HOME);
    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "orders", DBSnapshotIdentifier: "rpl-arn" }));
    const byId = async (ref: string) =>
      (await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: ref }))).DBSnapshots?.map(
        (x) => x.DBSnapshotIdentifier,
      );
    expect(await byId(`arn:aws:rds:${HOME}:${SRC}:snapshot:rpl-arn`)).toEqual(["rpl-arn"]);
    for (const ref of [
      `arn:aws:rds:${HOME}:${SRC}:snapshot`,
      `arn:aws:rds:${HOME}:${SRC}:cluster-snapshot:rpl-arn`,
      `arn:aws:rds:${FAR}:${SRC}:snapshot:rpl-arn`,
      `arn:aws:rds:${HOME}:${DR}:snapshot:rpl-arn`,
      `arn:aws:rds:${HOME}:${SRC}:snapshot:rpl-arn:x`,
    ]) {
      expect((await errorOf(rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: ref })))).name).toBe(
        "DBSnapshotNotFoundFault",
      );
    }
  });
});

describe("RdsWorld sharing", () => {
  it("shows a shared snapshot to the DR account in the sharer's region only, by ARN and without tags", async () => {
    const s = setup();
    await s.src.rds(HOME).send(
      new CreateDBSnapshotCommand({
        DBInstanceIdentifier: "orders",
        DBSnapshotIdentifier: "rpl-a",
        Tags: [{ Key: "rpl-managed-by", Value: "rds-pilot-light" }],
      }),
    );
    s.advance(10);
    await s.src.rds(HOME).send(
      new ModifyDBSnapshotAttributeCommand({
        DBSnapshotIdentifier: "rpl-a",
        AttributeName: "restore",
        ValuesToAdd: [DR],
      }),
    );
    const arn = `arn:aws:rds:${HOME}:${SRC}:snapshot:rpl-a`;

    const shared = await s.dr
      .rds(HOME)
      .send(new DescribeDBSnapshotsCommand({ SnapshotType: "shared", IncludeShared: true }));
    expect(shared.DBSnapshots).toHaveLength(1);
    expect(shared.DBSnapshots?.[0]).toMatchObject({
      DBSnapshotIdentifier: arn,
      DBSnapshotArn: arn,
      DBInstanceIdentifier: "orders",
      SnapshotType: "shared",
      TagList: [],
      Status: "available",
    });
    const viaLib = await listSnapshots(s.dr.rds(HOME), { type: "shared" });
    expect(viaLib.map((x) => [x.account, x.region, x.dbId, x.tags])).toEqual([[SRC, HOME, "orders", {}]]);
    expect(
      (await s.dr.rds(HOME).send(new DescribeDBSnapshotsCommand({ IncludeShared: true }))).DBSnapshots,
    ).toHaveLength(1);
    expect(
      (await s.dr.rds(HOME).send(new DescribeDBSnapshotsCommand({ SnapshotType: "manual" }))).DBSnapshots,
    ).toHaveLength(0);
    expect(
      (await s.dr.rds(FAR).send(new DescribeDBSnapshotsCommand({ SnapshotType: "shared" }))).DBSnapshots,
    ).toHaveLength(0);
    expect(
      (
        await s.world
          .clients(OTHER)
          .rds(HOME)
          .send(new DescribeDBSnapshotsCommand({ SnapshotType: "shared" }))
      ).DBSnapshots,
    ).toHaveLength(0);
    const attrs = await s.src
      .rds(HOME)
      .send(new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: "rpl-a" }));
    expect(attrs.DBSnapshotAttributesResult?.DBSnapshotAttributes).toEqual([
      { AttributeName: "restore", AttributeValues: [DR] },
    ]);

    await s.src.rds(HOME).send(
      new ModifyDBSnapshotAttributeCommand({
        DBSnapshotIdentifier: "rpl-a",
        AttributeName: "restore",
        ValuesToRemove: [DR],
      }),
    );
    expect(
      (await s.dr.rds(HOME).send(new DescribeDBSnapshotsCommand({ SnapshotType: "shared" }))).DBSnapshots,
    ).toHaveLength(0);
  });

  it("refuses sharing with more than 20 accounts", async () => {
    const s = setup();
    s.world.addSnapshot(SRC, HOME, { kind: "instance", id: "rpl-a", dbId: "orders", kmsKeyArn: s.srcKey });
    const accounts = Array.from({ length: 21 }, (_, i) => String(100000000000 + i));
    const rds = s.src.rds(HOME);
    await rds.send(
      new ModifyDBSnapshotAttributeCommand({
        DBSnapshotIdentifier: "rpl-a",
        AttributeName: "restore",
        ValuesToAdd: accounts.slice(0, 20),
      }),
    );
    const err = await errorOf(
      rds.send(
        new ModifyDBSnapshotAttributeCommand({
          DBSnapshotIdentifier: "rpl-a",
          AttributeName: "restore",
          ValuesToAdd: [accounts[20]!],
        }),
      ),
    );
    expect(err.name).toBe("SharedSnapshotQuotaExceededFault");
  });

  it("refuses sharing a snapshot encrypted with the AWS-managed key", async () => {
    const s = setup();
    s.world.addDbCluster(SRC, HOME, { id: "legacy", kmsKeyArn: "alias/aws/rds" });
    s.world.addSnapshot(SRC, HOME, { kind: "cluster", id: "rpl-legacy", dbId: "legacy", kmsKeyArn: "alias/aws/rds" });
    const err = await errorOf(
      s.src.rds(HOME).send(
        new ModifyDBClusterSnapshotAttributeCommand({
          DBClusterSnapshotIdentifier: "rpl-legacy",
          AttributeName: "restore",
          ValuesToAdd: [DR],
        }),
      ),
    );
    expect(err.name).toBe("InvalidParameterValue");
    expect(err.message).toContain("AWS managed key");
  });

  it("refuses sharing a snapshot still being created", async () => {
    const s = setup();
    await s.src
      .rds(HOME)
      .send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "orders", DBSnapshotIdentifier: "rpl-a" }));
    const err = await errorOf(
      s.src.rds(HOME).send(
        new ModifyDBSnapshotAttributeCommand({
          DBSnapshotIdentifier: "rpl-a",
          AttributeName: "restore",
          ValuesToAdd: [DR],
        }),
      ),
    );
    expect(err.name).toBe("InvalidDBSnapshotStateFault");
  });
});

describe("RdsWorld copies", () => {
  it("requires KmsKeyId for a shared encrypted snapshot", async () => {
    const s = setup();
    const arn = await takeShared(s);
    const err = await errorOf(
      s.dr
        .rds(HOME)
        .send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: arn, TargetDBSnapshotIdentifier: "rpl-c" })),
    );
    expect(err.name).toBe("KMSKeyNotAccessibleFault");
  });

  it("requires the copying account to be allowed on the source key", async () => {
    const s = setup();
    await s.src
      .rds(HOME)
      .send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "orders", DBSnapshotIdentifier: "rpl-a" }));
    s.advance(10);
    await s.src.rds(HOME).send(
      new ModifyDBSnapshotAttributeCommand({
        DBSnapshotIdentifier: "rpl-a",
        AttributeName: "restore",
        ValuesToAdd: [DR],
      }),
    );
    const err = await errorOf(
      s.dr.rds(HOME).send(
        new CopyDBSnapshotCommand({
          SourceDBSnapshotIdentifier: `arn:aws:rds:${HOME}:${SRC}:snapshot:rpl-a`,
          TargetDBSnapshotIdentifier: "rpl-c",
          KmsKeyId: s.drKey,
        }),
      ),
    );
    expect(err.name).toBe("KMSKeyNotAccessibleFault");
    expect(err.message).toContain(s.srcKey);
  });

  it("copies a shared snapshot with the DR key, applies tags, and times a full then incremental copy", async () => {
    const s = setup();
    const arn = await takeShared(s, "rpl-orders-1");
    const rds = s.dr.rds(HOME);
    const out = await rds.send(
      new CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: arn,
        TargetDBSnapshotIdentifier: "rpl-111111111111-orders-1",
        KmsKeyId: "alias/dr",
        Tags: [{ Key: "rpl-stage", Value: "dr" }],
      }),
    );
    expect(out.DBSnapshot).toMatchObject({
      Status: "creating",
      KmsKeyId: s.drKey,
      SourceDBSnapshotIdentifier: arn,
      DBInstanceIdentifier: "orders",
    });
    const first = s.world.snapshots(DR, HOME)[0]!;
    expect(first).toMatchObject({
      incremental: false,
      kmsKeyId: s.drKey,
      tags: { "rpl-stage": "dr" },
      copiedFrom: arn,
    });
    expect((first.completesAt.getTime() - first.startedAt.getTime()) / 60_000).toBe(15); // full: copyMinutesFor(100 GB, same region) = 5 + 60 * 100 / 600
    s.advance(20);
    expect(s.world.snapshots(DR, HOME)[0]?.status).toBe("available");

    const arn2 = await takeShared(s, "rpl-orders-2");
    await rds.send(
      new CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: arn2,
        TargetDBSnapshotIdentifier: "rpl-c2",
        KmsKeyId: s.drKey,
      }),
    );
    const second = s.world.snapshots(DR, HOME).find((x) => x.id === "rpl-c2")!;
    expect(second.incremental).toBe(true);
    // Incremental: 1 %/h of 100 GB over the 80 minutes between the two recovery points, at 600 GB/h, + 5 fixed.
    expect(second.gbMoved).toBeCloseTo((100 * 80) / 60 / 100, 9);
    expect((second.completesAt.getTime() - second.startedAt.getTime()) / 60_000).toBeCloseTo(5 + (60 * 4) / 3 / 600, 9);

    const otherKey = s.world.createKey(DR, HOME);
    const arn3 = await takeShared(s, "rpl-orders-3");
    await rds.send(
      new CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: arn3,
        TargetDBSnapshotIdentifier: "rpl-c3",
        KmsKeyId: otherKey,
      }),
    );
    expect(s.world.snapshots(DR, HOME).find((x) => x.id === "rpl-c3")?.incremental).toBe(false);
  });

  it("copies across regions within an account with the destination region's key, at the cross-region throughput", async () => {
    const s = setup();
    const arn = await takeShared(s);
    await s.dr.rds(HOME).send(
      new CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: arn,
        TargetDBSnapshotIdentifier: "rpl-c",
        KmsKeyId: s.drKey,
      }),
    );
    s.advance(20);
    const homeArn = `arn:aws:rds:${HOME}:${DR}:snapshot:rpl-c`;
    const wrongRegion = await errorOf(
      s.dr.rds(FAR).send(
        new CopyDBSnapshotCommand({
          SourceDBSnapshotIdentifier: homeArn,
          TargetDBSnapshotIdentifier: "rpl-r",
          KmsKeyId: s.drKey,
        }),
      ),
    );
    expect(wrongRegion.name).toBe("KMSKeyNotAccessibleFault");
    const out = await s.dr.rds(FAR).send(
      new CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: homeArn,
        TargetDBSnapshotIdentifier: "rpl-r",
        KmsKeyId: s.drFarKey,
      }),
    );
    expect(out.DBSnapshot).toMatchObject({
      SourceRegion: HOME,
      SourceDBSnapshotIdentifier: homeArn,
      KmsKeyId: s.drFarKey,
    });
    const far = s.world.snapshots(DR, FAR)[0]!;
    // A copy of a copy is full: 100 GB at 150 GB/h + 5 fixed minutes.
    expect(far.incremental).toBe(false);
    expect((far.completesAt.getTime() - far.startedAt.getTime()) / 60_000).toBe(45);
  });

  it("copies cross-account and cross-region in one call from a shared ARN", async () => {
    const s = setup();
    const arn = await takeShared(s);
    await s.dr.rds(FAR).send(
      new CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: arn,
        TargetDBSnapshotIdentifier: "rpl-d",
        KmsKeyId: s.drFarKey,
      }),
    );
    expect(s.world.snapshots(DR, FAR)[0]).toMatchObject({
      id: "rpl-d",
      region: FAR,
      account: DR,
      kmsKeyId: s.drFarKey,
      dbId: "orders",
    });
  });

  it("does not let an account copy a snapshot that is not shared with it", async () => {
    const s = setup();
    s.world.addSnapshot(SRC, HOME, { kind: "instance", id: "rpl-a", dbId: "orders" });
    const err = await errorOf(
      s.dr.rds(HOME).send(
        new CopyDBSnapshotCommand({
          SourceDBSnapshotIdentifier: `arn:aws:rds:${HOME}:${SRC}:snapshot:rpl-a`,
          TargetDBSnapshotIdentifier: "rpl-c",
        }),
      ),
    );
    expect(err.name).toBe("DBSnapshotNotFoundFault");
  });

  it("omits the source on same-account same-region instance copies but keeps it on cluster copies", async () => {
    const s = setup();
    s.world.addSnapshot(SRC, HOME, { kind: "instance", id: "a", dbId: "orders" });
    s.world.addSnapshot(SRC, HOME, { kind: "cluster", id: "b", dbId: "ledger" });
    const i = await s.src
      .rds(HOME)
      .send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: "a", TargetDBSnapshotIdentifier: "a2" }));
    const c = await s.src.rds(HOME).send(
      new CopyDBClusterSnapshotCommand({
        SourceDBClusterSnapshotIdentifier: "b",
        TargetDBClusterSnapshotIdentifier: "b2",
      }),
    );
    expect(i.DBSnapshot?.SourceDBSnapshotIdentifier).toBeUndefined();
    expect(c.DBClusterSnapshot?.SourceDBClusterSnapshotArn).toBe(`arn:aws:rds:${HOME}:${SRC}:cluster-snapshot:b`);
  });

  it("limits copies in flight per destination region and account", async () => {
    const s = setup({ quotas: { copiesInFlightPerRegion: 2 } });
    for (const id of ["a", "b", "c"]) s.world.addSnapshot(SRC, HOME, { kind: "instance", id, dbId: "orders" });
    const rds = s.src.rds(FAR);
    const copy = (id: string) =>
      rds.send(
        new CopyDBSnapshotCommand({
          SourceDBSnapshotIdentifier: `arn:aws:rds:${HOME}:${SRC}:snapshot:${id}`,
          TargetDBSnapshotIdentifier: `${id}-far`,
        }),
      );
    await copy("a");
    await copy("b");
    const err = await errorOf(copy("c"));
    expect(err.name).toBe("SnapshotQuotaExceededFault");
    expect(err.message).toContain("Cannot copy more than 2 snapshots across regions");
    s.advance(60);
    await copy("c");
    expect(s.world.snapshots(SRC, FAR).map((x) => x.id)).toEqual(["a-far", "b-far", "c-far"]);
  });

  it("fails copies at failCopyRate, decided by the injected PRNG", async () => {
    const s = setup({ faults: { failCopyRate: 0.5, random: () => 0.1 } });
    s.world.addSnapshot(SRC, HOME, { kind: "instance", id: "a", dbId: "orders" });
    await s.src
      .rds(HOME)
      .send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: "a", TargetDBSnapshotIdentifier: "a2" }));
    expect(s.world.snapshots(SRC, HOME).find((x) => x.id === "a2")?.status).toBe("creating");
    s.advance(60);
    expect(s.world.snapshots(SRC, HOME).find((x) => x.id === "a2")?.status).toBe("failed");
    s.world.faults = { failCopyRate: 0.5, random: () => 0.9 };
    await s.src
      .rds(HOME)
      .send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: "a", TargetDBSnapshotIdentifier: "a3" }));
    s.advance(60);
    expect(s.world.snapshots(SRC, HOME).find((x) => x.id === "a3")?.status).toBe("available");
  });
});

describe("RdsWorld deletes", () => {
  it("refuses deleting a snapshot being created; deleting the source of a copy in progress terminates the copy", async () => {
    const s = setup();
    const rds = s.src.rds(HOME);
    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "orders", DBSnapshotIdentifier: "rpl-a" }));
    expect((await errorOf(rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: "rpl-a" })))).name).toBe(
      "InvalidDBSnapshotStateFault",
    );
    s.advance(10);
    await rds.send(
      new ModifyDBSnapshotAttributeCommand({
        DBSnapshotIdentifier: "rpl-a",
        AttributeName: "restore",
        ValuesToAdd: [DR],
      }),
    );
    s.world.allowKeyUse(s.srcKey, DR);
    await s.dr.rds(HOME).send(
      new CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: `arn:aws:rds:${HOME}:${SRC}:snapshot:rpl-a`,
        TargetDBSnapshotIdentifier: "rpl-c",
        KmsKeyId: s.drKey,
      }),
    );
    // DeleteDBSnapshot API reference: "If the snapshot is being copied, the copy operation is terminated."
    const out = await rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: "rpl-a" }));
    expect(out.DBSnapshot?.Status).toBe("deleted");
    expect(
      (await s.dr.rds(HOME).send(new DescribeDBSnapshotsCommand({ SnapshotType: "shared" }))).DBSnapshots,
    ).toHaveLength(0);
    expect(s.world.snapshots(DR, HOME).map((x) => x.status)).toEqual(["failed"]);
  });

  it.each([
    ["an unknown snapshot", "nope", "DBSnapshotNotFoundFault"],
    ["an automated snapshot", "rds:orders-auto", "InvalidDBSnapshotStateFault"],
  ])("refuses deleting %s", async (_w, id, name) => {
    const s = setup();
    s.world.addSnapshot(SRC, HOME, { kind: "instance", id: "rds:orders-auto", dbId: "orders", type: "automated" });
    expect((await errorOf(s.src.rds(HOME).send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: id })))).name).toBe(
      name,
    );
  });

  it("records each deletion with what the deletion audit reads", async () => {
    const s = setup();
    const rds = s.src.rds(HOME);
    await rds.send(
      new CreateDBSnapshotCommand({
        DBInstanceIdentifier: "orders",
        DBSnapshotIdentifier: "rpl-a",
        Tags: [{ Key: "rpl-stage", Value: "local" }],
      }),
    );
    s.advance(10);
    const doneAt = T0.getTime() + 10 * 60_000; // 5 + 0.05 * 100 GB minutes
    const before = s.world.snapshots(SRC, HOME)[0];
    expect(before?.status).toBe("available");
    s.advance(5);
    const out = await rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: "rpl-a" }));
    // The response shows the snapshot as it was, deleted.
    expect(out.DBSnapshot).toMatchObject({ DBSnapshotIdentifier: "rpl-a", Status: "deleted", PercentProgress: 100 });
    expect(s.world.deletions()).toEqual([
      {
        account: SRC,
        region: HOME,
        kind: "instance",
        id: "rpl-a",
        tags: { "rpl-stage": "local" },
        doneAt,
        deletedAt: T0.getTime() + 15 * 60_000,
      },
    ]);
    expect(s.world.snapshots(SRC, HOME)).toEqual([]);
  });

  it("does not let another account delete a snapshot shared with it", async () => {
    const s = setup();
    const arn = await takeShared(s);
    expect((await errorOf(s.dr.rds(HOME).send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: arn })))).name).toBe(
      "DBSnapshotNotFoundFault",
    );
  });
});

describe("RdsWorld tags, restore and DB lifecycle", () => {
  it("adds tags to owned snapshots only", async () => {
    const s = setup();
    const arn = await takeShared(s);
    await s.src.rds(HOME).send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: [{ Key: "x", Value: "1" }] }));
    expect(s.world.snapshots(SRC, HOME)[0]?.tags).toEqual({ x: "1" });
    const err = await errorOf(
      s.dr.rds(HOME).send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: [{ Key: "y", Value: "2" }] })),
    );
    expect(err.name).toBe("DBSnapshotNotFoundFault");
  });

  it("restores an instance (creating for 20 + 0.2*GB minutes) and refuses an existing identifier", async () => {
    const s = setup();
    s.world.addSnapshot(DR, HOME, { kind: "instance", id: "copy", dbId: "orders", sizeGb: 50, kmsKeyArn: s.drKey });
    const rds = s.dr.rds(HOME);
    const out = await rds.send(
      new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: "orders-dr", DBSnapshotIdentifier: "copy" }),
    );
    expect(out.DBInstance?.DBInstanceStatus).toBe("creating");
    s.advance(29);
    expect(s.world.dbs(DR, HOME)[0]?.status).toBe("creating");
    s.advance(1);
    expect(s.world.dbs(DR, HOME)[0]).toMatchObject({ id: "orders-dr", status: "available", sizeGb: 50 });
    const err = await errorOf(
      rds.send(
        new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: "orders-dr", DBSnapshotIdentifier: "copy" }),
      ),
    );
    expect(err.name).toBe("DBInstanceAlreadyExistsFault");
  });

  it("restores a cluster, adds a member, and deletes member before cluster", async () => {
    const s = setup();
    s.world.addSnapshot(DR, HOME, { kind: "cluster", id: "copy", dbId: "ledger", kmsKeyArn: s.drKey });
    const rds = s.dr.rds(HOME);
    await rds.send(
      new RestoreDBClusterFromSnapshotCommand({
        DBClusterIdentifier: "ledger-dr",
        SnapshotIdentifier: "copy",
        Engine: "aurora-postgresql",
      }),
    );
    expect(
      (
        await errorOf(
          rds.send(
            new RestoreDBClusterFromSnapshotCommand({
              DBClusterIdentifier: "ledger-dr",
              SnapshotIdentifier: "copy",
              Engine: "aurora-postgresql",
            }),
          ),
        )
      ).name,
    ).toBe("DBClusterAlreadyExistsFault");
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: "ledger-dr-1",
        DBClusterIdentifier: "ledger-dr",
        DBInstanceClass: "db.r6g.large",
        Engine: "aurora-postgresql",
      }),
    );
    const cluster = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: "ledger-dr" })))
      .DBClusters?.[0];
    expect(cluster?.DBClusterMembers).toEqual([{ DBInstanceIdentifier: "ledger-dr-1", IsClusterWriter: true }]);
    expect(cluster?.KmsKeyId).toBe(s.drKey);
    const busy = await errorOf(
      rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: "ledger-dr", SkipFinalSnapshot: true })),
    );
    expect(busy.name).toBe("InvalidDBClusterStateFault");
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: "ledger-dr-1", SkipFinalSnapshot: true }));
    await rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: "ledger-dr", SkipFinalSnapshot: true }));
    expect(s.world.dbs(DR, HOME)).toEqual([]);
  });
});

describe("RdsWorld faults, KMS and events", () => {
  it("throttles each attempt; the handlers' SDK retry strategy retries it, and gives up after its max attempts", async () => {
    // The SDK backs off with setTimeout, which is virtual inside an engine process (as in the simulator).
    const engine = new Engine(T0.getTime());
    const draws = [0, 0, 0.9];
    const s = setup({
      clock: engine.clock,
      sdkRetries: true,
      faults: { throttleRate: 0.5, random: () => draws.shift() ?? 0.9 },
    });
    const results: Record<string, unknown> = {};
    const settle = async (key: string, p: Promise<{ $metadata: { attempts?: number } }>) => {
      await p.then(
        (v) => (results[key] = v.$metadata.attempts),
        (e: Error) => (results[key] = e.name),
      );
    };
    let throttledAttempts = 0;
    engine.spawn("calls", async () => {
      // Two throttled attempts, then one through: the call succeeds on its third attempt.
      await settle("ok", s.src.rds(HOME).send(new DescribeDBSnapshotsCommand({})));
      // Every attempt throttled: the SDK gives up after SDK_MAX_ATTEMPTS with the RDS error name.
      s.world.faults = { throttleRate: 1 };
      const before = s.world.callCount("DescribeDBSnapshots");
      await settle("failed", s.src.rds(HOME).send(new DescribeDBSnapshotsCommand({})));
      throttledAttempts = s.world.callCount("DescribeDBSnapshots") - before;
      // Per-service rates: KMS throttled, RDS not.
      s.world.faults = { throttleRate: { kms: 1 } };
      await settle("kms", s.src.kms(HOME).send(new DescribeKeyCommand({ KeyId: s.srcKey })));
      await settle("rds", s.src.rds(HOME).send(new DescribeDBSnapshotsCommand({})));
    });
    await engine.runUntil(T0.getTime() + 3_600_000);
    expect(results).toEqual({ ok: 3, failed: "Throttling", kms: "ThrottlingException", rds: 1 });
    expect(throttledAttempts).toBe(SDK_MAX_ATTEMPTS);
    // The backoff passed in virtual time.
    expect(engine.now).toBeGreaterThan(T0.getTime());
  });

  it("without sdkRetries, makes one attempt per call, so a fault surfaces at once", async () => {
    const s = setup({ faults: { throttleRate: 1 } });
    const err = await errorOf(s.src.rds(HOME).send(new DescribeDBSnapshotsCommand({})));
    expect(err.name).toBe("Throttling");
    expect(s.world.callCount("DescribeDBSnapshots")).toBe(1);
  });

  it("applies accessDenied and outage predicates, and picks up runtime changes to faults", async () => {
    const s = setup();
    s.world.faults = { accessDenied: (c) => c.command === "DeleteDBSnapshot" && c.account === SRC };
    const denied = await errorOf(s.src.rds(HOME).send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: "x" })));
    expect(denied.name).toBe("AccessDenied");
    s.world.faults = { outage: (c) => c.region === FAR && c.now >= T0 };
    const down = await errorOf(s.dr.rds(FAR).send(new DescribeDBSnapshotsCommand({})));
    expect(down).toMatchObject({ name: "InternalFailure", $fault: "server" });
    await expect(s.dr.rds(HOME).send(new DescribeDBSnapshotsCommand({}))).resolves.toMatchObject({ DBSnapshots: [] });
  });

  it("describes keys by ARN and alias, AWS-managed aws/rds included, and hides other accounts' keys", async () => {
    const s = setup();
    const kms = s.dr.kms(HOME);
    expect((await kms.send(new DescribeKeyCommand({ KeyId: "alias/aws/rds" }))).KeyMetadata).toMatchObject({
      KeyManager: "AWS",
      AWSAccountId: DR,
    });
    expect((await kms.send(new DescribeKeyCommand({ KeyId: "alias/dr" }))).KeyMetadata).toMatchObject({
      KeyManager: "CUSTOMER",
      Arn: s.drKey,
    });
    expect((await errorOf(kms.send(new DescribeKeyCommand({ KeyId: s.srcKey })))).name).toBe("AccessDeniedException");
    s.world.allowKeyUse(s.srcKey, DR);
    expect((await kms.send(new DescribeKeyCommand({ KeyId: s.srcKey }))).KeyMetadata?.Arn).toBe(s.srcKey);
    expect((await errorOf(kms.send(new DescribeKeyCommand({ KeyId: "alias/none" })))).name).toBe("NotFoundException");
    // Alias ARNs resolve in the account and region they name; a key ARN the model does not hold is not found.
    const aliasArn = `arn:aws:kms:${HOME}:${DR}:alias/dr`;
    expect((await kms.send(new DescribeKeyCommand({ KeyId: aliasArn }))).KeyMetadata?.Arn).toBe(s.drKey);
    const rdsAlias = `arn:aws:kms:${HOME}:${DR}:alias/aws/rds`;
    expect((await kms.send(new DescribeKeyCommand({ KeyId: rdsAlias }))).KeyMetadata?.KeyManager).toBe("AWS");
    const unknown = `${s.drKey.slice(0, -1)}f`;
    expect((await errorOf(kms.send(new DescribeKeyCommand({ KeyId: unknown })))).name).toBe("NotFoundException");
  });

  it("records PutEvents entries, routes them, and fails malformed entries one by one", async () => {
    const s = setup();
    const routed: string[] = [];
    s.world.onPutEvents = (e) => routed.push(`${e.account}:${e.entry.DetailType}`);
    const out = await s.src.events(HOME).send(
      new PutEventsCommand({
        Entries: [
          {
            Source: "rds-pilot-light",
            DetailType: "RDS Pilot Light Snapshot Shared",
            Detail: JSON.stringify({ a: 1 }),
            EventBusName: "arn:aws:events:eu-west-1:222222222222:event-bus/dr",
          },
          { Source: "rds-pilot-light", DetailType: "x", Detail: "not json" },
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(1);
    expect(out.Entries?.[1]).toEqual({ ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed." });
    expect(routed).toEqual([`${SRC}:RDS Pilot Light Snapshot Shared`]);
    expect(s.world.putEvents).toHaveLength(1);
    expect(s.world.putEvents[0]?.at).toEqual(T0);
  });

  it("fails unknown commands loudly", async () => {
    const s = setup();
    const { StopDBInstanceCommand } = await import("@aws-sdk/client-rds");
    const err = await errorOf(s.src.rds(HOME).send(new StopDBInstanceCommand({ DBInstanceIdentifier: "orders" })));
    expect(err.message).toContain("not implemented");
  });
});

describe("RdsWorld inspection helpers and caches", () => {
  it("returns the same frozen snapshot object until the snapshot changes, with status derived from the clock", async () => {
    const s = setup();
    const rds = s.src.rds(HOME);
    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "orders", DBSnapshotIdentifier: "rpl-a" }));
    const creating = s.world.snapshot(SRC, HOME, "rpl-a");
    expect(creating?.status).toBe("creating");
    s.advance(60);
    const first = s.world.snapshots(SRC, HOME)[0];
    expect(first?.status).toBe("available");
    expect(Object.isFrozen(first)).toBe(true);
    expect(s.world.snapshots(SRC, HOME)[0]).toBe(first);
    expect(s.world.snapshot(SRC, HOME, "rpl-a")).toBe(first);
    // Tags and sharing change the object; the list handed out is a copy each time.
    await rds.send(
      new AddTagsToResourceCommand({ ResourceName: first?.arn, Tags: [{ Key: "rpl-source-db", Value: "renamed" }] }),
    );
    const retagged = s.world.snapshot(SRC, HOME, "rpl-a");
    expect(retagged).not.toBe(first);
    expect(retagged?.dbId).toBe("renamed");
    s.world.allowKeyUse(s.srcKey, DR);
    await rds.send(
      new ModifyDBSnapshotAttributeCommand({
        DBSnapshotIdentifier: "rpl-a",
        AttributeName: "restore",
        ValuesToAdd: [DR],
      }),
    );
    expect(s.world.snapshot(SRC, HOME, "rpl-a")?.sharedWith).toEqual([DR]);
    const list = s.world.snapshots(SRC, HOME);
    list.pop();
    expect(s.world.snapshots(SRC, HOME)).toHaveLength(1);
  });

  it("finds snapshots by id or own ARN only, and indexes them by the DB they are labelled with", async () => {
    const s = setup();
    s.world.addSnapshot(SRC, HOME, { kind: "instance", id: "a1", dbId: "orders" });
    s.world.addSnapshot(SRC, HOME, { kind: "cluster", id: "c1", dbId: "ledger" });
    s.world.addSnapshot(SRC, HOME, { kind: "instance", id: "t1", dbId: "orders", tags: { "rpl-source-db": "other" } });
    expect(s.world.snapshot(SRC, HOME, "c1")?.kind).toBe("cluster");
    expect(s.world.snapshot(SRC, HOME, `arn:aws:rds:${HOME}:${SRC}:snapshot:a1`)?.id).toBe("a1");
    expect(s.world.snapshot(SRC, HOME, `arn:aws:rds:${FAR}:${SRC}:snapshot:a1`)).toBeUndefined();
    expect(s.world.snapshot(DR, HOME, "a1")).toBeUndefined();
    const ids = (dbId: string) =>
      s.world
        .snapshotsOf(SRC, HOME, dbId)
        .map((x) => x.id)
        .sort();
    // Same answer as filtering the full list by the normalized dbId (tag first, then the DB identifier).
    for (const dbId of ["orders", "ledger", "other", "none"]) {
      expect(ids(dbId)).toEqual(
        s.world
          .snapshots(SRC, HOME)
          .filter((x) => x.dbId === dbId)
          .map((x) => x.id)
          .sort(),
      );
    }
    expect(ids("orders")).toEqual(["a1"]);
    await s.src.rds(HOME).send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: "t1" }));
    expect(ids("other")).toEqual([]);
  });

  it("sees a snapshot deleted between two pages of one listing, like RDS", async () => {
    const s = setup();
    for (let i = 0; i < 150; i++)
      s.world.addSnapshot(SRC, HOME, { kind: "instance", id: `snap-${String(i).padStart(3, "0")}`, dbId: "orders" });
    const rds = s.src.rds(HOME);
    const page1 = await rds.send(new DescribeDBSnapshotsCommand({ SnapshotType: "manual", MaxRecords: 100 }));
    await rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: "snap-000" }));
    const page2 = await rds.send(
      new DescribeDBSnapshotsCommand({ SnapshotType: "manual", MaxRecords: 100, Marker: page1.Marker }),
    );
    // Markers are offsets: after the delete the second page starts one snapshot later and holds 49.
    expect(page2.DBSnapshots?.map((x) => x.DBSnapshotIdentifier)[0]).toBe("snap-101");
    expect(page2.DBSnapshots).toHaveLength(49);
  });

  it("hands out finished snapshot views frozen, so a caller cannot corrupt later responses", async () => {
    const s = setup();
    s.world.addSnapshot(SRC, HOME, { kind: "instance", id: "a1", dbId: "orders", tags: { k: "v" } });
    const out = await s.src.rds(HOME).send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: "a1" }));
    const view = out.DBSnapshots?.[0];
    expect(Object.isFrozen(view)).toBe(true);
    expect(() => view?.TagList?.push({ Key: "x", Value: "y" })).toThrow(TypeError);
    const again = await s.src.rds(HOME).send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: "a1" }));
    expect(again.DBSnapshots?.[0]?.TagList).toEqual([{ Key: "k", Value: "v" }]);
  });

  it("binds real SDK clients without aws-sdk-client-mock: send is the instance's own, calls are recorded", async () => {
    const s = setup();
    const { RDSClient } = await import("@aws-sdk/client-rds");
    const rds = s.src.rds(HOME);
    expect(rds).toBeInstanceOf(RDSClient);
    expect(Object.hasOwn(rds, "send")).toBe(true);
    await rds.send(new DescribeDBInstancesCommand({}));
    expect(s.world.calls.at(-1)).toMatchObject({ account: SRC, region: HOME, command: "DescribeDBInstances" });
  });

  it("records the calls made at one instant with one shared Date, a new one when the clock moves", async () => {
    const s = setup();
    const rds = s.src.rds(HOME);
    await rds.send(new DescribeDBInstancesCommand({}));
    await rds.send(new DescribeDBSnapshotsCommand({}));
    s.advance(1);
    await rds.send(new DescribeDBSnapshotsCommand({}));
    const [a, b, c] = s.world.calls.slice(-3);
    expect(a!.at).toEqual(T0);
    expect(b!.at).toBe(a!.at);
    expect(c!.at).toEqual(new Date(T0.getTime() + 60_000));
    expect(a!.at).toEqual(T0); // not moved by the later instant
  });
});

describe("RdsModel memo", () => {
  it("lets a snapshot's in-progress views go once it is finished, and a deleted snapshot's views with it", () => {
    let now = T0.getTime();
    const rds = new RdsModel({
      now: () => now,
      timing: DEFAULT_TIMING,
      faults: () => ({}),
      quotas: DEFAULT_QUOTAS,
      kms: new KmsModel(),
    });
    rds.addDb("instance", SRC, HOME, { id: "orders", sizeGb: 100 });
    rds.createDBSnapshot(SRC, HOME, { DBInstanceIdentifier: "orders", DBSnapshotIdentifier: "rpl-a" });
    const rec = rds.ownedSnapshot(SRC, HOME, "rpl-a")!;
    now += 60_000; // 10 % of 10 minutes
    const inProgress = rds.view(rec);
    expect(inProgress).toMatchObject({ Status: "creating", PercentProgress: 10 });
    expect(rds.view(rec)).toBe(inProgress);
    expect(rec.memo?.progOwner).toBe(inProgress);
    now += 9 * 60_000;
    const done = rds.view(rec);
    expect(done).toMatchObject({ Status: "available", PercentProgress: 100 });
    expect(rds.view(rec)).toBe(done);
    expect(rec.memo).toMatchObject({ owner: done, progOwner: undefined, progShared: undefined, progTags: undefined });
    rds.deleteDBSnapshot(SRC, HOME, { DBSnapshotIdentifier: "rpl-a" });
    expect(rec.memo).toBeUndefined();
  });
});

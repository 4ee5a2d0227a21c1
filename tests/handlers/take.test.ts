import {
  CreateDBClusterSnapshotCommand,
  CreateDBSnapshotCommand,
  DBClusterNotFoundFault,
  DBClusterSnapshotAlreadyExistsFault,
  DBSnapshotAlreadyExistsFault,
  DescribeAccountAttributesCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  InvalidDBInstanceStateFault,
  SnapshotQuotaExceededFault,
} from "@aws-sdk/client-rds";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, PartialFailureError, TransientAwsError } from "../../functions/lib/errors";
import { isValidSnapshotId } from "../../functions/lib/identifiers";
import { recordToTags } from "../../functions/lib/tags";
import type { TakeConfig } from "../../functions/take/config";
import { makeHandler } from "../../functions/take/handler";
import { takeTags } from "../../functions/take/plan";
import { spyObservability } from "../helpers/restoreFixtures";
import {
  awsError,
  db,
  depsWith,
  REGION,
  realClients,
  sdkCluster,
  type sdkClusterSnapshot,
  sdkInstance,
  sdkSnapshot,
  spyObs,
} from "./takeShare.fixtures";

const NOW = "2026-11-25T06:37:12Z";
const SLOT = "20261125-0600";
const config: TakeConfig = { region: REGION, dbIdRegex: /.*/, intervalMinutes: 60, quotaHeadroom: 2 };

const { rds, clients } = realClients();
const rdsMock = mockClient(rds);
let spies = spyObs();

function handler(over: Partial<TakeConfig> = {}, now = NOW) {
  return makeHandler(depsWith(clients, { ...config, ...over }, now, spies.obs));
}

function world(o: {
  instances?: ReturnType<typeof sdkInstance>[];
  clusters?: ReturnType<typeof sdkCluster>[];
  snapshots?: ReturnType<typeof sdkSnapshot>[];
  clusterSnapshots?: ReturnType<typeof sdkClusterSnapshot>[];
  quotas?: { AccountQuotaName: string; Used: number; Max: number }[];
}) {
  rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: o.instances ?? [] });
  rdsMock.on(DescribeDBClustersCommand).resolves({ DBClusters: o.clusters ?? [] });
  rdsMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: o.snapshots ?? [] });
  rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: o.clusterSnapshots ?? [] });
  rdsMock.on(DescribeAccountAttributesCommand).resolves({ AccountQuotas: o.quotas ?? [] });
  rdsMock.on(CreateDBSnapshotCommand).resolves({});
  rdsMock.on(CreateDBClusterSnapshotCommand).resolves({});
}

const created = () => rdsMock.commandCalls(CreateDBSnapshotCommand).map((c) => c.args[0].input.DBSnapshotIdentifier);
const createdClusters = () =>
  rdsMock.commandCalls(CreateDBClusterSnapshotCommand).map((c) => c.args[0].input.DBClusterSnapshotIdentifier);
const metric = (name: string) => spies.metrics.addMetric.mock.calls.filter((c) => c[0] === name).map((c) => c[2]);

beforeEach(() => {
  spies = spyObs();
});
afterEach(() => {
  rdsMock.reset();
});

describe("take handler", () => {
  it("snapshots due instances and clusters with the slot id and tags, skipping cluster members and fresh DBs", async () => {
    world({
      instances: [
        sdkInstance("orders"),
        sdkInstance("aurora-1", { clusterId: "aurora" }),
        sdkInstance("fresh"),
        sdkInstance("off", { status: "stopped" }),
      ],
      clusters: [sdkCluster("aurora")],
      snapshots: [sdkSnapshot("rpl-fresh-x", "fresh", { createdAt: "2026-11-25T06:00:04Z" })],
      quotas: [
        // 3 free, 2 candidate instances, headroom 2: too short to create blindly, so the run lists snapshots.
        { AccountQuotaName: "ManualSnapshots", Used: 97, Max: 100 },
        { AccountQuotaName: "ManualClusterSnapshots", Used: 3, Max: 100 },
      ],
    });

    const summary = await handler()({});

    expect(rdsMock.commandCalls(CreateDBSnapshotCommand).map((c) => c.args[0].input)).toEqual([
      {
        DBInstanceIdentifier: "orders",
        DBSnapshotIdentifier: `rpl-orders-${SLOT}`,
        Tags: recordToTags(takeTags(db("orders"), new Date(NOW))),
      },
    ]);
    expect(rdsMock.commandCalls(CreateDBClusterSnapshotCommand).map((c) => c.args[0].input)).toEqual([
      {
        DBClusterIdentifier: "aurora",
        DBClusterSnapshotIdentifier: `rpl-aurora-${SLOT}`,
        Tags: recordToTags(takeTags(db("aurora", { kind: "cluster" }), new Date(NOW))),
      },
    ]);
    expect(rdsMock.commandCalls(DescribeDBSnapshotsCommand)[0]?.args[0].input).toMatchObject({
      SnapshotType: "manual",
      MaxRecords: 100,
    });
    expect(rdsMock.commandCalls(DescribeDBSnapshotsCommand)[0]?.args[0].input).not.toHaveProperty(
      "DBInstanceIdentifier",
    );
    expect(summary).toEqual({
      created: 2,
      alreadyExisted: 0,
      skipped: 1,
      quotaBlocked: 0,
      failed: 0,
      pending: 2,
      upToDate: 1,
      ignored: 0,
      snapshotIds: [`rpl-aurora-${SLOT}`, `rpl-orders-${SLOT}`],
      skippedDbs: [{ dbId: "off", kind: "instance", reason: "not-available", detail: 'status is "stopped"' }],
      leftPending: 0,
    });
    expect(metric("SnapshotsTaken")).toEqual([2]);
    expect(metric("StepFailures")).toEqual([0]);
    expect(spies.logger.info).toHaveBeenCalledWith("snapshot created", {
      dbId: "orders",
      kind: "instance",
      snapshotId: `rpl-orders-${SLOT}`,
    });
    expect(spies.logger.info).toHaveBeenCalledWith("db skipped", {
      dbId: "off",
      kind: "instance",
      reason: "not-available",
      detail: 'status is "stopped"',
    });
  });

  it("pages through more than 100 DBs and 100 snapshots with Marker", async () => {
    const ids = Array.from({ length: 150 }, (_, i) => `db-${String(i).padStart(3, "0")}`);
    // db-000..db-119 have a fresh snapshot; db-120..db-149 are due.
    const snaps = ids
      .slice(0, 120)
      .map((id) => sdkSnapshot(`rpl-${id}-fresh`, id, { createdAt: "2026-11-25T06:01:00Z" }));
    // 150 free for 150 candidates, headroom 2: the run lists snapshots to find the 30 due.
    world({ quotas: [{ AccountQuotaName: "ManualSnapshots", Used: 0, Max: 150 }] });
    // The SDK paginator reuses (mutates) its input object, so record each call's Marker as it is sent.
    const dbMarkers: (string | undefined)[] = [];
    const snapMarkers: (string | undefined)[] = [];
    rdsMock.on(DescribeDBInstancesCommand).callsFake((input) => {
      dbMarkers.push(input.Marker);
      return input.Marker === "m1"
        ? { DBInstances: ids.slice(100).map((id) => sdkInstance(id)) }
        : { DBInstances: ids.slice(0, 100).map((id) => sdkInstance(id)), Marker: "m1" };
    });
    rdsMock.on(DescribeDBSnapshotsCommand).callsFake((input) => {
      snapMarkers.push(input.Marker);
      return input.Marker === "s1"
        ? { DBSnapshots: snaps.slice(100) }
        : { DBSnapshots: snaps.slice(0, 100), Marker: "s1" };
    });

    const summary = await handler()({});

    expect(dbMarkers).toEqual([undefined, "m1"]);
    expect(snapMarkers).toEqual([undefined, "s1"]);
    expect(created()).toEqual(ids.slice(120).map((id) => `rpl-${id}-${SLOT}`));
    expect(summary).toMatchObject({ created: 30, upToDate: 120, pending: 30, failed: 0 });
  });

  it.each([
    ["instance", new DBSnapshotAlreadyExistsFault({ message: "exists", $metadata: {} })],
    ["cluster", new DBClusterSnapshotAlreadyExistsFault({ message: "exists", $metadata: {} })],
  ])("counts an already-existing %s snapshot of this slot as success", async (kind, err) => {
    world(kind === "instance" ? { instances: [sdkInstance("orders")] } : { clusters: [sdkCluster("orders")] });
    if (kind === "instance") rdsMock.on(CreateDBSnapshotCommand).rejects(err);
    else rdsMock.on(CreateDBClusterSnapshotCommand).rejects(err);

    const summary = await handler()({});

    expect(summary).toMatchObject({
      created: 0,
      alreadyExisted: 1,
      failed: 0,
      pending: 1,
      snapshotIds: [`rpl-orders-${SLOT}`],
    });
    expect(metric("SnapshotsTaken")).toEqual([0]);
  });

  it("keeps quota headroom: creates what fits, then fails naming the DBs held back", async () => {
    world({
      instances: [sdkInstance("a"), sdkInstance("b"), sdkInstance("c")],
      snapshots: [
        sdkSnapshot("old-a", "a", { createdAt: "2026-11-25T01:00:00Z" }),
        sdkSnapshot("old-b", "b", { createdAt: "2026-11-25T02:00:00Z" }),
      ],
      quotas: [{ AccountQuotaName: "ManualSnapshots", Used: 97, Max: 100 }],
    });

    const err = await handler()({}).catch((e: unknown) => e);

    // 3 free, keep 2: only the stalest (c, never snapshotted) is taken.
    expect(created()).toEqual([`rpl-c-${SLOT}`]);
    expect(err).toBeInstanceOf(PartialFailureError);
    expect((err as PartialFailureError).failures).toEqual([
      {
        id: "a",
        error: "SnapshotQuotaError",
        message:
          "not snapshotted: ManualSnapshots quota has 3 of 100 free and RPL_QUOTA_HEADROOM keeps 2; raise the RDS quota or shorten retention",
      },
      {
        id: "b",
        error: "SnapshotQuotaError",
        message:
          "not snapshotted: ManualSnapshots quota has 3 of 100 free and RPL_QUOTA_HEADROOM keeps 2; raise the RDS quota or shorten retention",
      },
    ]);
    expect((err as Error).message).toMatch(
      /^take failed for 2 item\(s\): a \(SnapshotQuotaError: .*; b \(SnapshotQuotaError: /,
    );
    expect(metric("StepFailures")).toEqual([2]);
    expect(spies.metrics.addMetadata).toHaveBeenCalledWith("failedDbs", "a,b");
  });

  it("publishes SnapshotQuotaBlocked per region and kind for held-back and quota-failed DBs (issue 13)", async () => {
    world({
      instances: [sdkInstance("a"), sdkInstance("b")],
      clusters: [sdkCluster("c")],
      quotas: [
        { AccountQuotaName: "ManualSnapshots", Used: 0, Max: 100 },
        { AccountQuotaName: "ManualClusterSnapshots", Used: 98, Max: 100 },
      ],
    });
    rdsMock
      .on(CreateDBSnapshotCommand, { DBInstanceIdentifier: "a" })
      .rejects(new SnapshotQuotaExceededFault({ message: "quota", $metadata: {} }));
    const spy = spyObservability();

    await expect(makeHandler(depsWith(clients, config, NOW, spy.obs))({})).rejects.toThrow(PartialFailureError);

    // c is held back by the cluster headroom; a hit the instance quota on create; b was taken.
    expect(spy.metrics.filter((m) => m.name === "SnapshotQuotaBlocked")).toEqual([
      { name: "SnapshotQuotaBlocked", unit: "Count", value: 1, dimensions: { Region: REGION, Kind: "cluster" } },
      { name: "SnapshotQuotaBlocked", unit: "Count", value: 1, dimensions: { Region: REGION, Kind: "instance" } },
    ]);
  });

  it("publishes no SnapshotQuotaBlocked when nothing was blocked (the quota alarm returns to OK)", async () => {
    world({ instances: [sdkInstance("a")] });
    const spy = spyObservability();
    await makeHandler(depsWith(clients, config, NOW, spy.obs))({});
    expect(created()).toEqual([`rpl-a-${SLOT}`]);
    expect(spy.metrics.filter((m) => m.name === "SnapshotQuotaBlocked")).toEqual([]);
  });

  it("applies the cluster quota to clusters only", async () => {
    world({
      instances: [sdkInstance("i")],
      clusters: [sdkCluster("c")],
      quotas: [
        { AccountQuotaName: "ManualSnapshots", Used: 0, Max: 100 },
        { AccountQuotaName: "ManualClusterSnapshots", Used: 98, Max: 100 },
      ],
    });
    const err = await handler()({}).catch((e: unknown) => e);
    expect(created()).toEqual([`rpl-i-${SLOT}`]);
    expect(createdClusters()).toEqual([]);
    expect((err as PartialFailureError).failures.map((f) => f.id)).toEqual(["c"]);
  });

  it("maps SnapshotQuotaExceeded on create to a SnapshotQuotaError and carries on with the other DBs", async () => {
    world({ instances: [sdkInstance("a"), sdkInstance("b")] });
    rdsMock
      .on(CreateDBSnapshotCommand, { DBInstanceIdentifier: "a" })
      .rejects(new SnapshotQuotaExceededFault({ message: "quota", $metadata: {} }));

    const err = await handler()({}).catch((e: unknown) => e);

    expect(created()).toEqual([`rpl-a-${SLOT}`, `rpl-b-${SLOT}`]);
    expect(err).toBeInstanceOf(PartialFailureError);
    expect((err as PartialFailureError).failures).toEqual([
      {
        id: "a",
        error: "SnapshotQuotaError",
        message: `creating rpl-a-${SLOT} hit the manual snapshot quota (quota); raise the RDS quota or shorten retention`,
      },
    ]);
    expect(metric("SnapshotsTaken")).toEqual([1]);
  });

  it("fails with the AWS error name for a permanent error, after creating the others", async () => {
    world({ instances: [sdkInstance("a"), sdkInstance("b")] });
    rdsMock
      .on(CreateDBSnapshotCommand, { DBInstanceIdentifier: "b" })
      .rejects(awsError("AccessDenied", "not authorized"));

    const err = await handler()({}).catch((e: unknown) => e);

    expect(created()).toEqual([`rpl-a-${SLOT}`, `rpl-b-${SLOT}`]);
    expect((err as PartialFailureError).failures).toEqual([
      {
        id: "b",
        error: "AccessDenied",
        message: `take: CreateDBSnapshot rpl-b-${SLOT} of b failed: AccessDenied: not authorized`,
      },
    ]);
  });

  it("throws TransientAwsError when the only failures are throttling, so the step is retried", async () => {
    world({ instances: [sdkInstance("a"), sdkInstance("b")] });
    rdsMock.on(CreateDBSnapshotCommand, { DBInstanceIdentifier: "a" }).rejects(awsError("Throttling", "Rate exceeded"));

    const err = await handler()({}).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(TransientAwsError);
    expect((err as Error).message).toBe(
      `take failed for 1 item(s): a (TransientAwsError: take: CreateDBSnapshot rpl-a-${SLOT} of a failed: Throttling: Rate exceeded)`,
    );
    expect(created()).toEqual([`rpl-a-${SLOT}`, `rpl-b-${SLOT}`]);
  });

  it("throws PartialFailureError when throttling is mixed with a permanent failure", async () => {
    world({ instances: [sdkInstance("a"), sdkInstance("b")] });
    rdsMock.on(CreateDBSnapshotCommand, { DBInstanceIdentifier: "a" }).rejects(awsError("Throttling"));
    rdsMock.on(CreateDBSnapshotCommand, { DBInstanceIdentifier: "b" }).rejects(awsError("AccessDenied"));
    const err = await handler()({}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PartialFailureError);
    expect((err as PartialFailureError).failures.map((f) => [f.id, f.error])).toEqual([
      ["a", "TransientAwsError"],
      ["b", "AccessDenied"],
    ]);
  });

  it("maps throttling while listing to TransientAwsError and creates nothing", async () => {
    world({ instances: [sdkInstance("a")] });
    rdsMock.on(DescribeDBInstancesCommand).rejects(awsError("Throttling", "Rate exceeded"));
    await expect(handler()({})).rejects.toThrow(
      new TransientAwsError(
        "take: DescribeDBInstances/DescribeDBClusters in eu-west-1 failed: Throttling: Rate exceeded",
      ),
    );
    expect(created()).toEqual([]);
  });

  it("reports a DB that stopped between listing and create as skipped", async () => {
    world({ instances: [sdkInstance("a")] });
    rdsMock
      .on(CreateDBSnapshotCommand)
      .rejects(new InvalidDBInstanceStateFault({ message: "stopping", $metadata: {} }));
    const summary = await handler()({});
    expect(summary).toMatchObject({
      created: 0,
      failed: 0,
      skipped: 1,
      skippedDbs: [
        {
          dbId: "a",
          kind: "instance",
          reason: "not-available",
          detail: "DB changed state before the snapshot started",
        },
      ],
    });
  });

  it("scopes a run to { dbId } with server-side filters", async () => {
    world({ instances: [sdkInstance("orders")] });
    rdsMock.on(DescribeDBClustersCommand).rejects(new DBClusterNotFoundFault({ message: "no", $metadata: {} }));

    const summary = await handler()({ dbId: "orders" });

    expect(rdsMock.commandCalls(DescribeDBInstancesCommand)[0]?.args[0].input).toMatchObject({
      DBInstanceIdentifier: "orders",
    });
    expect(rdsMock.commandCalls(DescribeDBClustersCommand)[0]?.args[0].input).toMatchObject({
      DBClusterIdentifier: "orders",
    });
    // Quota headroom is ample, so no snapshot listing: the slot id and RDS's SnapshotAlreadyExists decide.
    expect(rdsMock.commandCalls(DescribeDBSnapshotsCommand)).toHaveLength(0);
    expect(created()).toEqual([`rpl-orders-${SLOT}`]);
    expect(summary.created).toBe(1);
    expect(spies.logger.appendKeys).toHaveBeenCalledWith({ dbId: "orders" });
  });

  it.each([[{ dbId: "" }], [{ dbId: 5 }], [{ dbId: "bad_id" }], [{ dbId: "1abc" }]])(
    "rejects the event %j naming event.dbId",
    async (event) => {
      world({});
      await expect(handler()(event)).rejects.toThrow(ConfigError);
      await expect(handler()(event)).rejects.toThrow(/take event\.dbId must be/);
      expect(rdsMock.calls()).toHaveLength(0);
    },
  );

  it("treats a scheduler payload without dbId as a sweep", async () => {
    world({ instances: [sdkInstance("a")] });
    const summary = await handler()({ "detail-type": "Scheduled Event", detail: {} });
    expect(summary.created).toBe(1);
  });

  it("creates valid cluster snapshot ids (<= 63 chars) for 63-character cluster identifiers", async () => {
    const long = `c${"x".repeat(61)}1`;
    world({ clusters: [sdkCluster(long)] });
    await handler()({});
    const [id] = createdClusters();
    expect(id).toBeDefined();
    expect(id?.length).toBeLessThanOrEqual(63);
    expect(isValidSnapshotId(id ?? "", "cluster")).toBe(true);
    expect(rdsMock.commandCalls(CreateDBClusterSnapshotCommand)[0]?.args[0].input.DBClusterIdentifier).toBe(long);
  });

  it("names ids and ages in UTC across the Europe DST switch (2026-03-29T01:30Z)", async () => {
    world({
      instances: [sdkInstance("due"), sdkInstance("fresh")],
      snapshots: [
        sdkSnapshot("s-due", "due", { createdAt: "2026-03-29T00:59:59Z" }),
        sdkSnapshot("s-fresh", "fresh", { createdAt: "2026-03-29T01:00:00Z" }),
      ],
      // 3 free for 2 candidates, headroom 2: the run lists snapshots.
      quotas: [{ AccountQuotaName: "ManualSnapshots", Used: 97, Max: 100 }],
    });
    const summary = await handler({}, "2026-03-29T01:30:00Z")({});
    expect(created()).toEqual(["rpl-due-20260329-0100"]);
    expect(summary.upToDate).toBe(1);
    const tags = rdsMock.commandCalls(CreateDBSnapshotCommand)[0]?.args[0].input.Tags;
    expect(tags).toContainEqual({ Key: "rpl-recovery-point", Value: "2026-03-29T01:30:00.000Z" });
  });

  it("skips DBs without the opt-in tag and counts them as ignored", async () => {
    world({ instances: [sdkInstance("in", { tags: { dr: "yes" } }), sdkInstance("out")] });
    const summary = await handler({ optInTag: { key: "dr", value: "yes" } })({});
    expect(created()).toEqual([`rpl-in-${SLOT}`]);
    expect(summary).toMatchObject({ created: 1, ignored: 1 });
  });
});

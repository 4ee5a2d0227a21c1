/**
 * The handler helpers made cheaper per run (issue 10) do what they did before: the listings of functions/lib/rds.ts
 * send exactly the SDK paginators' requests and keep every item in order, and `newestTaggedPerDb`
 * (functions/share/revoked.ts) and `planDeletedDbs` (functions/lib/sourceDeleted.ts) return what their previous
 * versions (kept below as oracles, verbatim) returned, on random inputs. Fixed seed.
 */
import {
  type DBCluster,
  type DBInstance,
  type DBSnapshot,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  paginateDescribeDBInstances,
  paginateDescribeDBSnapshots,
  RDSClient,
} from "@aws-sdk/client-rds";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { drCopyId, sourceSnapshotId } from "../../functions/lib/identifiers";
import { isoText } from "../../functions/lib/isoTime";
import { type Db, type DbKind, recoveryPointOf, type Snapshot } from "../../functions/lib/model";
import { listDbs, listSnapshots, listSnapshotsOnce } from "../../functions/lib/rds";
import { planDeletedDbs, SOURCE_DELETED_TAG } from "../../functions/lib/sourceDeleted";
import { countListed } from "../../functions/lib/sweep";
import { isOwned, MANAGED_BY_VALUE, TAG } from "../../functions/lib/tags";
import type { SharePlan } from "../../functions/share/plan";
import { newestTaggedPerDb } from "../../functions/share/revoked";

const SEED = 1014;
const HOME = "eu-west-1";
const ACCOUNT = "111122223333";

/** An RDS client answering the Describe calls page by page (Marker = offset), recording a copy of every input. */
function pagedRds(snapshots: DBSnapshot[], instances: DBInstance[] = [], clusters: DBCluster[] = []) {
  const rds = new RDSClient({ region: HOME, credentials: { accessKeyId: "x", secretAccessKey: "y" } });
  const mock = mockClient(rds);
  const calls: { command: string; input: Record<string, unknown> }[] = [];
  const page = <T>(command: string, items: T[], i: { Marker?: string; MaxRecords?: number }) => {
    // The keys present too (the paginators set `Marker` even to undefined).
    calls.push({ command, input: { ...i } });
    const start = i.Marker ? Number(i.Marker) : 0;
    const end = start + (i.MaxRecords ?? 100);
    return { items: items.slice(start, end), ...(end < items.length ? { Marker: String(end) } : {}) };
  };
  mock.on(DescribeDBSnapshotsCommand).callsFake((i) => {
    const p = page("DescribeDBSnapshots", snapshots, i);
    return { DBSnapshots: p.items, Marker: p.Marker };
  });
  mock.on(DescribeDBClusterSnapshotsCommand).callsFake((i) => {
    const p = page("DescribeDBClusterSnapshots", [], i);
    return { DBClusterSnapshots: p.items, Marker: p.Marker };
  });
  mock.on(DescribeDBInstancesCommand).callsFake((i) => {
    const p = page("DescribeDBInstances", instances, i);
    return { DBInstances: p.items, Marker: p.Marker };
  });
  mock.on(DescribeDBClustersCommand).callsFake((i) => {
    const p = page("DescribeDBClusters", clusters, i);
    return { DBClusters: p.items, Marker: p.Marker };
  });
  return { rds, calls };
}

function rawSnapshot(i: number): DBSnapshot {
  const id = `snap-${i}`;
  return {
    DBSnapshotIdentifier: id,
    DBSnapshotArn: `arn:aws:rds:${HOME}:${ACCOUNT}:snapshot:${id}`,
    DBInstanceIdentifier: `db${i % 3}`,
    SnapshotType: "manual",
    Status: "available",
    SnapshotCreateTime: new Date(Date.UTC(2026, 0, 1, 0, i)),
  };
}

describe("listSnapshots / listDbs pagination", () => {
  it("sends the requests the SDK paginator sends, page by page, and keeps every item in order", async () => {
    const items = Array.from({ length: 250 }, (_, i) => rawSnapshot(i));
    const { rds, calls } = pagedRds(items);

    const listed = await listSnapshots(rds, { type: "manual", kind: "instance", dbId: "db1" });
    const ours = calls.splice(0);
    const input = { SnapshotType: "manual", MaxRecords: 100, Filters: [{ Name: "db-instance-id", Values: ["db1"] }] };
    for await (const _ of paginateDescribeDBSnapshots({ client: rds, pageSize: 100 }, input)) {
      // drained: the paginator's own requests are recorded
    }

    expect(ours).toEqual(calls);
    expect(ours.map((c) => c.input.Marker)).toEqual([undefined, "100", "200"]);
    expect(ours.every((c) => "Marker" in c.input)).toBe(true);
    expect(listed.map((s) => s.id)).toEqual(items.map((s) => s.DBSnapshotIdentifier));
  });

  it("defaults MaxRecords as the paginator does for a lookup by identifier", async () => {
    const instances: DBInstance[] = [
      { DBInstanceIdentifier: "orders", DBInstanceArn: `arn:aws:rds:${HOME}:${ACCOUNT}:db:orders` },
    ];
    const { rds, calls } = pagedRds([], instances);

    const dbs = await listDbs(rds, { kind: "instance", id: "orders" });
    const ours = calls.splice(0);
    for await (const _ of paginateDescribeDBInstances(
      { client: rds, pageSize: 100 },
      { DBInstanceIdentifier: "orders" },
    )) {
      // drained
    }

    expect(ours).toEqual(calls);
    expect(ours).toEqual([
      { command: "DescribeDBInstances", input: { DBInstanceIdentifier: "orders", Marker: undefined, MaxRecords: 100 } },
    ]);
    expect(dbs.map((d) => d.id)).toEqual(["orders"]);
  });

  it("listSnapshotsOnce: one frozen page of frozen items is normalized once, and the same array is handed out again", async () => {
    const frozenItem = (i: number): DBSnapshot => {
      const s = { ...rawSnapshot(i), TagList: Object.freeze([Object.freeze({ Key: "k", Value: `v${i}` })]) };
      return Object.freeze(s) as DBSnapshot;
    };
    const page = Object.freeze(Array.from({ length: 5 }, (_, i) => frozenItem(i)));
    const rds = new RDSClient({ region: HOME, credentials: { accessKeyId: "x", secretAccessKey: "y" } });
    mockClient(rds)
      .on(DescribeDBSnapshotsCommand)
      .callsFake(() => ({ DBSnapshots: page }));
    const q = { type: "manual", kind: "instance", dbId: "db1" } as const;
    const first = await listSnapshotsOnce(rds, q);
    const again = await listSnapshotsOnce(rds, q);
    expect(again).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    // The same snapshots as listSnapshots, which hands out a fresh array every time (its callers may change it).
    const fresh = await listSnapshots(rds, q);
    expect(fresh).toEqual(first);
    expect(fresh).not.toBe(first);
    expect(Object.isFrozen(fresh)).toBe(false);
    expect(first.map((s) => s.tags.k)).toEqual(["v0", "v1", "v2", "v3", "v4"]);
  });

  it("listSnapshotsOnce: a page that is not frozen, or holds an item that is not, is normalized afresh every time", async () => {
    const open = Array.from({ length: 3 }, (_, i) => rawSnapshot(i));
    const mixed = Object.freeze([Object.freeze(rawSnapshot(7)), rawSnapshot(8)]);
    for (const page of [open, mixed]) {
      const rds = new RDSClient({ region: HOME, credentials: { accessKeyId: "x", secretAccessKey: "y" } });
      mockClient(rds)
        .on(DescribeDBSnapshotsCommand)
        .callsFake(() => ({ DBSnapshots: page }));
      const q = { type: "manual", kind: "instance" } as const;
      const first = await listSnapshotsOnce(rds, q);
      const again = await listSnapshotsOnce(rds, q);
      expect(again).not.toBe(first);
      expect(again).toEqual(first);
      expect(first.map((s) => s.id)).toEqual(page.map((s) => s.DBSnapshotIdentifier));
    }
  });

  it("listSnapshotsOnce lists what listSnapshots lists, over several pages", async () => {
    const items = Array.from({ length: 250 }, (_, i) => rawSnapshot(i));
    const { rds } = pagedRds(items);
    const q = { type: "manual" } as const;
    expect(await listSnapshotsOnce(rds, q)).toEqual(await listSnapshots(rds, q));
    expect((await listSnapshotsOnce(rds, q)).length).toBe(250);
  });

  it("refuses a client that is not an RDSClient, as the paginators do", async () => {
    const notAClient = { send: async () => ({}) } as unknown as RDSClient;
    await expect(listSnapshots(notAClient, { type: "manual" })).rejects.toThrow(
      "Invalid client, expected instance of RDSClient",
    );
  });
});

describe("isoText", () => {
  it.each([0, 1_767_225_600_000, 1_767_225_600_123, -1])("is toISOString of %d, again when remembered", (ms) => {
    expect(isoText(ms)).toBe(new Date(ms).toISOString());
    expect(isoText(ms)).toBe(new Date(ms).toISOString());
  });

  it("throws on an invalid instant, as toISOString does", () => {
    expect(() => isoText(Number.NaN)).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------- oracles: the previous versions, verbatim

function legacyNewestTaggedPerDb(plan: SharePlan, snapshots: readonly Snapshot[]): Snapshot[] {
  const tagged = new Set(plan.alreadyShared);
  const newest = new Map<string, { s: Snapshot; at: number }>();
  const consider = (s: Snapshot) => {
    const key = `${s.kind}|${s.dbId}`;
    const at = recoveryPointOf(s)?.getTime() ?? Number.NEGATIVE_INFINITY;
    const prev = newest.get(key);
    if (!prev || at > prev.at || (at === prev.at && s.id > prev.s.id)) newest.set(key, { s, at });
  };
  for (const s of snapshots) if (tagged.has(s.id)) consider(s);
  for (const s of plan.toShare) consider(s);
  return [...newest.values()]
    .map((v) => v.s)
    .filter((s) => tagged.has(s.id))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function legacyPlanDeletedDbs(input: Parameters<typeof planDeletedDbs>[0]): ReturnType<typeof planDeletedDbs> {
  const live = new Set(input.liveDbs.map((d) => `${d.kind}|${d.id.toLowerCase()}`));
  const newest = new Map<string, Snapshot>();
  for (const s of input.snapshots) {
    if (!isOwned(s.tags) || s.tags[TAG.stage] !== "source" || s.region !== input.region) continue;
    const dbId = s.tags[TAG.sourceDb] ?? s.dbId;
    if (!dbId) continue;
    const key = `${s.kind}|${dbId.toLowerCase()}`;
    if (live.has(key)) continue;
    const prev = newest.get(key);
    const at = (x: Snapshot) => x.createdAt?.getTime() ?? 0;
    if (!prev || at(s) > at(prev) || (at(s) === at(prev) && s.id > prev.id)) newest.set(key, s);
  }
  const out: ReturnType<typeof planDeletedDbs> = [];
  for (const s of newest.values()) {
    if (s.tags[SOURCE_DELETED_TAG] !== undefined) continue;
    out.push({
      newest: s,
      detail: {
        sourceAccount: input.account,
        sourceRegion: input.region,
        dbId: s.tags[TAG.sourceDb] ?? s.dbId,
        kind: s.kind,
        deletedAt: input.now.toISOString(),
      },
    });
  }
  return out.sort((a, b) => (a.detail.dbId < b.detail.dbId ? -1 : a.detail.dbId > b.detail.dbId ? 1 : 0));
}

// ---------------------------------------------------------------- random worlds

const NOW = Date.parse("2026-06-15T12:07:00Z");
const DBS = ["orders", "Orders", "billing", "x"] as const;

const snapArb = fc.record({
  kind: fc.constantFrom<DbKind>("instance", "cluster"),
  db: fc.constantFrom(...DBS, ""),
  tagDb: fc.option(fc.constantFrom(...DBS, ""), { freq: 3 }),
  owned: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  stage: fc.constantFrom("source", "source", "dr", undefined),
  region: fc.constantFrom(HOME, HOME, "eu-central-1"),
  ageHours: fc.option(fc.integer({ min: 0, max: 6 }), { freq: 8 }),
  recoveryTag: fc.constantFrom("same", "bad", "none"),
  id: fc.integer({ min: 0, max: 12 }),
  deleted: fc.boolean(),
});
type Spec = typeof snapArb extends fc.Arbitrary<infer T> ? T : never;

function snapshotOf(x: Spec): Snapshot {
  const created = x.ageHours === null ? undefined : new Date(NOW - x.ageHours * 3_600_000);
  const tags: Record<string, string> = {};
  if (x.owned) tags[TAG.managedBy] = MANAGED_BY_VALUE;
  if (x.stage) tags[TAG.stage] = x.stage;
  if (x.tagDb !== null) tags[TAG.sourceDb] = x.tagDb;
  if (x.recoveryTag === "bad") tags[TAG.recoveryPoint] = "soon";
  else if (x.recoveryTag === "same" && created) tags[TAG.recoveryPoint] = created.toISOString();
  if (x.deleted) tags[SOURCE_DELETED_TAG] = new Date(NOW).toISOString();
  const id = `s-${x.id}`;
  return {
    kind: x.kind,
    id,
    arn: `arn:aws:rds:${x.region}:${ACCOUNT}:snapshot:${id}`,
    dbId: x.db,
    status: "available",
    type: "manual",
    ...(created ? { createdAt: created } : {}),
    encrypted: false,
    tags,
    region: x.region,
    account: ACCOUNT,
    progress: 100,
    sizeGb: 5,
  };
}

const worldArb = fc.array(snapArb.map(snapshotOf), { maxLength: 40 });

describe("newestTaggedPerDb", () => {
  it("returns what the previous version returned", () => {
    fc.assert(
      fc.property(
        worldArb,
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.array(fc.nat(), { maxLength: 5 }),
        (snapshots, sharedIdx, toShareIdx) => {
          const ids = snapshots.map((s) => s.id);
          const plan = {
            toShare: snapshots.length > 0 ? toShareIdx.map((i) => snapshots[i % snapshots.length]!) : [],
            alreadyShared: ids.length > 0 ? sharedIdx.map((i) => ids[i % ids.length]!) : [],
          } as unknown as SharePlan;
          expect(newestTaggedPerDb(plan, snapshots)).toEqual(legacyNewestTaggedPerDb(plan, snapshots));
        },
      ),
      { seed: SEED, numRuns: 400 },
    );
  });
});

describe("planDeletedDbs", () => {
  it("returns what the previous version returned", () => {
    const dbArb = fc.record({ kind: fc.constantFrom<DbKind>("instance", "cluster"), id: fc.constantFrom(...DBS) });
    fc.assert(
      fc.property(worldArb, fc.array(dbArb, { maxLength: 4 }), (snapshots, live) => {
        const input = {
          snapshots,
          liveDbs: live.map(
            (d) => ({ ...d, arn: "", status: "available", engine: "postgres", tags: {}, sizeGb: 5 }) as Db,
          ),
          account: ACCOUNT,
          region: HOME,
          now: new Date(NOW),
        };
        const got = planDeletedDbs(input);
        expect(got).toEqual(legacyPlanDeletedDbs(input));
        expect(got.map((r) => r.newest)).toEqual(legacyPlanDeletedDbs(input).map((r) => r.newest));
      }),
      { seed: SEED, numRuns: 400 },
    );
  });
});

describe("identifier bodies remembered per parts", () => {
  it("name a DB the same on every call, for short, long and mixed-case parts, and past the cache bound", () => {
    const at = new Date("2026-11-25T06:37:00Z");
    const dbs = ["app", "Orders_DB", `${"x".repeat(70)}-a1`, `${"x".repeat(70)}-b2`, "--edge--"];
    const first = dbs.map((db) => [sourceSnapshotId(db, at), drCopyId("111111111111", db, at)]);
    // More distinct names than the cache holds, so it is emptied on the way.
    for (let i = 0; i < 10_050; i++) drCopyId(String(100000000000 + (i % 3)), `db-${i}`, at);
    for (let i = 0; i < 10_050; i++) sourceSnapshotId(`db-${i}`, at);
    const again = dbs.map((db) => [sourceSnapshotId(db, at), drCopyId("111111111111", db, at)]);
    expect(again).toEqual(first);
    expect(first[0]).toEqual(["rpl-app-20261125-0637", "rpl-111111111111-app-20261125-0637"]);
    expect(first[1]).toEqual(["rpl-orders-db-20261125-0637", "rpl-111111111111-orders-db-20261125-0637"]);
    expect(first[2]![0]).not.toBe(first[3]![0]);
    expect(first[2]![1]).not.toBe(first[3]![1]);
    expect(drCopyId("111111111111", "db-7", at)).toBe("rpl-111111111111-db-7-20261125-0637");
  });
});

function legacyCountListed(snapshots: readonly Snapshot[], lower = false): Map<string, number> {
  const byKind = new Map<string, Map<string, number>>();
  for (let i = 0; i < snapshots.length; i++) {
    const s = snapshots[i]!;
    let byDb = byKind.get(s.kind);
    if (byDb === undefined) {
      byDb = new Map();
      byKind.set(s.kind, byDb);
    }
    byDb.set(s.dbId, (byDb.get(s.dbId) ?? 0) + 1);
  }
  const counts = new Map<string, number>();
  for (const [kind, byDb] of byKind) {
    for (const [dbId, n] of byDb) {
      const k = `${kind}|${lower ? dbId.toLowerCase() : dbId}`;
      counts.set(k, (counts.get(k) ?? 0) + n);
    }
  }
  return counts;
}

describe("countListed", () => {
  it("counts as the previous version did, in the same key order, lowercased or not", () => {
    fc.assert(
      fc.property(worldArb, fc.boolean(), (snapshots, lower) => {
        expect([...countListed(snapshots, lower)]).toEqual([...legacyCountListed(snapshots, lower)]);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

/**
 * The take sweep's list step and batch items (functions/take/sweep.ts, functions/take/batch.ts; issue 10): the list
 * step reads DBs and quotas once (and snapshots only when the headroom is short), plans the whole sweep, and hands
 * out batches of creates stalest DB first; an item only creates, with the ids and tags the planner made.
 */
import {
  CreateDBClusterSnapshotCommand,
  CreateDBSnapshotCommand,
  DBSnapshotAlreadyExistsFault,
  DescribeAccountAttributesCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
} from "@aws-sdk/client-rds";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, PartialFailureError } from "../../functions/lib/errors";
import { recordToTags } from "../../functions/lib/tags";
import { parseTakeBatch, type TakeBatch } from "../../functions/take/batch";
import type { TakeConfig } from "../../functions/take/config";
import { makeHandler } from "../../functions/take/handler";
import { takeTags } from "../../functions/take/plan";
import { makeSweepLister } from "../../functions/take/sweep";
import {
  ACCOUNT,
  awsError,
  db,
  depsWith,
  REGION,
  realClients,
  sdkCluster,
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

const deps = (now = NOW) => depsWith(clients, config, now, spies.obs);
const reads = () =>
  rdsMock
    .calls()
    .filter((c) => (c.args[0] as { constructor: { name: string } }).constructor.name.startsWith("Describe")).length;

beforeEach(() => {
  spies = spyObs();
  rdsMock.on(DescribeDBClustersCommand).resolves({ DBClusters: [sdkCluster("aurora")] });
  rdsMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [] });
  rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [] });
  rdsMock.on(CreateDBSnapshotCommand).resolves({});
  rdsMock.on(CreateDBClusterSnapshotCommand).resolves({});
});
afterEach(() => {
  rdsMock.reset();
});

describe("take sweep list step", () => {
  it("reads DBs and quotas once and batches every due DB's create, without listing snapshots", async () => {
    rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: ["a", "b", "c", "d"].map((id) => sdkInstance(id)) });
    rdsMock.on(DescribeAccountAttributesCommand).resolves({ AccountQuotas: [] });

    const list = await makeSweepLister(deps())(undefined, { batchSize: 2 });

    expect(list.items).toEqual([
      {
        dbId: "aurora",
        at: new Date(NOW).toISOString(),
        account: ACCOUNT,
        region: REGION,
        creates: [
          { dbId: "aurora", kind: "cluster" },
          { dbId: "a", kind: "instance" },
        ],
      },
      {
        dbId: "b",
        at: new Date(NOW).toISOString(),
        account: ACCOUNT,
        region: REGION,
        creates: [
          { dbId: "b", kind: "instance" },
          { dbId: "c", kind: "instance" },
        ],
      },
      {
        dbId: "d",
        at: new Date(NOW).toISOString(),
        account: ACCOUNT,
        region: REGION,
        creates: [{ dbId: "d", kind: "instance" }],
      },
    ]);
    expect(rdsMock.commandCalls(DescribeDBSnapshotsCommand)).toHaveLength(0);
    expect(reads()).toBe(3);
    expect(rdsMock.commandCalls(CreateDBSnapshotCommand)).toHaveLength(0);
  });

  it("under a tight quota gives the headroom to the stalest DBs across the region and hands the rest to a failing item", async () => {
    rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: ["a", "b", "c"].map((id) => sdkInstance(id)) });
    rdsMock.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });
    rdsMock.on(DescribeDBSnapshotsCommand).resolves({
      DBSnapshots: [
        sdkSnapshot("old-a", "a", { createdAt: "2026-11-25T01:00:00Z" }),
        sdkSnapshot("old-b", "b", { createdAt: "2026-11-25T02:00:00Z" }),
        sdkSnapshot("old-c", "c", { createdAt: "2026-11-24T02:00:00Z" }),
      ],
    });
    rdsMock.on(DescribeAccountAttributesCommand).resolves({
      AccountQuotas: [{ AccountQuotaName: "ManualSnapshots", Used: 96, Max: 100 }],
    });

    const list = await makeSweepLister(deps())(undefined, { batchSize: 5 });

    // 4 free, keep 2: two creates, the stalest (c, then a); b is held back.
    expect(list.items.map((i) => (i as TakeBatch).creates.map((c) => c.dbId))).toEqual([["c", "a"], []]);
    const blocked = list.items[1] as TakeBatch;
    expect(blocked.blocked?.map((b) => b.dbId)).toEqual(["b"]);

    const err = await makeHandler(deps())(blocked).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PartialFailureError);
    expect((err as PartialFailureError).failures.map((f) => [f.id, f.error])).toEqual([["b", "SnapshotQuotaError"]]);
    expect(rdsMock.commandCalls(CreateDBSnapshotCommand)).toHaveLength(0);
  });
});

describe("take batch item", () => {
  const item = (at = NOW): TakeBatch => ({
    dbId: "aurora",
    at: new Date(at).toISOString(),
    account: ACCOUNT,
    region: REGION,
    creates: [
      { dbId: "aurora", kind: "cluster" },
      { dbId: "orders", kind: "instance" },
    ],
  });

  it("only creates, with the planner's snapshot ids and tags, and reads nothing", async () => {
    // A minute later than the list step: the ids and tags are the list step's (its `at`), not the item's clock.
    const summary = await makeHandler(deps("2026-11-25T06:38:30Z"))(item());

    expect(reads()).toBe(0);
    expect(rdsMock.commandCalls(CreateDBClusterSnapshotCommand).map((c) => c.args[0].input)).toEqual([
      {
        DBClusterIdentifier: "aurora",
        DBClusterSnapshotIdentifier: `rpl-aurora-${SLOT}`,
        Tags: recordToTags(takeTags(db("aurora", { kind: "cluster" }), new Date(NOW))),
      },
    ]);
    expect(rdsMock.commandCalls(CreateDBSnapshotCommand).map((c) => c.args[0].input)).toEqual([
      {
        DBInstanceIdentifier: "orders",
        DBSnapshotIdentifier: `rpl-orders-${SLOT}`,
        Tags: recordToTags(takeTags(db("orders"), new Date(NOW))),
      },
    ]);
    expect(summary).toMatchObject({ created: 2, alreadyExisted: 0, failed: 0, leftPending: 0 });
  });

  it("counts a snapshot that already exists under the slot id as done (a retried item)", async () => {
    rdsMock.on(CreateDBSnapshotCommand).rejects(awsError(DBSnapshotAlreadyExistsFault.name));
    const summary = await makeHandler(deps())(item());
    expect(summary).toMatchObject({ created: 1, alreadyExisted: 1, failed: 0 });
  });

  it.each([
    [{ ...item(), creates: "x" }, "take batch input.creates must be an array"],
    [{ ...item(), creates: [{ dbId: "9bad", kind: "instance" }] }, "take batch input.creates[0].dbId"],
    [{ ...item(), creates: [{ dbId: "ok", kind: "table" }] }, "take batch input.creates[0].kind"],
    [{ ...item(), at: "yesterday" }, "take batch input.at must be an ISO 8601 instant"],
    [{ ...item(), account: "123" }, "take batch input.account must be a 12-digit account id"],
  ])("rejects a malformed item with a ConfigError naming the field (%#)", (input, message) => {
    expect(() => parseTakeBatch(input)).toThrow(ConfigError);
    expect(() => parseTakeBatch(input)).toThrow(message);
  });
});

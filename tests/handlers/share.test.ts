import { PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { DescribeKeyCommand } from "@aws-sdk/client-kms";
import {
  AddTagsToResourceCommand,
  DBSnapshotNotFoundFault,
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotAttributesCommand,
  DescribeDBSnapshotsCommand,
  InvalidDBSnapshotStateFault,
  ModifyDBClusterSnapshotAttributeCommand,
  ModifyDBSnapshotAttributeCommand,
  SharedSnapshotQuotaExceededFault,
} from "@aws-sdk/client-rds";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, PartialFailureError, SnapshotNotFoundError, TransientAwsError } from "../../functions/lib/errors";
import { TAG } from "../../functions/lib/tags";
import type { ShareConfig } from "../../functions/share/config";
import { sharedSetValue } from "../../functions/share/plan";
import {
  ACCOUNT,
  awsError,
  depsWith,
  ownTags,
  REGION,
  realClients,
  sdkClusterSnapshot,
  sdkSnapshot,
  snapArn,
  spyObs,
} from "./takeShare.fixtures";

const { makeHandler } = await import("../../functions/share/handler");

const NOW = "2026-11-25T06:37:12Z";
const DR = ["222222222222", "333333333333"];
const BUS = "arn:aws:events:eu-west-1:222222222222:event-bus/rpl-dr";
const BUS2 = "arn:aws:events:eu-central-1:333333333333:event-bus/rpl-dr";
const HASH = sharedSetValue(DR);
const CMK = "arn:aws:kms:eu-west-1:111122223333:key/1111aaaa-0000-0000-0000-000000000000";
const AWS_KEY = "arn:aws:kms:eu-west-1:111122223333:key/2222bbbb-0000-0000-0000-000000000000";
const config: ShareConfig = { region: REGION, drAccounts: DR, eventBusArns: [BUS] };

const { rds, kms, eventsIn, clients } = realClients();
const rdsMock = mockClient(rds);
const kmsMock = mockClient(kms);
const busMock = mockClient(eventsIn("eu-west-1"));
const bus2Mock = mockClient(eventsIn("eu-central-1"));
let spies = spyObs();

function handler(over: Partial<ShareConfig> = {}) {
  return makeHandler(depsWith(clients, { ...config, ...over }, NOW, spies.obs));
}

function world(o: {
  snapshots?: ReturnType<typeof sdkSnapshot>[];
  clusterSnapshots?: ReturnType<typeof sdkClusterSnapshot>[];
  restore?: Record<string, string[]>;
  /** DBs the listing still has; default every DB the snapshots are of (none deleted). */
  liveDbs?: { instances: string[]; clusters: string[] };
}) {
  const live = o.liveDbs ?? {
    instances: [...new Set((o.snapshots ?? []).map((s) => s.DBInstanceIdentifier ?? ""))],
    clusters: [...new Set((o.clusterSnapshots ?? []).map((s) => s.DBClusterIdentifier ?? ""))],
  };
  rdsMock.on(DescribeDBInstancesCommand).resolves({
    DBInstances: live.instances.map((id) => ({ DBInstanceIdentifier: id, DBInstanceStatus: "available" })),
  });
  rdsMock.on(DescribeDBClustersCommand).resolves({
    DBClusters: live.clusters.map((id) => ({ DBClusterIdentifier: id, Status: "available" })),
  });
  rdsMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: o.snapshots ?? [] });
  rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: o.clusterSnapshots ?? [] });
  rdsMock.on(DescribeDBSnapshotAttributesCommand).callsFake((input) => ({
    DBSnapshotAttributesResult: {
      DBSnapshotIdentifier: input.DBSnapshotIdentifier,
      DBSnapshotAttributes: [
        { AttributeName: "restore", AttributeValues: o.restore?.[input.DBSnapshotIdentifier] ?? [] },
      ],
    },
  }));
  rdsMock.on(DescribeDBClusterSnapshotAttributesCommand).callsFake((input) => ({
    DBClusterSnapshotAttributesResult: {
      DBClusterSnapshotIdentifier: input.DBClusterSnapshotIdentifier,
      DBClusterSnapshotAttributes: [
        { AttributeName: "restore", AttributeValues: o.restore?.[input.DBClusterSnapshotIdentifier] ?? [] },
      ],
    },
  }));
  // As RDS: ValuesToAdd joins the restore attribute (a set), and more than 20 accounts is SharedSnapshotQuotaExceeded.
  const modify = (id: string | undefined, add: string[] | undefined) => {
    const next = new Set([...(o.restore?.[id ?? ""] ?? []), ...(add ?? [])]);
    if (next.size > 20) throw awsError("SharedSnapshotQuotaExceededFault", `would be ${next.size} accounts`);
    return {};
  };
  rdsMock.on(ModifyDBSnapshotAttributeCommand).callsFake((i) => modify(i.DBSnapshotIdentifier, i.ValuesToAdd));
  rdsMock
    .on(ModifyDBClusterSnapshotAttributeCommand)
    .callsFake((i) => modify(i.DBClusterSnapshotIdentifier, i.ValuesToAdd));
  rdsMock.on(AddTagsToResourceCommand).resolves({});
  kmsMock.on(DescribeKeyCommand).callsFake((input) => ({
    KeyMetadata: { KeyId: input.KeyId, KeyManager: input.KeyId === AWS_KEY ? "AWS" : "CUSTOMER" },
  }));
  const ok = (input: { Entries?: unknown[] }) => ({
    FailedEntryCount: 0,
    Entries: (input.Entries ?? []).map((_, i) => ({ EventId: `e${i}` })),
  });
  busMock.on(PutEventsCommand).callsFake(ok);
  bus2Mock.on(PutEventsCommand).callsFake(ok);
}

const modified = () => rdsMock.commandCalls(ModifyDBSnapshotAttributeCommand).map((c) => c.args[0].input);
const tagged = () => rdsMock.commandCalls(AddTagsToResourceCommand).map((c) => c.args[0].input.ResourceName);
const entries = (m: typeof busMock) => m.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);
const metric = (name: string) => spies.metrics.addMetric.mock.calls.filter((c) => c[0] === name).map((c) => c[2]);
const tags = (extra: Record<string, string> = {}, dbId = "orders", kind: "instance" | "cluster" = "instance") =>
  ownTags(dbId, kind, extra);

beforeEach(() => {
  spies = spyObs();
});
afterEach(() => {
  rdsMock.reset();
  kmsMock.reset();
  busMock.reset();
  bus2Mock.reset();
});

describe("share handler", () => {
  it("shares available source snapshots with the missing DR accounts, announces them, then tags them", async () => {
    world({
      snapshots: [
        sdkSnapshot("rpl-orders-a", "orders", {
          createdAt: "2026-11-25T06:00:04Z",
          tags: tags({ [TAG.recoveryPoint]: "2026-11-25T06:00:01.000Z" }),
          kmsKeyId: CMK,
        }),
        sdkSnapshot("rpl-orders-b", "orders", { status: "creating" }),
        sdkSnapshot("rpl-orders-c", "orders", {
          createdAt: "2026-11-25T05:00:00Z",
          tags: tags({ [TAG.sharedSet]: HASH }),
        }),
        sdkSnapshot("manual-by-hand", "orders", { createdAt: "2026-11-25T05:00:00Z", tags: {} }),
      ],
      clusterSnapshots: [
        sdkClusterSnapshot("rpl-aurora-a", "aurora", { createdAt: "2026-11-25T06:00:09Z", kmsKeyId: CMK }),
      ],
      restore: { "rpl-aurora-a": ["333333333333"] },
    });

    const summary = await handler()({});

    expect(modified()).toEqual([{ DBSnapshotIdentifier: "rpl-orders-a", AttributeName: "restore", ValuesToAdd: DR }]);
    // Every DR account is named, also one the attribute holds already: adding is idempotent, so nothing is read first.
    expect(rdsMock.commandCalls(ModifyDBClusterSnapshotAttributeCommand).map((c) => c.args[0].input)).toEqual([
      { DBClusterSnapshotIdentifier: "rpl-aurora-a", AttributeName: "restore", ValuesToAdd: DR },
    ]);
    expect(rdsMock.commandCalls(DescribeDBSnapshotAttributesCommand)).toEqual([]);
    expect(rdsMock.commandCalls(DescribeDBClusterSnapshotAttributesCommand)).toEqual([]);
    expect(kmsMock.commandCalls(DescribeKeyCommand).map((c) => c.args[0].input)).toEqual([{ KeyId: CMK }]);
    expect(busMock.commandCalls(PutEventsCommand).map((c) => c.args[0].input)).toEqual([
      {
        Entries: [
          {
            EventBusName: BUS,
            Source: "rds-pilot-light",
            DetailType: "RDS Pilot Light Snapshot Shared",
            Resources: [snapArn("cluster", "rpl-aurora-a")],
            Detail: JSON.stringify({
              snapshotArn: snapArn("cluster", "rpl-aurora-a"),
              kind: "cluster",
              dbId: "aurora",
              sourceAccount: ACCOUNT,
              sourceRegion: REGION,
              recoveryPoint: "2026-11-25T06:00:09.000Z",
            }),
          },
          {
            EventBusName: BUS,
            Source: "rds-pilot-light",
            DetailType: "RDS Pilot Light Snapshot Shared",
            Resources: [snapArn("instance", "rpl-orders-a")],
            Detail: JSON.stringify({
              snapshotArn: snapArn("instance", "rpl-orders-a"),
              kind: "instance",
              dbId: "orders",
              sourceAccount: ACCOUNT,
              sourceRegion: REGION,
              recoveryPoint: "2026-11-25T06:00:04.000Z",
            }),
          },
        ],
      },
    ]);
    expect(rdsMock.commandCalls(AddTagsToResourceCommand).map((c) => c.args[0].input)).toEqual([
      { ResourceName: snapArn("cluster", "rpl-aurora-a"), Tags: [{ Key: "rpl-shared-set", Value: HASH }] },
      { ResourceName: snapArn("instance", "rpl-orders-a"), Tags: [{ Key: "rpl-shared-set", Value: HASH }] },
    ]);
    expect(summary).toEqual({
      shared: 2,
      alreadyShared: 1,
      pending: 1,
      notified: 2,
      failed: 0,
      leftPending: 0,
      ignored: 1,
      snapshotIds: ["rpl-aurora-a", "rpl-orders-a"],
    });
    expect(metric("SnapshotsShared")).toEqual([2]);
    expect(metric("StepFailures")).toEqual([0]);
    expect(spies.logger.info).toHaveBeenCalledWith("snapshot shared", {
      snapshotId: "rpl-orders-a",
      dbId: "orders",
      accounts: DR,
    });
  });

  it("shares an untagged snapshot that already holds every account with one idempotent modify, then announces and tags it", async () => {
    world({
      snapshots: [sdkSnapshot("rpl-orders-a", "orders", { createdAt: "2026-11-25T06:00:04Z" })],
      restore: { "rpl-orders-a": DR },
    });
    const summary = await handler()({});
    expect(modified()).toEqual([{ DBSnapshotIdentifier: "rpl-orders-a", AttributeName: "restore", ValuesToAdd: DR }]);
    expect(rdsMock.commandCalls(DescribeDBSnapshotAttributesCommand)).toEqual([]);
    expect(entries(busMock)).toHaveLength(1);
    expect(tagged()).toEqual([snapArn("instance", "rpl-orders-a")]);
    expect(summary).toMatchObject({ shared: 1, alreadyShared: 0, notified: 1, failed: 0 });
  });

  it("re-shares a snapshot tagged for a different account set, naming every DR account", async () => {
    const old = sharedSetValue(["333333333333"]);
    world({
      snapshots: [
        sdkSnapshot("rpl-orders-a", "orders", {
          createdAt: "2026-11-25T06:00:04Z",
          tags: tags({ [TAG.sharedSet]: old }),
        }),
      ],
      restore: { "rpl-orders-a": ["333333333333"] },
    });
    await handler()({});
    expect(modified()).toEqual([{ DBSnapshotIdentifier: "rpl-orders-a", AttributeName: "restore", ValuesToAdd: DR }]);
    expect(tagged()).toEqual([snapArn("instance", "rpl-orders-a")]);
  });

  it("refuses to pass 20 accounts with a ShareLimitError naming the snapshot, and shares the others", async () => {
    const nineteen = Array.from({ length: 19 }, (_, i) => String(400000000000 + i));
    world({
      snapshots: [
        sdkSnapshot("rpl-full", "orders", { createdAt: "2026-11-25T06:00:04Z" }),
        sdkSnapshot("rpl-ok", "orders", { createdAt: "2026-11-25T06:00:04Z" }),
      ],
      restore: { "rpl-full": nineteen },
    });

    const err = await handler()({}).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(PartialFailureError);
    expect((err as PartialFailureError).failures).toEqual([
      {
        id: "rpl-full",
        error: "ShareLimitError",
        message:
          "snapshot rpl-full is shared with 19 account(s); adding 222222222222, 333333333333 would make 21, more than the RDS limit of 20. " +
          "Remove stale accounts from its restore attribute or shorten RPL_DR_ACCOUNTS.",
      },
    ]);
    // RDS refused the modify; only then is the attribute read, to name the accounts in the message.
    expect(modified().map((m) => m.DBSnapshotIdentifier)).toEqual(["rpl-full", "rpl-ok"]);
    expect(rdsMock.commandCalls(DescribeDBSnapshotAttributesCommand).map((c) => c.args[0].input)).toEqual([
      { DBSnapshotIdentifier: "rpl-full" },
    ]);
    expect(tagged()).toEqual([snapArn("instance", "rpl-ok")]);
    expect(metric("StepFailures")).toEqual([1]);
  });

  it("refuses snapshots encrypted with aws/rds, describing each key once per run", async () => {
    world({
      snapshots: [
        sdkSnapshot("rpl-a1", "a", { createdAt: "2026-11-25T06:00:04Z", kmsKeyId: AWS_KEY }),
        sdkSnapshot("rpl-a2", "a", { createdAt: "2026-11-25T05:00:04Z", kmsKeyId: AWS_KEY }),
        sdkSnapshot("rpl-b1", "b", { createdAt: "2026-11-25T06:00:04Z", kmsKeyId: CMK }),
        sdkSnapshot("rpl-b2", "b", { createdAt: "2026-11-25T05:00:04Z", kmsKeyId: CMK }),
      ],
    });

    const err = await handler()({}).catch((e: unknown) => e);

    expect(kmsMock.commandCalls(DescribeKeyCommand).map((c) => c.args[0].input.KeyId)).toEqual([AWS_KEY, CMK]);
    expect((err as PartialFailureError).failures.map((f) => [f.id, f.error])).toEqual([
      ["rpl-a1", "ShareLimitError"],
      ["rpl-a2", "ShareLimitError"],
    ]);
    expect((err as PartialFailureError).failures[0]?.message).toBe(
      `snapshot rpl-a1 is encrypted with the AWS managed key aws/rds (${AWS_KEY}), which cannot be shared with another account; ` +
        "encrypt DB a with a customer managed KMS key whose policy allows the DR accounts",
    );
    expect(modified().map((m) => m.DBSnapshotIdentifier)).toEqual(["rpl-b1", "rpl-b2"]);
  });

  it("describes each key once per container: a second invocation of the same handler makes no DescribeKey call", async () => {
    world({ snapshots: [sdkSnapshot("rpl-b1", "b", { createdAt: "2026-11-25T06:00:04Z", kmsKeyId: CMK })] });
    const warm = handler();
    await warm({});
    world({ snapshots: [sdkSnapshot("rpl-b2", "b", { createdAt: "2026-11-25T06:30:04Z", kmsKeyId: CMK })] });

    await warm({});

    expect(kmsMock.commandCalls(DescribeKeyCommand).map((c) => c.args[0].input.KeyId)).toEqual([CMK]);
    expect(modified().map((m) => m.DBSnapshotIdentifier)).toEqual(["rpl-b1", "rpl-b2"]);
    // A new container (a new handler) asks again.
    await handler()({});
    expect(kmsMock.commandCalls(DescribeKeyCommand)).toHaveLength(2);
  });

  it("does not remember a failed DescribeKey: the next invocation asks again and shares", async () => {
    world({ snapshots: [sdkSnapshot("rpl-a1", "a", { createdAt: "2026-11-25T06:00:04Z", kmsKeyId: CMK })] });
    let calls = 0;
    kmsMock.on(DescribeKeyCommand).callsFake((input) => {
      calls++;
      if (calls === 1) throw awsError("AccessDeniedException", "no kms:DescribeKey");
      return { KeyMetadata: { KeyId: input.KeyId, KeyManager: "CUSTOMER" } };
    });
    const warm = handler();
    expect(await warm({}).catch((e: unknown) => e)).toBeInstanceOf(PartialFailureError);

    const summary = await warm({});

    expect(kmsMock.commandCalls(DescribeKeyCommand)).toHaveLength(2);
    expect(summary).toMatchObject({ shared: 1, failed: 0 });
  });

  it("fails a snapshot whose key cannot be described, with the KMS error name", async () => {
    world({ snapshots: [sdkSnapshot("rpl-a1", "a", { createdAt: "2026-11-25T06:00:04Z", kmsKeyId: CMK })] });
    kmsMock.on(DescribeKeyCommand).rejects(awsError("AccessDeniedException", "no kms:DescribeKey"));
    const err = await handler()({}).catch((e: unknown) => e);
    expect((err as PartialFailureError).failures).toEqual([
      {
        id: "rpl-a1",
        error: "AccessDeniedException",
        message: expect.stringMatching(
          /^share: KMS DescribeKey .* for rpl-a1 \(DB .*\) failed: AccessDeniedException: no kms:DescribeKey$/,
        ),
      },
    ]);
    expect(modified()).toEqual([]);
  });

  it("batches events 10 per PutEvents call, per bus, in each bus's region", async () => {
    const snaps = Array.from({ length: 23 }, (_, i) =>
      sdkSnapshot(`rpl-s${String(i).padStart(2, "0")}`, "orders", { createdAt: "2026-11-25T06:00:04Z" }),
    );
    world({ snapshots: snaps });

    const summary = await handler({ eventBusArns: [BUS, BUS2] })({});

    expect(busMock.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length)).toEqual([10, 10, 3]);
    expect(bus2Mock.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length)).toEqual([10, 10, 3]);
    expect(new Set(entries(bus2Mock).map((e) => e.EventBusName))).toEqual(new Set([BUS2]));
    expect(summary).toMatchObject({ shared: 23, notified: 23, failed: 0 });
    expect(tagged()).toHaveLength(23);
  });

  it("does not tag a snapshot whose event was rejected (FailedEntryCount), so the next run announces it again", async () => {
    world({
      snapshots: [
        sdkSnapshot("rpl-a", "a", { createdAt: "2026-11-25T06:00:04Z" }),
        sdkSnapshot("rpl-b", "b", { createdAt: "2026-11-25T06:00:04Z" }),
      ],
    });
    busMock.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: "AccessDeniedException", ErrorMessage: "not allowed on bus" }, { EventId: "e1" }],
    });

    const err = await handler()({}).catch((e: unknown) => e);

    expect(tagged()).toEqual([snapArn("instance", "rpl-b")]);
    expect((err as PartialFailureError).failures).toEqual([
      {
        id: "rpl-a",
        error: "EventDeliveryError",
        message: `event to ${BUS} rejected: AccessDeniedException: not allowed on bus`,
      },
    ]);
  });

  it("retries (TransientAwsError) when an event entry was throttled", async () => {
    world({ snapshots: [sdkSnapshot("rpl-a", "a", { createdAt: "2026-11-25T06:00:04Z" })] });
    busMock
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: "ThrottlingException", ErrorMessage: "slow down" }] });
    await expect(handler()({})).rejects.toThrow(TransientAwsError);
    expect(tagged()).toEqual([]);
  });

  it("fails every snapshot of a batch when PutEvents itself fails", async () => {
    world({
      snapshots: [
        sdkSnapshot("rpl-a", "a", { createdAt: "2026-11-25T06:00:04Z" }),
        sdkSnapshot("rpl-b", "b", { createdAt: "2026-11-25T06:00:04Z" }),
      ],
    });
    busMock.on(PutEventsCommand).rejects(awsError("ResourceNotFoundException", "bus missing"));
    const err = await handler()({}).catch((e: unknown) => e);
    expect((err as PartialFailureError).failures.map((f) => [f.id, f.error])).toEqual([
      ["rpl-a", "ResourceNotFoundException"],
      ["rpl-b", "ResourceNotFoundException"],
    ]);
    expect(tagged()).toEqual([]);
  });

  it("with no event buses, shares and tags without PutEvents", async () => {
    world({ snapshots: [sdkSnapshot("rpl-a", "a", { createdAt: "2026-11-25T06:00:04Z" })] });
    const summary = await handler({ eventBusArns: [] })({});
    expect(busMock.calls()).toHaveLength(0);
    expect(tagged()).toEqual([snapArn("instance", "rpl-a")]);
    expect(summary).toMatchObject({ shared: 1, notified: 0 });
  });

  it.each([
    [
      "Throttling on modify",
      ModifyDBSnapshotAttributeCommand,
      awsError("Throttling", "Rate exceeded"),
      TransientAwsError,
    ],
    [
      "shared snapshot quota",
      ModifyDBSnapshotAttributeCommand,
      new SharedSnapshotQuotaExceededFault({ message: "too many", $metadata: {} }),
      PartialFailureError,
    ],
    ["Throttling on tagging", AddTagsToResourceCommand, awsError("Throttling", "Rate exceeded"), TransientAwsError],
  ] as const)("maps %s", async (_name, command, error, expected) => {
    world({ snapshots: [sdkSnapshot("rpl-a", "a", { createdAt: "2026-11-25T06:00:04Z" })] });
    if (command === AddTagsToResourceCommand) rdsMock.on(AddTagsToResourceCommand).rejects(error);
    else rdsMock.on(ModifyDBSnapshotAttributeCommand).rejects(error);
    const err = await handler()({}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(expected);
    expect((err as Error).message).toContain("rpl-a");
  });

  it("counts a snapshot that left the available state as pending", async () => {
    world({ snapshots: [sdkSnapshot("rpl-a", "a", { createdAt: "2026-11-25T06:00:04Z" })] });
    rdsMock
      .on(ModifyDBSnapshotAttributeCommand)
      .rejects(new InvalidDBSnapshotStateFault({ message: "busy", $metadata: {} }));
    const summary = await handler()({});
    expect(summary).toMatchObject({ shared: 0, pending: 1, failed: 0, notified: 0 });
    expect(tagged()).toEqual([]);
  });

  it("pages through more than 100 snapshots with Marker", async () => {
    const snaps = Array.from({ length: 130 }, (_, i) =>
      sdkSnapshot(`rpl-s${String(i).padStart(3, "0")}`, "orders", {
        createdAt: "2026-11-25T06:00:04Z",
        tags: tags(i < 120 ? { [TAG.sharedSet]: HASH } : {}),
      }),
    );
    world({});
    const markers: (string | undefined)[] = [];
    rdsMock.on(DescribeDBSnapshotsCommand).callsFake((input) => {
      markers.push(input.Marker);
      return input.Marker === "p2"
        ? { DBSnapshots: snaps.slice(100) }
        : { DBSnapshots: snaps.slice(0, 100), Marker: "p2" };
    });
    const summary = await handler()({});
    expect(markers).toEqual([undefined, "p2"]);
    expect(summary).toMatchObject({ shared: 10, alreadyShared: 120, failed: 0 });
    expect(modified()).toHaveLength(10);
  });

  describe("scoped input", () => {
    it("shares only the snapshot named by an RDS cluster snapshot event", async () => {
      world({
        clusterSnapshots: [sdkClusterSnapshot("rpl-aurora-a", "aurora", { createdAt: "2026-11-25T06:00:09Z" })],
      });
      const summary = await handler()({
        source: "aws.rds",
        "detail-type": "RDS DB Cluster Snapshot Event",
        detail: { EventID: "RDS-EVENT-0075", SourceIdentifier: "rpl-aurora-a" },
      });
      expect(rdsMock.commandCalls(DescribeDBSnapshotsCommand)).toHaveLength(0);
      expect(rdsMock.commandCalls(DescribeDBClusterSnapshotsCommand).map((c) => c.args[0].input)).toEqual([
        { DBClusterSnapshotIdentifier: "rpl-aurora-a" },
      ]);
      expect(summary).toMatchObject({ shared: 1, snapshotIds: ["rpl-aurora-a"] });
    });

    it("reads the identifier from an ARN in SourceIdentifier", async () => {
      world({ snapshots: [sdkSnapshot("rpl-orders-a", "orders", { createdAt: "2026-11-25T06:00:09Z" })] });
      await handler()({
        "detail-type": "RDS DB Snapshot Event",
        detail: { SourceIdentifier: snapArn("instance", "rpl-orders-a") },
      });
      expect(rdsMock.commandCalls(DescribeDBSnapshotsCommand).map((c) => c.args[0].input)).toEqual([
        { DBSnapshotIdentifier: "rpl-orders-a" },
      ]);
    });

    it("ignores an event for a snapshot that is not ours", async () => {
      world({ snapshots: [sdkSnapshot("nightly", "orders", { createdAt: "2026-11-25T06:00:09Z", tags: {} })] });
      const summary = await handler()({
        "detail-type": "RDS DB Snapshot Event",
        detail: { SourceIdentifier: "nightly" },
      });
      expect(summary).toMatchObject({ shared: 0, ignored: 1, failed: 0 });
      expect(modified()).toEqual([]);
      expect(spies.logger.info).toHaveBeenCalledWith("snapshot ignored", {
        snapshotId: "nightly",
        reason: "not-owned",
        status: "available",
      });
    });

    it("ignores an event for a snapshot that no longer exists", async () => {
      world({});
      rdsMock.on(DescribeDBSnapshotsCommand).rejects(new DBSnapshotNotFoundFault({ message: "gone", $metadata: {} }));
      const summary = await handler()({
        "detail-type": "RDS DB Snapshot Event",
        detail: { SourceIdentifier: "rpl-gone" },
      });
      expect(summary).toMatchObject({ shared: 0, failed: 0, ignored: 0 });
    });

    it("looks up both kinds for { snapshotId } and fails when neither exists", async () => {
      world({});
      rdsMock.on(DescribeDBSnapshotsCommand).rejects(new DBSnapshotNotFoundFault({ message: "gone", $metadata: {} }));
      rdsMock.on(DescribeDBClusterSnapshotsCommand).rejects(awsError("DBClusterSnapshotNotFoundFault", "gone"));
      await expect(handler()({ snapshotId: "rpl-gone" })).rejects.toThrow(
        new SnapshotNotFoundError(
          "share: no DB snapshot or DB cluster snapshot named rpl-gone in this account and region",
        ),
      );
      expect(rdsMock.commandCalls(DescribeDBSnapshotsCommand)).toHaveLength(1);
      expect(rdsMock.commandCalls(DescribeDBClusterSnapshotsCommand)).toHaveLength(1);
    });

    it("maps throttling on the lookup to TransientAwsError", async () => {
      world({});
      rdsMock.on(DescribeDBSnapshotsCommand).rejects(awsError("Throttling", "Rate exceeded"));
      await expect(handler()({ snapshotId: "rpl-x" })).rejects.toThrow(
        new TransientAwsError(
          "share: DescribeDBSnapshots/DescribeDBClusterSnapshots for rpl-x failed: Throttling: Rate exceeded",
        ),
      );
    });

    it.each([
      [
        { "detail-type": "RDS DB Instance Event", detail: { SourceIdentifier: "x" } },
        /share event detail-type must be one of/,
      ],
      [
        { "detail-type": "RDS DB Snapshot Event", detail: {} },
        /share event detail\.SourceIdentifier must be the snapshot identifier \(got undefined\)/,
      ],
      [{ snapshotId: "not_valid" }, /share event\.snapshotId must be an RDS snapshot identifier \(got "not_valid"\)/],
      [{ snapshotId: 7 }, /share event\.snapshotId must be an RDS snapshot identifier \(got 7\)/],
    ])("rejects %j with a ConfigError naming the field", async (event, message) => {
      world({});
      const err = await handler()(event).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(message);
      expect(rdsMock.calls()).toHaveLength(0);
    });
  });
});

describe("share handler: source DBs deleted in production (issue 13)", () => {
  const goneSnapshots = (extra: Record<string, string> = {}) => [
    sdkSnapshot("rpl-orders-old", "orders", {
      createdAt: "2026-11-24T06:00:00Z",
      tags: tags({ [TAG.sharedSet]: HASH }),
    }),
    sdkSnapshot("rpl-orders-new", "orders", {
      createdAt: "2026-11-25T06:00:00Z",
      tags: tags({ [TAG.sharedSet]: HASH, ...extra }),
    }),
    sdkSnapshot("rpl-billing-a", "billing", {
      createdAt: "2026-11-25T06:00:00Z",
      tags: tags({ [TAG.sharedSet]: HASH }, "billing"),
    }),
  ];
  const deletedEntries = (m: typeof busMock) =>
    entries(m).filter((e) => e.DetailType === "RDS Pilot Light Source DB Deleted");
  const deletedTags = () =>
    rdsMock
      .commandCalls(AddTagsToResourceCommand)
      .map((c) => c.args[0].input)
      .filter((i) => i.Tags?.some((t) => t.Key === "rpl-source-deleted-at"));

  it("reports a DB the listing no longer has to every DR bus, then tags its newest snapshot", async () => {
    world({ snapshots: goneSnapshots(), liveDbs: { instances: ["billing"], clusters: [] } });

    await handler({ eventBusArns: [BUS, BUS2] })({});

    const detail = {
      sourceAccount: ACCOUNT,
      sourceRegion: REGION,
      dbId: "orders",
      kind: "instance",
      deletedAt: new Date(NOW).toISOString(),
    };
    for (const [m, bus] of [
      [busMock, BUS],
      [bus2Mock, BUS2],
    ] as const) {
      expect(deletedEntries(m)).toEqual([
        {
          EventBusName: bus,
          Source: "rds-pilot-light",
          DetailType: "RDS Pilot Light Source DB Deleted",
          Resources: [snapArn("instance", "rpl-orders-new")],
          Detail: JSON.stringify(detail),
        },
      ]);
    }
    expect(deletedTags()).toEqual([
      {
        ResourceName: snapArn("instance", "rpl-orders-new"),
        Tags: [{ Key: "rpl-source-deleted-at", Value: detail.deletedAt }],
      },
    ]);
    expect(metric("SourceDbsDeleted")).toEqual([1]);
  });

  it("reports a deleted DB once: a newest snapshot already tagged sends nothing", async () => {
    world({
      snapshots: goneSnapshots({ "rpl-source-deleted-at": "2026-11-24T09:00:00.000Z" }),
      liveDbs: { instances: ["billing"], clusters: [] },
    });

    await handler()({});

    expect(deletedEntries(busMock)).toEqual([]);
    expect(deletedTags()).toEqual([]);
    expect(metric("SourceDbsDeleted")).toEqual([0]);
  });

  it("does not tag when a bus rejected the report, and fails the run so it is retried", async () => {
    world({ snapshots: goneSnapshots(), liveDbs: { instances: ["billing"], clusters: [] } });
    busMock.on(PutEventsCommand).callsFake((input: { Entries?: { DetailType?: string }[] }) => {
      const rejected = input.Entries?.[0]?.DetailType === "RDS Pilot Light Source DB Deleted";
      return rejected
        ? { FailedEntryCount: 1, Entries: [{ ErrorCode: "AccessDeniedException", ErrorMessage: "no" }] }
        : { FailedEntryCount: 0, Entries: (input.Entries ?? []).map((_, i) => ({ EventId: `e${i}` })) };
    });

    await expect(handler()({})).rejects.toThrow(/orders.*report of deleted DB orders/);

    expect(deletedTags()).toEqual([]);
  });

  it("reports nothing on a run scoped to one snapshot (only sweeps read the DB listing)", async () => {
    world({ snapshots: goneSnapshots(), liveDbs: { instances: [], clusters: [] } });

    await handler()({ snapshotId: "rpl-billing-a" });

    expect(rdsMock.commandCalls(DescribeDBInstancesCommand)).toEqual([]);
    expect(deletedEntries(busMock)).toEqual([]);
  });
});

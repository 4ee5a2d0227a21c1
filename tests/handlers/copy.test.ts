import {
  CopyDBClusterSnapshotCommand,
  CopyDBSnapshotCommand,
  DBClusterSnapshotAlreadyExistsFault,
  DBSnapshotAlreadyExistsFault,
  DBSnapshotNotFoundFault,
  DeleteDBClusterSnapshotCommand,
  DeleteDBSnapshotCommand,
  InvalidDBSnapshotStateFault,
  KMSKeyNotAccessibleFault,
  RDSServiceException,
  SharedSnapshotQuotaExceededFault,
  SnapshotQuotaExceededFault,
} from "@aws-sdk/client-rds";
import { describe, expect, it, vi } from "vitest";
import { type CopySummary, makeHandler } from "../../functions/copy/handler";
import { drCopyId } from "../../functions/lib/identifiers";
import {
  arnOfRaw,
  DR,
  ENV,
  HOME,
  HOME_KEY,
  homeCopyArn,
  REGION_KEY,
  rawCopy,
  rawShared,
  SOURCE_KEY,
  SRC_A,
  SRC_B,
} from "../unit/copyFixtures";
import { world } from "./copyWorld";

const T1 = "2026-03-01T10:00:00.000Z";
const T2 = "2026-03-01T11:00:00.000Z";
const meta = { $metadata: {} };
const sdkError = (name: string) =>
  new RDSServiceException({ name, $fault: "client", message: `${name} says no`, ...meta });

const lastSummary = (logger: ReturnType<typeof world>["logger"]): CopySummary =>
  logger.info.mock.calls.filter(([msg]) => msg === "copy finished").map(([, s]) => s as CopySummary)[0]!;

describe("copy handler", () => {
  it("copies shared instance and cluster snapshots of two accounts into the home region under the DR key", async () => {
    // Prepare
    const inst = rawShared({ account: SRC_A, dbId: "orders", at: T1 });
    const clus = rawShared({ account: SRC_B, dbId: "aurora", at: T1, kind: "cluster" });
    const w = world({ home: { shared: [inst, clus] } });
    // Act
    const summary = await makeHandler(w.deps)({});
    // Assert
    const instId = drCopyId(SRC_A, "orders", new Date(T1));
    const clusId = drCopyId(SRC_B, "aurora", new Date(T1));
    expect(w.home.commandCalls(CopyDBSnapshotCommand).map((c) => c.args[0].input)).toEqual([
      {
        SourceDBSnapshotIdentifier: arnOfRaw(inst),
        TargetDBSnapshotIdentifier: instId,
        KmsKeyId: HOME_KEY,
        CopyTags: false,
        Tags: [
          { Key: "rpl-copied-from", Value: arnOfRaw(inst) },
          { Key: "rpl-managed-by", Value: "rds-pilot-light" },
          { Key: "rpl-recovery-point", Value: T1 },
          { Key: "rpl-source-account", Value: SRC_A },
          { Key: "rpl-source-db", Value: "orders" },
          { Key: "rpl-source-kind", Value: "instance" },
          { Key: "rpl-source-region", Value: HOME },
          { Key: "rpl-stage", Value: "dr" },
        ],
      },
    ]);
    expect(w.home.commandCalls(CopyDBClusterSnapshotCommand).map((c) => c.args[0].input)).toEqual([
      expect.objectContaining({
        SourceDBClusterSnapshotIdentifier: arnOfRaw(clus),
        TargetDBClusterSnapshotIdentifier: clusId,
        KmsKeyId: HOME_KEY,
        Tags: expect.arrayContaining([
          { Key: "rpl-source-account", Value: SRC_B },
          { Key: "rpl-source-kind", Value: "cluster" },
          { Key: "rpl-stage", Value: "dr" },
        ]),
      }),
    ]);
    expect(w.dr.commandCalls(CopyDBSnapshotCommand)).toHaveLength(0);
    expect(summary).toEqual({
      started: 2,
      regionStarted: 0,
      inFlight: 2,
      waiting: 0,
      pending: 2,
      ready: 0,
      intermediateDeleted: 0,
      failed: 0,
      skipped: 0,
      superseded: 0,
      leftPending: 0,
      // Copies just started show no progress: look again after half of expectedCopyMinutes (20).
      nextCheckSeconds: 600,
    });
    expect(w.metric("SnapshotsCopied", "Stage", "dr")).toEqual([2]);
    expect(w.metric("StepFailures", "Step", "copy")).toEqual([0]);
  });

  it("never sends the source snapshot's key", async () => {
    const w = world({ home: { shared: [rawShared({ account: SRC_A, dbId: "orders", at: T1 })] } });
    await makeHandler(w.deps)({});
    const sent = w.home.commandCalls(CopyDBSnapshotCommand)[0]!.args[0].input;
    expect(sent.KmsKeyId).toBe(HOME_KEY);
    expect(sent.KmsKeyId).not.toBe(SOURCE_KEY);
  });

  it("lists more than 100 shared snapshots page by page and respects the in-flight limit", async () => {
    // Prepare: 250 shared snapshots of 250 DBs, limit 5.
    const shared = Array.from({ length: 250 }, (_, i) => rawShared({ account: SRC_A, dbId: `db${i}`, at: T1 }));
    const w = world({ home: { shared }, config: { drRegion: undefined, drRegionKmsKeyArn: undefined } });
    // Act
    const summary = await makeHandler(w.deps)({});
    // Assert
    expect(w.homeDescribes.filter((c) => c.type === "shared" && c.kind === "instance")).toEqual(
      [undefined, "100", "200"].map((marker) => ({
        kind: "instance",
        type: "shared",
        marker,
        maxRecords: 100,
        includeShared: true,
      })),
    );
    expect(w.home.commandCalls(CopyDBSnapshotCommand)).toHaveLength(5);
    expect(summary).toMatchObject({ started: 5, inFlight: 5, waiting: 245, pending: 250 });
  });

  it("starts only into free slots when copies are already in flight", async () => {
    const shared = [1, 2, 3].map((i) => rawShared({ account: SRC_A, dbId: `db${i}`, at: T1 }));
    const busy = [1, 2, 3, 4].map((i) => rawCopy({ id: `rpl-busy-${i}`, stage: "dr", status: "creating" }));
    const w = world({ home: { shared, manual: busy } });
    const summary = await makeHandler(w.deps)({});
    expect(w.home.commandCalls(CopyDBSnapshotCommand)).toHaveLength(1);
    expect(summary).toMatchObject({ started: 1, inFlight: 5, waiting: 2, pending: 7 });
  });

  it.each(["instance", "cluster"] as const)(
    "copies an available home %s copy into the DR region with the DR-region key (two-step)",
    async (kind) => {
      const id = drCopyId(SRC_A, "orders", new Date(T1));
      const h = rawCopy({ id, kind, stage: "dr", dbId: "orders", at: T1 });
      const w = world({ home: { manual: [h] } });
      const summary = await makeHandler(w.deps)({});
      const calls =
        kind === "instance"
          ? w.dr.commandCalls(CopyDBSnapshotCommand).map((c) => c.args[0].input)
          : w.dr.commandCalls(CopyDBClusterSnapshotCommand).map((c) => c.args[0].input);
      const source = homeCopyArn(id, kind);
      expect(calls).toEqual([
        expect.objectContaining({
          ...(kind === "instance"
            ? { SourceDBSnapshotIdentifier: source, TargetDBSnapshotIdentifier: id }
            : { SourceDBClusterSnapshotIdentifier: source, TargetDBClusterSnapshotIdentifier: id }),
          KmsKeyId: REGION_KEY,
          Tags: expect.arrayContaining([
            { Key: "rpl-stage", Value: "dr-region" },
            { Key: "rpl-copied-from", Value: source },
            { Key: "rpl-recovery-point", Value: T1 },
          ]),
        }),
      ]);
      // The source region reaches RDS through the source ARN: the SDK pre-signs for the region named there.
      expect(source.split(":")[3]).toBe(HOME);
      expect(w.home.commandCalls(CopyDBSnapshotCommand)).toHaveLength(0);
      expect(summary).toMatchObject({ started: 0, regionStarted: 1, pending: 1 });
      expect(w.metric("SnapshotsCopied", "Stage", "dr-region")).toEqual([1]);
    },
  );

  it.each(["instance", "cluster"] as const)(
    "copies a shared %s snapshot straight into the DR region in direct mode",
    async (kind) => {
      const s = rawShared({ account: SRC_A, dbId: "orders", at: T1, kind });
      const w = world({ home: { shared: [s] }, config: { mode: "direct" } });
      const summary = await makeHandler(w.deps)({});
      const calls =
        kind === "instance"
          ? w.dr.commandCalls(CopyDBSnapshotCommand).map((c) => c.args[0].input)
          : w.dr.commandCalls(CopyDBClusterSnapshotCommand).map((c) => c.args[0].input);
      expect(calls).toEqual([
        expect.objectContaining({
          KmsKeyId: REGION_KEY,
          Tags: expect.arrayContaining([
            { Key: "rpl-stage", Value: "dr-region" },
            { Key: "rpl-copied-from", Value: arnOfRaw(s) },
          ]),
          ...(kind === "instance"
            ? { SourceDBSnapshotIdentifier: arnOfRaw(s) }
            : { SourceDBClusterSnapshotIdentifier: arnOfRaw(s) }),
        }),
      ]);
      expect(w.home.commandCalls(CopyDBSnapshotCommand)).toHaveLength(0);
      expect(w.home.commandCalls(CopyDBClusterSnapshotCommand)).toHaveLength(0);
      expect(summary).toMatchObject({ started: 0, regionStarted: 1, pending: 1 });
    },
  );

  it("fan-out: sends both copies of a shared instance snapshot at once, each client in its destination region", async () => {
    const s = rawShared({ account: SRC_A, dbId: "orders", at: T1 });
    const w = world({ home: { shared: [s] }, config: { mode: "fan-out" } });
    const summary = await makeHandler(w.deps)({});
    const expected = (key: string, stage: string) =>
      expect.objectContaining({
        SourceDBSnapshotIdentifier: arnOfRaw(s),
        KmsKeyId: key,
        Tags: expect.arrayContaining([
          { Key: "rpl-stage", Value: stage },
          { Key: "rpl-copied-from", Value: arnOfRaw(s) },
        ]),
      });
    expect(w.home.commandCalls(CopyDBSnapshotCommand).map((c) => c.args[0].input)).toEqual([expected(HOME_KEY, "dr")]);
    // The DR-region client gets the source ARN in the other account and region (the SDK pre-signs from it).
    expect(w.dr.commandCalls(CopyDBSnapshotCommand).map((c) => c.args[0].input)).toEqual([
      expected(REGION_KEY, "dr-region"),
    ]);
    expect(summary).toMatchObject({ started: 1, regionStarted: 1, pending: 1 });
  });

  it.each(["instance", "cluster"] as const)(
    "deletes the intermediate home %s copy once the DR-region copy is available",
    async (kind) => {
      const id = drCopyId(SRC_A, "orders", new Date(T1));
      const h = rawCopy({ id, kind, stage: "dr", dbId: "orders", at: T1 });
      const r = rawCopy({ id, kind, stage: "dr-region", dbId: "orders", at: T1, copiedFrom: homeCopyArn(id, kind) });
      const w = world({ home: { manual: [h] }, dr: { manual: [r] }, config: { deleteIntermediate: true } });
      const summary = await makeHandler(w.deps)({});
      if (kind === "instance") {
        expect(w.home.commandCalls(DeleteDBSnapshotCommand).map((c) => c.args[0].input)).toEqual([
          { DBSnapshotIdentifier: id },
        ]);
      } else {
        expect(w.home.commandCalls(DeleteDBClusterSnapshotCommand).map((c) => c.args[0].input)).toEqual([
          { DBClusterSnapshotIdentifier: id },
        ]);
      }
      expect(w.dr.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(0);
      expect(summary).toMatchObject({ intermediateDeleted: 1, pending: 0 });
    },
  );

  it.each([
    ["already gone", new DBSnapshotNotFoundFault({ message: "gone", ...meta })],
    ["busy", new InvalidDBSnapshotStateFault({ message: "in use", ...meta })],
  ])("treats an intermediate copy that is %s as nothing to do", async (_n, error) => {
    const id = drCopyId(SRC_A, "orders", new Date(T1));
    const h = rawCopy({ id, stage: "dr", dbId: "orders", at: T1 });
    const r = rawCopy({ id, stage: "dr-region", dbId: "orders", at: T1 });
    const w = world({ home: { manual: [h] }, dr: { manual: [r] }, config: { deleteIntermediate: true } });
    w.home.on(DeleteDBSnapshotCommand).rejects(error);
    const summary = await makeHandler(w.deps)({});
    expect(summary).toMatchObject({ intermediateDeleted: 0, failed: 0 });
  });

  it.each([
    ["instance", new DBSnapshotAlreadyExistsFault({ message: "exists", ...meta })],
    ["instance", sdkError("DBSnapshotAlreadyExists")],
    ["cluster", new DBClusterSnapshotAlreadyExistsFault({ message: "exists", ...meta })],
  ] as const)("counts an already existing %s copy (%s) as success", async (kind, error) => {
    const s = rawShared({ account: SRC_A, dbId: "orders", at: T1, kind });
    const w = world({ home: { shared: [s] } });
    if (kind === "instance") w.home.on(CopyDBSnapshotCommand).rejects(error);
    else w.home.on(CopyDBClusterSnapshotCommand).rejects(error);
    const summary = await makeHandler(w.deps)({});
    expect(summary).toMatchObject({ started: 0, inFlight: 1, pending: 1, failed: 0 });
  });

  it("does not start a copy that already exists in any status", async () => {
    const id = drCopyId(SRC_A, "orders", new Date(T1));
    const s = rawShared({ account: SRC_A, dbId: "orders", at: T1 });
    const h = rawCopy({ id, stage: "dr", status: "creating", dbId: "orders", at: T1 });
    const w = world({ home: { shared: [s], manual: [h] } });
    const summary = await makeHandler(w.deps)({});
    expect(w.home.commandCalls(CopyDBSnapshotCommand)).toHaveLength(0);
    expect(summary).toMatchObject({ started: 0, inFlight: 1, pending: 1 });
  });

  it("fails only the DB whose source key is not shared, with a message about the key policy", async () => {
    // Prepare
    const bad = rawShared({ account: SRC_A, dbId: "orders", at: T1 });
    const good = rawShared({ account: SRC_B, dbId: "billing", at: T1 });
    const w = world({ home: { shared: [bad, good] } });
    w.home
      .on(CopyDBSnapshotCommand, { SourceDBSnapshotIdentifier: arnOfRaw(bad) })
      .rejects(new KMSKeyNotAccessibleFault({ message: "key not accessible", ...meta }));
    // Act
    const run = makeHandler(w.deps)({});
    // Assert
    await expect(run).rejects.toMatchObject({
      name: "PartialFailureError",
      failures: [
        {
          id: `${SRC_A}/orders`,
          error: "KmsKeyNotAccessibleError",
          message: expect.stringMatching(/key policy .* account 111122223333\) must allow this DR account/),
        },
      ],
    });
    expect(w.home.commandCalls(CopyDBSnapshotCommand)).toHaveLength(2);
    expect(lastSummary(w.logger)).toMatchObject({ started: 1, failed: 1, pending: 1 });
    expect(w.metric("StepFailures", "Step", "copy")).toEqual([1]);
  });

  it.each([
    ["SnapshotQuotaExceededFault", new SnapshotQuotaExceededFault({ message: "full", ...meta })],
    ["SnapshotQuotaExceeded (wire name)", sdkError("SnapshotQuotaExceeded")],
    ["SharedSnapshotQuotaExceededFault", new SharedSnapshotQuotaExceededFault({ message: "full", ...meta })],
  ])("stops starting copies in a region after %s and reports the rest as waiting", async (_n, error) => {
    const shared = [1, 2, 3].map((i) => rawShared({ account: SRC_A, dbId: `db${i}`, at: T1 }));
    const w = world({ home: { shared } });
    w.home.on(CopyDBSnapshotCommand).rejects(error);
    await expect(makeHandler(w.deps)({})).rejects.toMatchObject({
      name: "PartialFailureError",
      failures: [expect.objectContaining({ error: "SnapshotQuotaError" })],
    });
    expect(w.home.commandCalls(CopyDBSnapshotCommand)).toHaveLength(1);
    expect(lastSummary(w.logger)).toMatchObject({ started: 0, waiting: 2, failed: 1 });
  });

  it("still copies into the other region when one region's quota is full", async () => {
    const id = drCopyId(SRC_A, "orders", new Date(T1));
    const h = rawCopy({ id, stage: "dr", dbId: "orders", at: T1 });
    const shared = [rawShared({ account: SRC_A, dbId: "billing", at: T2 })];
    const w = world({ home: { shared, manual: [h] } });
    w.home.on(CopyDBSnapshotCommand).rejects(new SnapshotQuotaExceededFault({ message: "full", ...meta }));
    await expect(makeHandler(w.deps)({})).rejects.toThrow(/SnapshotQuotaError/);
    expect(w.dr.commandCalls(CopyDBSnapshotCommand)).toHaveLength(1);
    // Issue 13: the full quota has its own datum, naming region and kind (the alarm adds the account).
    const blocked = w.emitted.filter((m) => m.values.some(([n]) => n === "SnapshotQuotaBlocked"));
    expect(blocked).toEqual([
      { dims: { Region: HOME, Kind: "instance" }, values: [["SnapshotQuotaBlocked", "Count", 1]] },
    ]);
  });

  it("turns throttling that outlived the SDK retries into a retryable TransientAwsError", async () => {
    const w = world({ home: { shared: [rawShared({ account: SRC_A, dbId: "orders", at: T1 })] } });
    w.home.on(CopyDBSnapshotCommand).rejects(sdkError("Throttling"));
    await expect(makeHandler(w.deps)({})).rejects.toMatchObject({ name: "TransientAwsError" });
  });

  it("reports a copy stuck in status failed as a failure without copying again", async () => {
    const id = drCopyId(SRC_A, "orders", new Date(T1));
    const s = rawShared({ account: SRC_A, dbId: "orders", at: T1 });
    const h = rawCopy({ id, stage: "dr", status: "failed", dbId: "orders", at: T1 });
    const w = world({ home: { shared: [s], manual: [h] } });
    await expect(makeHandler(w.deps)({})).rejects.toThrow(/CopyFailed: .*status failed; delete it/);
    expect(w.home.commandCalls(CopyDBSnapshotCommand)).toHaveLength(0);
  });

  it("gives the same DB name in several source accounts distinct identifiers", async () => {
    const shared = [SRC_A, SRC_B].map((account) => rawShared({ account, dbId: "orders", at: T1 }));
    const w = world({ home: { shared } });
    await makeHandler(w.deps)({});
    const targets = w.home.commandCalls(CopyDBSnapshotCommand).map((c) => c.args[0].input.TargetDBSnapshotIdentifier);
    expect(targets.sort()).toEqual(
      [drCopyId(SRC_A, "orders", new Date(T1)), drCopyId(SRC_B, "orders", new Date(T1))].sort(),
    );
    expect(targets[0]).not.toBe(targets[1]);
  });

  describe("scope", () => {
    const a = rawShared({ account: SRC_A, dbId: "orders", at: T1 });
    const b = rawShared({ account: SRC_B, dbId: "billing", at: T1 });

    it("copies only the snapshot named by the Sharer's event", async () => {
      const w = world({ home: { shared: [a, b] } });
      const event = {
        "detail-type": "RDS Pilot Light Snapshot Shared",
        source: "rds-pilot-light",
        detail: { snapshotArn: arnOfRaw(b), kind: "instance", dbId: "billing", sourceAccount: SRC_B },
      };
      const summary = await makeHandler(w.deps)(event);
      expect(w.home.commandCalls(CopyDBSnapshotCommand).map((c) => c.args[0].input.SourceDBSnapshotIdentifier)).toEqual(
        [arnOfRaw(b)],
      );
      expect(summary).toMatchObject({ started: 1, pending: 1 });
    });

    it("throws SnapshotNotFoundError for a scoped snapshot it cannot see (retryable by the state machine)", async () => {
      const w = world({ home: { shared: [a] } });
      const missing = arnOfRaw(a).replace("orders", "other");
      await expect(makeHandler(w.deps)({ snapshotArn: missing })).rejects.toMatchObject({
        name: "SnapshotNotFoundError",
        message: expect.stringContaining(missing),
      });
    });

    it("skips a source whose share was revoked between listing and copy (DBSnapshotNotFound) in a sweep, and ends a run for that snapshot with SnapshotNotFoundError", async () => {
      const revoked = () => new DBSnapshotNotFoundFault({ message: "not shared any more", ...meta });
      const sweep = world({ home: { shared: [a, b] } });
      sweep.home.on(CopyDBSnapshotCommand, { SourceDBSnapshotIdentifier: arnOfRaw(a) }).rejects(revoked());
      const summary = await makeHandler(sweep.deps)({});
      // The other DB is copied; the revoked one is skipped, not a failure (the next sweep copies what it lists).
      expect(summary).toMatchObject({ started: 1, failed: 0, skipped: 1 });
      const scoped = world({ home: { shared: [a] } });
      scoped.home.on(CopyDBSnapshotCommand).rejects(revoked());
      await expect(makeHandler(scoped.deps)({ snapshotArn: arnOfRaw(a) })).rejects.toMatchObject({
        name: "SnapshotNotFoundError",
        message: expect.stringContaining("no longer shared with this account"),
      });
    });

    it("rejects a scoped snapshot in another region before listing anything", async () => {
      const w = world({ home: { shared: [a] } });
      const elsewhere = arnOfRaw(a).replace(HOME, DR);
      await expect(makeHandler(w.deps)({ snapshotArn: elsewhere })).rejects.toMatchObject({
        name: "ConfigError",
        message: expect.stringContaining(`is in ${DR}, but this Copier runs in ${HOME}`),
      });
      expect(w.home.calls()).toHaveLength(0);
    });

    it("rejects a malformed event, naming the field", async () => {
      const w = world();
      await expect(
        makeHandler(w.deps)({ "detail-type": "RDS Pilot Light Snapshot Shared", detail: { snapshotArn: "x" } }),
      ).rejects.toThrow(/detail\.snapshotArn must be the ARN/);
    });

    it("skips and reports a scoped snapshot from an unconfigured account", async () => {
      const stranger = rawShared({ account: "777777777777", dbId: "orders", at: T1 });
      const w = world({ home: { shared: [stranger] } });
      const summary = await makeHandler(w.deps)({ snapshotArn: arnOfRaw(stranger) });
      expect(summary).toMatchObject({ started: 0, skipped: 1, pending: 0 });
      expect(w.logger.warn).toHaveBeenCalledWith("snapshot skipped", {
        snapshot: arnOfRaw(stranger),
        reason: expect.stringContaining("RPL_SOURCE_ACCOUNTS"),
      });
    });
  });

  it("fails at import with a ConfigError naming the variable when the environment is bad", async () => {
    vi.resetModules();
    const saved = { ...process.env };
    Object.assign(process.env, { ...ENV, RPL_DR_REGION_KMS_KEY_ARN: "" });
    try {
      await expect(import("../../functions/copy/index")).rejects.toThrow(
        /RPL_DR_REGION_KMS_KEY_ARN is required when RPL_DR_REGION is set/,
      );
    } finally {
      process.env = saved;
    }
  });
});

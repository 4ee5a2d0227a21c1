/**
 * Copier and Checker handlers in a single-account stack (role `both`: the account's own `source` snapshots are the
 * sources and go straight to the DR region) and the copy window (`RPL_COPY_WINDOW_HOURS`), over aws-sdk-client-mock.
 */
import { CopyDBClusterSnapshotCommand, CopyDBSnapshotCommand } from "@aws-sdk/client-rds";
import { describe, expect, it } from "vitest";
import { makeHandler as makeCheck } from "../../functions/check/handler";
import { makeHandler as makeCopy } from "../../functions/copy/handler";
import { OUTSIDE_COPY_WINDOW } from "../../functions/copy/plan";
import { drCopyId } from "../../functions/lib/identifiers";
import { arnOfRaw, DR_ACCOUNT, HOME, REGION_KEY, rawCopy, rawOwnSource, rawShared, SRC_A } from "../unit/copyFixtures";
import { world } from "./copyWorld";

/** copyWorld's clock is 2026-03-02T00:00Z; these are 14 h, 13 h and 30 h before it. */
const T1 = "2026-03-01T10:00:00.000Z";
const T2 = "2026-03-01T11:00:00.000Z";
const OLD = "2026-02-28T18:00:00.000Z";
const BOTH = { sourceAccounts: [DR_ACCOUNT] };

describe("copy handler, single account (role both)", () => {
  it("copies the account's own source snapshots straight into the DR region, nothing into the home region", async () => {
    // Prepare
    const inst = rawOwnSource({ dbId: "orders", at: T1 });
    const clus = rawOwnSource({ dbId: "ledger", at: T2, kind: "cluster" });
    const w = world({ home: { manual: [inst, clus] }, config: BOTH });
    // Act
    const summary = await makeCopy(w.deps)({});
    // Assert
    const instId = drCopyId(DR_ACCOUNT, "orders", new Date(T1));
    const clusId = drCopyId(DR_ACCOUNT, "ledger", new Date(T2));
    expect(w.dr.commandCalls(CopyDBSnapshotCommand).map((c) => c.args[0].input)).toEqual([
      {
        SourceDBSnapshotIdentifier: arnOfRaw(inst),
        TargetDBSnapshotIdentifier: instId,
        KmsKeyId: REGION_KEY,
        CopyTags: false,
        Tags: [
          { Key: "rpl-copied-from", Value: arnOfRaw(inst) },
          { Key: "rpl-managed-by", Value: "rds-pilot-light" },
          { Key: "rpl-recovery-point", Value: T1 },
          { Key: "rpl-source-account", Value: DR_ACCOUNT },
          { Key: "rpl-source-db", Value: "orders" },
          { Key: "rpl-source-kind", Value: "instance" },
          { Key: "rpl-source-region", Value: HOME },
          { Key: "rpl-stage", Value: "dr-region" },
        ],
      },
    ]);
    expect(w.dr.commandCalls(CopyDBClusterSnapshotCommand).map((c) => c.args[0].input)).toMatchObject([
      {
        SourceDBClusterSnapshotIdentifier: arnOfRaw(clus),
        TargetDBClusterSnapshotIdentifier: clusId,
        KmsKeyId: REGION_KEY,
      },
    ]);
    expect(w.home.commandCalls(CopyDBSnapshotCommand)).toHaveLength(0);
    expect(w.home.commandCalls(CopyDBClusterSnapshotCommand)).toHaveLength(0);
    expect(summary).toEqual({
      nextCheckSeconds: expect.any(Number),
      started: 0,
      regionStarted: 2,
      inFlight: 2,
      waiting: 0,
      pending: 2,
      ready: 0,
      intermediateDeleted: 0,
      failed: 0,
      skipped: 0,
      superseded: 0,
      leftPending: 0,
    });
    expect(w.metric("SnapshotsCopied", "Stage", "dr-region")).toEqual([2]);
  });

  it("is a no-op for the same snapshots in a DR account that does not list itself in RPL_SOURCE_ACCOUNTS", async () => {
    const w = world({
      home: { manual: [rawOwnSource({ dbId: "orders", at: T1 })] },
      config: { sourceAccounts: [SRC_A] },
    });
    const summary = await makeCopy(w.deps)({});
    expect(w.dr.commandCalls(CopyDBSnapshotCommand)).toHaveLength(0);
    expect(w.home.commandCalls(CopyDBSnapshotCommand)).toHaveLength(0);
    expect(summary).toMatchObject({ started: 0, regionStarted: 0, pending: 0 });
  });

  it("the Checker waits on the running DR-region copy, then reports done; the Copier then starts nothing", async () => {
    const src = rawOwnSource({ dbId: "orders", at: T1 });
    const id = drCopyId(DR_ACCOUNT, "orders", new Date(T1));
    const copy = (status: string) =>
      rawCopy({
        id,
        stage: "dr-region",
        status,
        dbId: "orders",
        at: T1,
        account: DR_ACCOUNT,
        copiedFrom: arnOfRaw(src),
      });

    const running = world({ home: { manual: [src] }, dr: { manual: [copy("creating")] }, config: BOTH });
    expect(await makeCheck(running.deps)({})).toEqual({
      nextCheckSeconds: expect.any(Number),
      pending: 1,
      inProgress: [id],
      waiting: 0,
      ready: 0,
      failed: 0,
    });

    const done = world({ home: { manual: [src] }, dr: { manual: [copy("available")] }, config: BOTH });
    expect(await makeCheck(done.deps)({})).toEqual({
      pending: 0,
      inProgress: [],
      waiting: 0,
      ready: 0,
      failed: 0,
      nextCheckSeconds: 0,
    });
    expect(await makeCopy(done.deps)({})).toMatchObject({ started: 0, regionStarted: 0, pending: 0 });
    expect(done.dr.commandCalls(CopyDBSnapshotCommand)).toHaveLength(0);
  });
});

describe("copy handler, copy window", () => {
  it("does not copy again a share whose DR copies retention deleted, and logs it at debug level only", async () => {
    // Prepare: the source still shares a 30-hour-old snapshot; its DR copies are gone (DR Janitor retention).
    const old = rawShared({ account: SRC_A, dbId: "orders", at: OLD });
    const w = world({ home: { shared: [old] } });
    // Act
    const summary = await makeCopy(w.deps)({});
    // Assert
    expect(w.home.commandCalls(CopyDBSnapshotCommand)).toHaveLength(0);
    expect(w.dr.commandCalls(CopyDBSnapshotCommand)).toHaveLength(0);
    expect(summary).toMatchObject({ started: 0, regionStarted: 0, pending: 0, skipped: 1, failed: 0 });
    expect(w.logger.debug).toHaveBeenCalledWith("snapshot outside the copy window skipped", {
      snapshot: arnOfRaw(old),
      reason: OUTSIDE_COPY_WINDOW,
      detail: expect.stringContaining("older than the 24-hour copy window"),
    });
    expect(w.logger.warn).not.toHaveBeenCalled();
    // The Checker agrees: nothing pending, so the state machine does not wait on it.
    expect(await makeCheck(w.deps)({})).toMatchObject({ pending: 0, ready: 0 });
  });

  it("copies a share inside the window next to the skipped old one", async () => {
    const old = rawShared({ account: SRC_A, dbId: "orders", at: OLD });
    const fresh = rawShared({ account: SRC_A, dbId: "orders", at: T2 });
    const w = world({ home: { shared: [old, fresh] } });
    const summary = await makeCopy(w.deps)({});
    expect(w.home.commandCalls(CopyDBSnapshotCommand).map((c) => c.args[0].input.SourceDBSnapshotIdentifier)).toEqual([
      arnOfRaw(fresh),
    ]);
    expect(summary).toMatchObject({ started: 1, pending: 1, skipped: 1 });
  });

  it("copies the old share when RPL_COPY_WINDOW_HOURS covers it", async () => {
    const old = rawShared({ account: SRC_A, dbId: "orders", at: OLD });
    const w = world({ home: { shared: [old] }, config: { copyWindowHours: 48 } });
    expect(await makeCopy(w.deps)({})).toMatchObject({ started: 1, skipped: 0 });
  });
});

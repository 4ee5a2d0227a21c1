/**
 * A share revoked outside the tool (someone removes a DR account from a snapshot's `restore` attribute): the
 * `rpl-shared-set` tag still says "shared", so a sweep trusting it alone would never share the snapshot again. A sweep
 * reads the attribute of each DB's newest tagged snapshot (one read per DB), and shares, announces and tags a revoked
 * one again; the sweep's list step gives such a DB an item. Over the in-memory RDS model.
 */
import { ModifyDBSnapshotAttributeCommand } from "@aws-sdk/client-rds";
import { describe, expect, it } from "vitest";
import type { HandlerDeps } from "../../functions/lib/lambda";
import { liveObservability } from "../../functions/lib/powertools";
import { parseShareConfig } from "../../functions/share/config";
import { makeHandler } from "../../functions/share/handler";
import { SHARED_EVENT_DETAIL_TYPE } from "../../functions/share/plan";
import { makeSweepLister } from "../../functions/share/sweep";
import { RdsWorld } from "../../sim/aws/rdsModel";
import { addShareBacklog } from "../helpers/shareBacklog";

const SOURCE = "111122223333";
const DR = ["444455556666"];
const REGION = "eu-west-1";
const BUS = `arn:aws:events:${REGION}:${DR[0]}:event-bus/rpl-dr`;
const T0 = Date.parse("2026-06-01T00:00:00Z");
const PER_DB = 4;
const DBS = ["orders", "billing"] as const;

function world() {
  const t = T0 + PER_DB * 1_800_000;
  const clock = () => new Date(t);
  const w = new RdsWorld({ clock });
  addShareBacklog(w, { source: SOURCE, drAccounts: DR, region: REGION, dbs: DBS, perDb: PER_DB, t0: T0 });
  const config = parseShareConfig({ AWS_REGION: REGION, RPL_DR_ACCOUNTS: DR.join(","), RPL_DR_EVENT_BUS_ARNS: BUS });
  const deps: HandlerDeps<typeof config> = { clients: w.clients(SOURCE), clock, config, obs: liveObservability };
  return { w, share: makeHandler(deps), list: makeSweepLister(deps) };
}

const newest = (w: RdsWorld, dbId: string) =>
  w.snapshotsOf(SOURCE, REGION, dbId).sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))[0]!;
const announced = (w: RdsWorld) =>
  w.putEvents
    .filter((e) => e.entry.DetailType === SHARED_EVENT_DETAIL_TYPE)
    .map((e) => (JSON.parse(e.entry.Detail ?? "{}") as { snapshotArn: string }).snapshotArn.split(":").pop());

async function revoke(w: RdsWorld, snapshotId: string) {
  await w
    .clients(SOURCE)
    .rds(REGION)
    .send(
      new ModifyDBSnapshotAttributeCommand({
        DBSnapshotIdentifier: snapshotId,
        AttributeName: "restore",
        ValuesToRemove: DR,
      }),
    );
}

describe("share sweep after a revoked share", () => {
  it("leaves tagged shares alone while they hold: one attribute read per DB, no write, no item", async () => {
    const { w, share, list } = world();
    await share({});
    const writes = w.callCount("ModifyDBSnapshotAttribute");
    const reads = w.callCount("DescribeDBSnapshotAttributes");
    const again = await share({});
    expect(again.shared).toBe(0);
    expect(w.callCount("ModifyDBSnapshotAttribute")).toBe(writes);
    // "orders" and "billing" are instances; "ledger" is not in DBS: one read per DB of its newest snapshot.
    expect(w.callCount("DescribeDBSnapshotAttributes") - reads).toBe(DBS.length);
    expect((await list()).items).toEqual([]);
  });

  it("shares the newest snapshot again when its share was revoked, announces it, and gives its DB a sweep item", async () => {
    const { w, share, list } = world();
    await share({});
    const target = newest(w, "orders");
    await revoke(w, target.id);
    expect(newest(w, "orders").sharedWith).toEqual([]);
    // The list step finds it (the tag alone would say "already shared") and hands it to the item.
    const { items } = await list();
    expect(items).toEqual([{ dbId: "orders", dbKind: "instance", dbIds: ["orders"], revoked: [target.id] }]);
    const before = announced(w).length;
    const reads = w.callCount("DescribeDBSnapshotAttributes");
    const s = await share(items[0]);
    // The item trusts its list step's read: no attribute read of its own.
    expect(w.callCount("DescribeDBSnapshotAttributes")).toBe(reads);
    expect(s.shared).toBe(1);
    expect(s.snapshotIds).toEqual([target.id]);
    expect(newest(w, "orders").sharedWith).toEqual(DR);
    expect(announced(w).slice(before)).toEqual([target.id]);
    // Restored: the next sweep has nothing to do.
    expect((await list()).items).toEqual([]);
  });

  it("a { dbId } run (not a sweep item) reads the attribute itself and shares a revoked snapshot again", async () => {
    const { w, share } = world();
    await share({});
    const target = newest(w, "orders");
    await revoke(w, target.id);
    const reads = w.callCount("DescribeDBSnapshotAttributes");
    const s = await share({ dbId: "orders", dbKind: "instance" });
    expect(w.callCount("DescribeDBSnapshotAttributes")).toBe(reads + 1);
    expect(s.snapshotIds).toEqual([target.id]);
    expect(newest(w, "orders").sharedWith).toEqual(DR);
  });

  it("leaves an older revoked snapshot alone: only the newest recovery point matters for the DR copy", async () => {
    const { w, share, list } = world();
    await share({});
    const older = w
      .snapshotsOf(SOURCE, REGION, "billing")
      .sort((a, b) => (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0))[0]!;
    await revoke(w, older.id);
    expect((await list()).items).toEqual([]);
    expect((await share({})).shared).toBe(0);
  });
});

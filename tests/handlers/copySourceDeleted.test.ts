/**
 * The Copier's handling of "RDS Pilot Light Source DB Deleted" (issue 13): it tags the owned copies of that DB in both
 * DR regions with rpl-source-deleted-at, and starts, deletes and checks nothing.
 */
import {
  AddTagsToResourceCommand,
  CopyDBSnapshotCommand,
  DeleteDBClusterSnapshotCommand,
  DeleteDBSnapshotCommand,
} from "@aws-sdk/client-rds";
import { describe, expect, it } from "vitest";
import { makeHandler } from "../../functions/copy/handler";
import { ConfigError } from "../../functions/lib/errors";
import { HOME, rawCopy, rawShared, SRC_A, SRC_B } from "../unit/copyFixtures";
import { world } from "./copyWorld";

const DELETED_AT = "2026-03-01T12:00:00.000Z";
const event = (detail: Record<string, unknown>) => ({
  "detail-type": "RDS Pilot Light Source DB Deleted",
  source: "rds-pilot-light",
  account: SRC_A,
  detail,
});
const detail = { sourceAccount: SRC_A, sourceRegion: HOME, dbId: "orders", kind: "instance", deletedAt: DELETED_AT };

describe("copy handler: source DB deleted", () => {
  it("tags every owned copy of that DB in both regions, and nothing else", async () => {
    const orders1 = rawCopy({ id: "rpl-a-orders-1", stage: "dr", dbId: "orders", at: "2026-03-01T09:00:00.000Z" });
    const orders2 = rawCopy({ id: "rpl-a-orders-2", stage: "dr-region", dbId: "orders" });
    const otherAccount = rawCopy({ id: "rpl-b-orders-1", stage: "dr", dbId: "orders", account: SRC_B });
    const otherDb = rawCopy({ id: "rpl-a-billing-1", stage: "dr", dbId: "billing" });
    const foreign = rawCopy({ id: "manual-orders", stage: "dr", dbId: "orders", owned: false });
    const w = world({
      home: {
        manual: [orders1, otherAccount, otherDb, foreign],
        shared: [rawShared({ account: SRC_A, dbId: "orders", at: "2026-03-01T09:00:00.000Z" })],
      },
      dr: { manual: [orders2] },
    });
    w.home.on(AddTagsToResourceCommand).resolves({});
    w.dr.on(AddTagsToResourceCommand).resolves({});

    const summary = await makeHandler(w.deps)(event(detail));

    const tagged = (m: typeof w.home) => m.commandCalls(AddTagsToResourceCommand).map((c) => c.args[0].input);
    const tag = [{ Key: "rpl-source-deleted-at", Value: DELETED_AT }];
    expect(tagged(w.home)).toEqual([{ ResourceName: expect.stringContaining(":snapshot:rpl-a-orders-1"), Tags: tag }]);
    expect(tagged(w.dr)).toEqual([{ ResourceName: expect.stringContaining(":snapshot:rpl-a-orders-2"), Tags: tag }]);
    for (const m of [w.home, w.dr]) {
      expect(m.commandCalls(CopyDBSnapshotCommand)).toEqual([]);
      expect(m.commandCalls(DeleteDBSnapshotCommand)).toEqual([]);
      expect(m.commandCalls(DeleteDBClusterSnapshotCommand)).toEqual([]);
    }
    expect(summary).toMatchObject({ started: 0, regionStarted: 0, pending: 0, failed: 0, leftPending: 0 });
  });

  it("does not tag a copy that already carries the tag (a repeated report)", async () => {
    const marked = rawCopy({ id: "rpl-a-orders-1", stage: "dr", dbId: "orders" });
    const raw = marked.raw as { TagList?: { Key?: string; Value?: string }[] };
    raw.TagList = [...(raw.TagList ?? []), { Key: "rpl-source-deleted-at", Value: "2026-03-01T11:00:00.000Z" }];
    const unmarked = rawCopy({ id: "rpl-a-orders-2", stage: "dr", dbId: "orders" });
    const w = world({ home: { manual: [marked, unmarked] } });
    w.home.on(AddTagsToResourceCommand).resolves({});

    await makeHandler(w.deps)(event(detail));

    expect(w.home.commandCalls(AddTagsToResourceCommand).map((c) => c.args[0].input.ResourceName)).toEqual([
      expect.stringContaining(":snapshot:rpl-a-orders-2"),
    ]);
  });

  it.each([
    [{ ...detail, sourceAccount: "12" }, "detail.sourceAccount"],
    [{ ...detail, kind: "table" }, "detail.kind"],
    [{ ...detail, deletedAt: "yesterday" }, "detail.deletedAt"],
  ])("rejects a malformed report %j naming the field", async (bad, field) => {
    const w = world();
    const run = makeHandler(w.deps)(event(bad));
    await expect(run).rejects.toThrow(ConfigError);
    await expect(makeHandler(w.deps)(event(bad))).rejects.toThrow(field);
  });
});

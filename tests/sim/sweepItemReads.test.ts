/**
 * Reads of a sweep's Map items (issue 10): each item carries its DB's kind (`dbKind`, functions/lib/sweep.ts), so
 * its listings read that kind only, one page per region for a DB with fewer than 100 snapshots; a Sharer item does
 * not repeat the deleted-DB check's DB listing (the list step does it once). Runs the real handlers as the stacks
 * configure them (sim/stepHandlers.ts loadStepHandler) on the RDS model, list step then every item, as the bench's
 * whole-sweep rows do (bench/sweeps.ts).
 */
import { describe, expect, it } from "vitest";
import { parseStackConfig, type Step } from "../../config";
import { sourceSnapshotId } from "../../functions/lib/identifiers";
import { parseDbKind } from "../../functions/lib/sweep";
import { MANAGED_BY_VALUE, TAG } from "../../functions/lib/tags";
import { RdsWorld } from "../../sim/aws/rdsModel";
import { loadStepHandler } from "../../sim/stepHandlers";

const SOURCE = "111111111111";
const DR = "222222222222";
const REGION = "eu-west-1";
const DR_REGION = "eu-central-1";
const DBS = ["db-a", "db-b", "db-c"];

function setup() {
  let now = Date.parse("2026-01-06T00:10:00Z");
  const clock = () => new Date(now);
  const world = new RdsWorld({ clock });
  const srcKey = world.createKey(SOURCE, REGION, { allowAccounts: [DR] });
  const drKey = world.createKey(DR, REGION);
  const drRegionKey = world.createKey(DR, DR_REGION);
  for (const dbId of DBS) {
    world.addDbInstance(SOURCE, REGION, { id: dbId, sizeGb: 20, kmsKeyArn: srcKey });
    for (let k = 0; k < 6; k++) {
      const at = new Date(now - (k + 1) * 30 * 60_000 + 10 * 60_000);
      world.addSnapshot(SOURCE, REGION, {
        kind: "instance",
        id: sourceSnapshotId(dbId, at),
        dbId,
        createdAt: at,
        kmsKeyArn: srcKey,
        tags: {
          [TAG.managedBy]: MANAGED_BY_VALUE,
          [TAG.sourceDb]: dbId,
          [TAG.sourceKind]: "instance",
          [TAG.sourceAccount]: SOURCE,
          [TAG.sourceRegion]: REGION,
          [TAG.recoveryPoint]: at.toISOString(),
          [TAG.stage]: "source",
        },
      });
    }
  }
  const common = {
    rpoMinutes: 60,
    retention: { allHours: 2, dailyDays: 1, weeklyWeeks: 0, monthlyMonths: 0, minKeep: 2 },
  };
  const source = parseStackConfig({ role: "source", drAccounts: [DR], ...common }, "t-source", { region: REGION });
  const dr = parseStackConfig({ role: "dr", sourceAccounts: [SOURCE], drRegion: DR_REGION, ...common }, "t-dr", {
    region: REGION,
  });
  const handler = (step: Step, account: string, stage?: "source" | "dr") =>
    loadStepHandler({
      config: account === SOURCE ? source : dr,
      step,
      refs: { drKmsKeyArn: drKey, drRegionKmsKeyArn: drRegionKey, accountId: account, ...(stage ? { stage } : {}) },
      clients: world.clients(account),
      clock,
    });
  /** Runs a sweep's list step, then each item; returns the items and the read calls of each item. */
  const sweep = async (step: Step, account: string, stage?: "source" | "dr") => {
    const h = await handler(step, account, stage);
    const check = step === "copy" ? await handler("check", account) : undefined;
    const { items } = (await h({ sweep: "list" })) as { items: { dbId: string; dbKind?: string }[] };
    const reads: string[][] = [];
    for (const item of items) {
      const from = world.calls.length;
      await h(item);
      if (check) await check(item);
      reads.push(
        world.calls
          .slice(from)
          .filter((c) => c.command.startsWith("Describe"))
          .map((c) => c.command),
      );
    }
    return { items, reads };
  };
  const advance = (minutes: number) => {
    now += minutes * 60_000;
  };
  return { sweep, advance };
}

describe("sweep items read their own DB's kind only", () => {
  it("share, copy (with one check poll) and expire items list one kind per region; a Sharer item lists no DBs", async () => {
    const s = setup();
    const share = await s.sweep("share", SOURCE);
    expect(share.items).toEqual(DBS.map((dbId) => ({ dbId, dbKind: "instance" })));
    // One manual listing of the DB's instance snapshots, then nothing else read (DescribeKey is KMS, cached).
    for (const r of share.reads) expect(r.filter((c) => c !== "DescribeKey")).toEqual(["DescribeDBSnapshots"]);

    s.advance(20);
    const copy = await s.sweep("copy", DR);
    expect(copy.items).toEqual(DBS.map((dbId) => ({ dbId, dbKind: "instance" })));
    // Copier: shared + home manual + DR-region manual; the check poll the same three again.
    for (const r of copy.reads) expect(r).toEqual(Array(6).fill("DescribeDBSnapshots"));

    s.advance(180);
    const expire = await s.sweep("expire", SOURCE, "source");
    expect(expire.items.length).toBeGreaterThan(0);
    for (const r of expire.reads) expect(r).toEqual(["DescribeDBSnapshots"]);
  }, 60_000);

  it.each([
    [{ dbId: "a", dbKind: "table" }, 'share input dbKind must be "instance" or "cluster" (got "table")'],
    [{ dbId: "a", dbKind: 1 }, 'share input dbKind must be "instance" or "cluster" (got 1)'],
  ])("rejects a malformed dbKind naming the field (%j)", (input, message) => {
    expect(() => parseDbKind(input, "share")).toThrow(message);
  });
});

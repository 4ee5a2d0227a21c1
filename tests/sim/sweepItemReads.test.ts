/**
 * Reads of a sweep's Map items (issue 10): each item carries its DB's kind (`dbKind`, functions/lib/sweep.ts), so
 * its listings read that kind only, one page per region for a DB with fewer than 100 snapshots; a Sharer item does
 * not repeat the deleted-DB check's DB listing (the list step does it once). Runs the real handlers as the stacks
 * configure them (sim/stepHandlers.ts loadStepHandler) on the RDS model, list step then every item, as the bench's
 * whole-sweep rows do (bench/sweeps.ts).
 */
import { describe, expect, it } from "vitest";
import { parseStackConfig, type Step, sweepMapOptions } from "../../config";
import { sourceSnapshotId } from "../../functions/lib/identifiers";
import { packSweepItems, parseDbKind, parseDbsScope } from "../../functions/lib/sweep";
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
  /** Runs a sweep's list step (as the machine asks for it), then each item; returns the items and each one's reads. */
  const sweep = async (step: Step, account: string, stage?: "source" | "dr") => {
    const h = await handler(step, account, stage);
    const check = step === "copy" ? await handler("check", account) : undefined;
    const pacing = sweepMapOptions(account === SOURCE ? source : dr).items;
    const { items } = (await h({ sweep: "list", pacing })) as {
      items: { dbId: string; dbKind?: string; dbIds?: string[]; pauseSeconds?: number }[];
    };
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

describe("sweep items read their own DBs' kind only, several DBs per page", () => {
  it("share, copy (with one check poll) and expire items list one kind per region; a Sharer item lists no DBs", async () => {
    const s = setup();
    const share = await s.sweep("share", SOURCE);
    // 3 DBs x 6 snapshots fill less than a page: one item; its pause is its estimate (1 page + 2 writes x 18
    // snapshots = 37 requests) at the default pace (3 items at once / (12 x 0.5) per s = 0.5 s a request).
    expect(share.items).toEqual([{ dbId: "db-a", dbKind: "instance", dbIds: DBS, pauseSeconds: 19 }]);
    // One manual listing of the DBs' instance snapshots, then nothing else read (DescribeKey is KMS, cached).
    for (const r of share.reads) expect(r.filter((c) => c !== "DescribeKey")).toEqual(["DescribeDBSnapshots"]);

    s.advance(20);
    const copy = await s.sweep("copy", DR);
    expect(copy.items.map((i) => [i.dbId, i.dbKind, i.dbIds])).toEqual([["db-a", "instance", DBS]]);
    // Copier: shared + home manual + DR-region manual; the check poll the same three again.
    for (const r of copy.reads) expect(r).toEqual(Array(6).fill("DescribeDBSnapshots"));

    s.advance(180);
    const expire = await s.sweep("expire", SOURCE, "source");
    expect(expire.items.map((i) => i.dbIds)).toEqual([DBS]);
    for (const r of expire.reads) expect(r).toEqual(["DescribeDBSnapshots"]);
  }, 60_000);

  it("packs DBs so each item's snapshots fill at most a page, and caps an item's requests at its allowance", () => {
    const db = (dbId: string, listed: number, requests = 1, kind: "instance" | "cluster" = "instance") => ({
      dbId,
      kind,
      listed: [listed],
      requests,
    });
    const pages = packSweepItems([db("a", 40), db("b", 40), db("c", 40), db("d", 150), db("e", 10)]);
    // a+b fill one page; c joins d (40 + 150: 2 pages instead of 1 + 2) and e fills d's second page (200).
    expect(pages.items.map((i) => i.dbIds)).toEqual([
      ["a", "b"],
      ["c", "d", "e"],
    ]);
    // Kinds never share an item (one filter per kind); duplicates (one per snapshot to share) merge their requests.
    const kinds = packSweepItems([db("a", 1), db("b", 1, 1, "cluster"), db("a", 1), db("c", 1)], {
      maxRequests: 50,
      secondsPerRequest: 0.5,
    });
    expect(kinds.items).toEqual([
      { dbId: "a", dbKind: "instance", dbIds: ["a", "c"], pauseSeconds: 2 },
      { dbId: "b", dbKind: "cluster", dbIds: ["b"], pauseSeconds: 1 },
    ]);
    // The allowance: 1 page + 2 x 3 requests fits 8, a third DB would not; a DB alone over it gets its own item.
    const capped = packSweepItems([db("a", 1, 3), db("b", 1, 3), db("c", 1, 3), db("d", 1, 20)], {
      maxRequests: 8,
      secondsPerRequest: 1,
    });
    expect(capped.items.map((i) => [i.dbIds, i.pauseSeconds])).toEqual([
      [["a", "b"], 7],
      [["c"], 4],
      [["d"], 21],
    ]);
    // Several listings (copy: shared, home manual, DR-region manual): a DB joins while the item reads fewer pages
    // than apart, so near-empty listings keep filling even once the shared listing takes two pages.
    const multi = (dbId: string, shared: number) => ({
      dbId,
      kind: "instance" as const,
      listed: [shared, 1, 1],
      requests: 0,
    });
    const copies = packSweepItems([multi("a", 60), multi("b", 60), multi("c", 60), multi("d", 250)]);
    // a+b: 2+1+1 = 4 pages < 3+3; +c: 2+1+1 = 4 < 4+3; +d (250 alone: 3+1+1 = 5): 5+1+1 = 7 < 4+5.
    expect(copies.items.map((i) => i.dbIds)).toEqual([["a", "b", "c", "d"]]);
    // A single listing never spans a page it could not fill: 60 + 60 takes 2 pages, as apart.
    expect(packSweepItems([db("a", 60), db("b", 60)]).items.map((i) => i.dbIds)).toEqual([["a"], ["b"]]);
    // At most SNAPSHOT_FILTER_MAX_VALUES values per filter.
    const many = packSweepItems(Array.from({ length: 120 }, (_, i) => db(`d${String(i).padStart(3, "0")}`, 0)));
    expect(many.items.map((i) => i.dbIds?.length)).toEqual([50, 50, 20]);
  });

  it.each([
    [{ dbId: "a", dbIds: [] }, "share input dbIds must be 1 to 50 DB instance or cluster identifiers (got [])"],
    [
      { dbId: "a", dbIds: ["a", "1x"] },
      'share input dbIds must be 1 to 50 DB instance or cluster identifiers (got ["a","1x"])',
    ],
    [{ dbIds: "a" }, 'share input dbIds must be 1 to 50 DB instance or cluster identifiers (got "a")'],
  ])("rejects malformed dbIds naming the field (%j)", (input, message) => {
    expect(() => parseDbsScope(input, "share")).toThrow(message);
  });

  it.each([
    [{ dbId: "a", dbKind: "table" }, 'share input dbKind must be "instance" or "cluster" (got "table")'],
    [{ dbId: "a", dbKind: 1 }, 'share input dbKind must be "instance" or "cluster" (got 1)'],
  ])("rejects a malformed dbKind naming the field (%j)", (input, message) => {
    expect(() => parseDbKind(input, "share")).toThrow(message);
  });
});

/**
 * The RDS model answers one-DB and region-wide Describe*Snapshots listings from indexes of SDK views kept current on
 * create, copy, delete, retag, share and unshare (sim/aws/rds.ts `dbListingViews`, issue 10), and the world lists
 * snapshots from the same region index (`snapshots`, `availableSnapshots`). Over a generated history with snapshots
 * and copies in progress, every such listing must equal, view for view and page for page, the listing the model
 * computes by filtering (a query with a second filter that matches everything takes that path), and the world's
 * available list and manual counts must equal filtering `snapshots()`, as must the available snapshots folded from the
 * world's change feed (`availableChanges`, what the simulator's sampler reads).
 */
import {
  AddTagsToResourceCommand,
  CopyDBSnapshotCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBSnapshotCommand,
  DeleteDBSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  type DescribeDBClusterSnapshotsCommandInput,
  DescribeDBSnapshotsCommand,
  type DescribeDBSnapshotsCommandInput,
  type Filter,
  ModifyDBSnapshotAttributeCommand,
} from "@aws-sdk/client-rds";
import { describe, expect, it } from "vitest";
import { RdsWorld } from "../../sim/aws/rdsModel";

const SRC = "111111111111";
const DR = "222222222222";
const REGION = "eu-west-1";
const DBS = ["alpha", "beta"];
/** Matches every snapshot of the history: sends the query down the filtering path. */
const EVERY_ENGINE: Filter = { Name: "engine", Values: ["postgres", "aurora-postgresql"] };

function prng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 48271) % 2147483647;
    return s / 2147483647;
  };
}

describe("RDS model listing views", () => {
  it("lists, pages and samples exactly what filtering gives, through creates, copies, deletes, retags and shares", async () => {
    let now = new Date("2026-03-02T10:00:00Z");
    const world = new RdsWorld({ clock: () => now });
    for (const id of DBS) world.addDbInstance(SRC, REGION, { id });
    world.addDbCluster(SRC, REGION, { id: "gamma" });
    const src = world.clients(SRC).rds(REGION);
    const dr = world.clients(DR).rds(REGION);
    const random = prng(11);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const live: string[] = [];
    let n = 0;
    let compared = 0;
    let inProgressSeen = 0;
    let deleted = 0;
    // The sampler's feed (RdsWorld.availableChanges), folded into a map by token, read at random steps.
    const changes = world.availableChanges(SRC, REGION);
    const folded = new Map<object, unknown>();
    let changesSeen = 0;
    let pagesReused = 0;

    /** Every page of a listing, following the Marker. */
    const pages = async (client: typeof src, input: DescribeDBSnapshotsCommandInput, max: number) => {
      const out: unknown[][] = [];
      let marker: string | undefined;
      do {
        const r = await client.send(new DescribeDBSnapshotsCommand({ ...input, MaxRecords: max, Marker: marker }));
        out.push(r.DBSnapshots ?? []);
        marker = r.Marker;
      } while (marker !== undefined);
      return out;
    };
    const clusterList = async (input: DescribeDBClusterSnapshotsCommandInput) =>
      (await src.send(new DescribeDBClusterSnapshotsCommand(input))).DBClusterSnapshots ?? [];

    const tolerate = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (err) {
        // Refusals the model makes by rule (a DB being backed up takes no other snapshot; a snapshot still being
        // created cannot be copied or deleted).
        expect((err as { name: string }).name).toMatch(
          /InvalidDBInstanceState|InvalidDBClusterState|InvalidDBSnapshotState/,
        );
      }
    };

    for (let step = 0; step < 150; step++) {
      now = new Date(now.getTime() + Math.floor(random() * 8) * 60_000);
      const r = random();
      if (r < 0.3 || live.length < 2) {
        const id = `s-${n++}`;
        await tolerate(
          src
            .send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: pick(DBS), DBSnapshotIdentifier: id }))
            .then(() => live.push(id)),
        );
      } else if (r < 0.36) {
        world.addSnapshot(SRC, REGION, { kind: "instance", id: `auto-${n++}`, dbId: pick(DBS), type: "automated" });
      } else if (r < 0.4) {
        await tolerate(
          src.send(
            new CreateDBClusterSnapshotCommand({
              DBClusterIdentifier: "gamma",
              DBClusterSnapshotIdentifier: `c-${n++}`,
            }),
          ),
        );
      } else if (r < 0.52) {
        const id = `s-${n++}`;
        await tolerate(
          src
            .send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: pick(live), TargetDBSnapshotIdentifier: id }))
            .then(() => live.push(id)),
        );
      } else if (r < 0.64) {
        await src.send(
          new AddTagsToResourceCommand({
            ResourceName: `arn:aws:rds:${REGION}:${SRC}:snapshot:${pick(live)}`,
            Tags: [{ Key: "step", Value: String(step) }],
          }),
        );
      } else if (r < 0.8) {
        const add = random() < 0.6;
        await src.send(
          new ModifyDBSnapshotAttributeCommand({
            DBSnapshotIdentifier: pick(live),
            AttributeName: "restore",
            ...(add ? { ValuesToAdd: [DR] } : { ValuesToRemove: [DR] }),
          }),
        );
      } else {
        const i = Math.floor(random() * live.length);
        await tolerate(
          src.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: live[i]! })).then(() => {
            live.splice(i, 1);
            deleted++;
          }),
        );
      }

      const queries: { client: typeof src; input: DescribeDBSnapshotsCommandInput }[] = [];
      for (const type of ["manual", "automated", "shared", undefined] as const) {
        const client = type === "shared" ? dr : src;
        const base = { ...(type ? { SnapshotType: type } : {}), IncludeShared: type === "shared" || random() < 0.5 };
        queries.push({ client, input: base });
        for (const db of [...DBS, "absent"]) {
          queries.push({ client, input: { ...base, Filters: [{ Name: "db-instance-id", Values: [db] }] } });
          queries.push({ client, input: { ...base, DBInstanceIdentifier: db } });
        }
        queries.push({ client, input: { ...base, Filters: [{ Name: "db-instance-id", Values: ["beta", "alpha"] }] } });
      }
      for (const { client, input } of queries) {
        const max = random() < 0.5 ? 20 : 100;
        const fast = await pages(client, input, max);
        const slow = await pages(client, { ...input, Filters: [...(input.Filters ?? []), EVERY_ENGINE] }, max);
        expect(fast).toEqual(slow);
        // Asked again with nothing changed: the same pages, those of one side as the very same (frozen) arrays.
        const again = await pages(client, input, max);
        expect(again).toEqual(fast);
        for (const [p, page] of again.entries()) {
          if (page !== fast[p]) continue;
          pagesReused++;
          expect(Object.isFrozen(page)).toBe(true);
        }
        // A finished snapshot's view is the same frozen object either way.
        for (const [p, page] of fast.entries()) {
          for (const [i, v] of page.entries()) {
            const s = v as { Status: string };
            if (s.Status === "creating") inProgressSeen++;
            else expect(v).toBe(slow[p]![i]);
          }
        }
        compared += fast.flat().length;
      }
      const clusterFast = await clusterList({ SnapshotType: "manual", DBClusterIdentifier: "gamma" });
      expect(clusterFast).toEqual(await clusterList({ SnapshotType: "manual", Filters: [EVERY_ENGINE] }));

      const all = world.snapshots(SRC, REGION);
      const available = world.availableSnapshots(SRC, REGION);
      expect(available.length).toBe(all.filter((s) => s.status === "available").length);
      for (const [i, s] of all.filter((x) => x.status === "available").entries()) expect(available[i]).toBe(s);
      if (random() < 0.5) {
        const batch = changes();
        changesSeen += batch.length;
        for (const { token, snap } of batch) {
          if (snap === undefined) folded.delete(token);
          else folded.set(token, snap);
        }
        // Listing order within a batch: the snapshots still available come in the order of `available`.
        const order = batch.flatMap((c) => (c.snap === undefined ? [] : [available.indexOf(c.snap)]));
        expect(order).toEqual([...order].sort((a, b) => a - b));
        expect(new Set(folded.values())).toEqual(new Set(available));
        expect(folded.size).toBe(available.length);
      }
      for (const kind of ["instance", "cluster"] as const) {
        expect(world.manualSnapshotCount(SRC, REGION, kind)).toBe(
          all.filter((s) => s.kind === kind && s.type === "manual").length,
        );
      }
    }
    // The history listed many snapshots, some in progress, across several pages, and deleted enough to compact.
    expect(compared).toBeGreaterThan(5000);
    expect(inProgressSeen).toBeGreaterThan(50);
    expect(deleted).toBeGreaterThan(20);
    expect(changesSeen).toBeGreaterThan(100);
    expect(pagesReused).toBeGreaterThan(1000);
  });
  it("pages a long listing from where the previous page stopped, also when snapshots change between pages", async () => {
    let now = new Date("2026-03-02T10:00:00Z");
    const world = new RdsWorld({ clock: () => now });
    for (const id of DBS) world.addDbInstance(SRC, REGION, { id });
    const src = world.clients(SRC).rds(REGION);
    const random = prng(5);
    let n = 0;
    const add = () => {
      const type = random() < 0.3 ? "automated" : "manual";
      world.addSnapshot(SRC, REGION, { kind: "instance", id: `f-${n++}`, dbId: DBS[n % 2]!, type });
    };
    for (let i = 0; i < 150; i++) add();
    let resumed = 0;
    for (let round = 0; round < 40; round++) {
      const type = (["manual", "automated", undefined] as const)[round % 3];
      const filters = round % 4 === 0 ? [{ Name: "db-instance-id", Values: ["beta", "alpha"] }] : undefined;
      const input: DescribeDBSnapshotsCommandInput = {
        ...(type ? { SnapshotType: type } : {}),
        ...(filters ? { Filters: filters } : {}),
        MaxRecords: 20,
      };
      let marker: string | undefined;
      do {
        const fast = await src.send(new DescribeDBSnapshotsCommand({ ...input, Marker: marker }));
        const slow = await src.send(
          new DescribeDBSnapshotsCommand({ ...input, Filters: [...(filters ?? []), EVERY_ENGINE], Marker: marker }),
        );
        expect(fast.DBSnapshots).toEqual(slow.DBSnapshots);
        expect(fast.Marker).toBe(slow.Marker);
        if (marker !== undefined) resumed++;
        marker = fast.Marker;
        // Now and then a change between two pages: a new snapshot, a deletion, a retag, time passing.
        const r = random();
        if (r < 0.1) add();
        else if (r < 0.2) {
          const victim = world.snapshots(SRC, REGION).find((x) => x.type === "manual");
          if (victim) await src.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: victim.id }));
        } else if (r < 0.3) {
          const s = world.snapshots(SRC, REGION)[Math.floor(random() * 100)];
          if (s && s.type === "manual")
            await src.send(new AddTagsToResourceCommand({ ResourceName: s.arn, Tags: [{ Key: "r", Value: `${r}` }] }));
        } else if (r < 0.4) now = new Date(now.getTime() + 60_000);
      } while (marker !== undefined);
    }
    expect(resumed).toBeGreaterThan(100);
  });
});

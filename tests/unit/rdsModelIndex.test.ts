/**
 * The RDS model answers a listing of one DB's snapshots from a per-DB index (sim/aws/rds.ts, issue 10): it must list
 * exactly what filtering the region's listing gives, in the same order, for owned and shared snapshots, after
 * creates, deletes, re-shares and re-creates under the same identifier. A region listing is cached until a snapshot
 * of that kind is added or removed there: a retag or share between two pages keeps the order and shows current tags.
 * A one-DB listing shows current tags and follows shares and unshares.
 */
import {
  AddTagsToResourceCommand,
  type DBSnapshot,
  DeleteDBSnapshotCommand,
  DescribeDBSnapshotsCommand,
  type DescribeDBSnapshotsCommandInput,
  ModifyDBSnapshotAttributeCommand,
} from "@aws-sdk/client-rds";
import { describe, expect, it } from "vitest";
import { RdsWorld } from "../../sim/aws/rdsModel";

const SRC = "111111111111";
const DR = "222222222222";
const REGION = "eu-west-1";
const DBS = ["alpha", "beta", "gamma"];

/** Park-Miller: a fixed sequence of choices, so the history is the same on every run. */
function prng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 48271) % 2147483647;
    return s / 2147483647;
  };
}

describe("RDS model per-DB index", () => {
  it("lists one DB's snapshots exactly as filtering the region's listing does, in order", async () => {
    let now = new Date("2026-03-02T10:00:00Z");
    const world = new RdsWorld({ clock: () => now });
    for (const id of DBS) world.addDbInstance(SRC, REGION, { id });
    const src = world.clients(SRC).rds(REGION);
    const dr = world.clients(DR).rds(REGION);
    const list = async (client: typeof src, input: DescribeDBSnapshotsCommandInput): Promise<DBSnapshot[]> =>
      (await client.send(new DescribeDBSnapshotsCommand({ MaxRecords: 100, ...input }))).DBSnapshots ?? [];
    const ids = (items: DBSnapshot[]) => items.map((s) => s.DBSnapshotIdentifier);

    const random = prng(7);
    const live: string[] = [];
    let checks = 0;
    let multi = 0;
    for (let step = 0; step < 60; step++) {
      now = new Date(now.getTime() + 60_000);
      const r = random();
      if (r < 0.5 || live.length === 0) {
        // Create (sometimes re-create an identifier deleted before: it goes to the end of both listings).
        const db = DBS[Math.floor(random() * DBS.length)]!;
        const id = `${db}-${Math.floor(random() * 12)}`;
        if (live.includes(id)) continue;
        world.addSnapshot(SRC, REGION, { kind: "instance", id, dbId: db });
        live.push(id);
      } else if (r < 0.8) {
        const id = live[Math.floor(random() * live.length)]!;
        const add = random() < 0.6;
        await src.send(
          new ModifyDBSnapshotAttributeCommand({
            DBSnapshotIdentifier: id,
            AttributeName: "restore",
            ...(add ? { ValuesToAdd: [DR] } : { ValuesToRemove: [DR] }),
          }),
        );
      } else {
        const id = live.splice(Math.floor(random() * live.length), 1)[0]!;
        await src.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: id }));
      }
      const ownedAll = await list(src, { SnapshotType: "manual" });
      const sharedAll = await list(dr, { SnapshotType: "shared", IncludeShared: true });
      for (const db of [...DBS, "absent"]) {
        const filter = [{ Name: "db-instance-id", Values: [db] }];
        const owned = await list(src, { SnapshotType: "manual", Filters: filter });
        expect(ids(owned)).toEqual(ids(ownedAll.filter((s) => s.DBInstanceIdentifier === db)));
        const shared = await list(dr, { SnapshotType: "shared", IncludeShared: true, Filters: filter });
        expect(ids(shared)).toEqual(ids(sharedAll.filter((s) => s.DBInstanceIdentifier === db)));
        if (db === DBS[0]) {
          // The DBInstanceIdentifier parameter takes the same path.
          const byParam = await list(src, { SnapshotType: "manual", DBInstanceIdentifier: db });
          expect(ids(byParam)).toEqual(ids(owned));
        }
        checks += owned.length + shared.length;
      }
      // Several values in one filter: any value matches (an ARN of the DB as well as its identifier), the same set
      // as filtering the region's listing; the per-DB index answers identifiers, a value list with an ARN is
      // filtered from the region's listing.
      for (const values of [
        DBS.slice(0, 2),
        [DBS[2]!, "absent", DBS[0]!],
        [`arn:aws:rds:${REGION}:${SRC}:db:${DBS[1]}`, DBS[2]!],
      ]) {
        const filter = [{ Name: "db-instance-id", Values: values }];
        const names = values.map((v) => v.split(":").pop());
        const owned = await list(src, { SnapshotType: "manual", Filters: filter });
        expect(ids(owned).sort()).toEqual(ids(ownedAll.filter((s) => names.includes(s.DBInstanceIdentifier))).sort());
        const shared = await list(dr, { SnapshotType: "shared", IncludeShared: true, Filters: filter });
        expect(ids(shared).sort()).toEqual(ids(sharedAll.filter((s) => names.includes(s.DBInstanceIdentifier))).sort());
        multi += owned.length;
      }
    }
    // The history did create, share and list something.
    expect(checks).toBeGreaterThan(100);
    expect(multi).toBeGreaterThan(100);
  });

  it("pages a multi-valued filter's listing with a stable order (every snapshot once)", async () => {
    const now = new Date("2026-03-02T10:00:00Z");
    const world = new RdsWorld({ clock: () => now });
    for (const id of DBS) {
      world.addDbInstance(SRC, REGION, { id });
      for (let i = 0; i < 60; i++) world.addSnapshot(SRC, REGION, { kind: "instance", id: `${id}-${i}`, dbId: id });
    }
    const src = world.clients(SRC).rds(REGION);
    const seen: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const r = await src.send(
        new DescribeDBSnapshotsCommand({
          SnapshotType: "manual",
          MaxRecords: 100,
          Marker: marker,
          Filters: [{ Name: "db-instance-id", Values: ["gamma", "alpha"] }],
        }),
      );
      seen.push(...(r.DBSnapshots ?? []).map((s) => s.DBSnapshotIdentifier ?? ""));
      marker = r.Marker;
      pages++;
    } while (marker);
    expect(pages).toBe(2);
    expect(new Set(seen).size).toBe(120);
    expect(seen.every((id) => id.startsWith("alpha-") || id.startsWith("gamma-"))).toBe(true);
  });

  it("shows current tags in a one-DB listing, and an unshare removes the snapshot from the viewer's", async () => {
    const now = new Date("2026-03-02T10:00:00Z");
    const world = new RdsWorld({ clock: () => now });
    world.addDbInstance(SRC, REGION, { id: "alpha" });
    for (let i = 0; i < 3; i++) world.addSnapshot(SRC, REGION, { kind: "instance", id: `a-${i}`, dbId: "alpha" });
    const src = world.clients(SRC).rds(REGION);
    const dr = world.clients(DR).rds(REGION);
    const filter = [{ Name: "db-instance-id", Values: ["alpha"] }];
    const owned = async () =>
      (await src.send(new DescribeDBSnapshotsCommand({ SnapshotType: "manual", Filters: filter }))).DBSnapshots ?? [];
    const shared = async () =>
      (await dr.send(new DescribeDBSnapshotsCommand({ SnapshotType: "shared", IncludeShared: true, Filters: filter })))
        .DBSnapshots ?? [];
    expect((await owned()).map((s) => s.DBSnapshotIdentifier)).toEqual(["a-0", "a-1", "a-2"]);
    await src.send(
      new AddTagsToResourceCommand({
        ResourceName: `arn:aws:rds:${REGION}:${SRC}:snapshot:a-1`,
        Tags: [{ Key: "retagged", Value: "yes" }],
      }),
    );
    const retagged = (await owned()).find((s) => s.DBSnapshotIdentifier === "a-1");
    expect(retagged?.TagList).toContainEqual({ Key: "retagged", Value: "yes" });
    const share = (add: boolean) =>
      src.send(
        new ModifyDBSnapshotAttributeCommand({
          DBSnapshotIdentifier: "a-2",
          AttributeName: "restore",
          ...(add ? { ValuesToAdd: [DR] } : { ValuesToRemove: [DR] }),
        }),
      );
    expect(await shared()).toEqual([]);
    await share(true);
    expect((await shared()).map((s) => s.DBSnapshotArn)).toEqual([`arn:aws:rds:${REGION}:${SRC}:snapshot:a-2`]);
    await share(false);
    expect(await shared()).toEqual([]);
  });

  it("keeps a region listing's cached order across retags and shares, with current tags, and sees creates and deletes", async () => {
    const now = new Date("2026-03-02T10:00:00Z");
    const world = new RdsWorld({ clock: () => now });
    world.addDbInstance(SRC, REGION, { id: "alpha" });
    for (let i = 0; i < 150; i++) world.addSnapshot(SRC, REGION, { kind: "instance", id: `s-${i}`, dbId: "alpha" });
    const src = world.clients(SRC).rds(REGION);
    // Two pages of 100, as a paginator reads them; a retag and a share land between the pages.
    const page = async (marker?: string) =>
      src.send(new DescribeDBSnapshotsCommand({ SnapshotType: "manual", MaxRecords: 100, Marker: marker }));
    const first = await page();
    await src.send(
      new AddTagsToResourceCommand({
        ResourceName: `arn:aws:rds:${REGION}:${SRC}:snapshot:s-120`,
        Tags: [{ Key: "retagged", Value: "yes" }],
      }),
    );
    await src.send(
      new ModifyDBSnapshotAttributeCommand({
        DBSnapshotIdentifier: "s-5",
        AttributeName: "restore",
        ValuesToAdd: [DR],
      }),
    );
    const second = await page(first.Marker);
    const ids = [...first.DBSnapshots!, ...second.DBSnapshots!].map((x) => x.DBSnapshotIdentifier);
    expect(ids).toEqual(Array.from({ length: 150 }, (_, i) => `s-${i}`));
    const retagged = second.DBSnapshots!.find((x) => x.DBSnapshotIdentifier === "s-120")!;
    expect(retagged.TagList).toContainEqual({ Key: "retagged", Value: "yes" });
    // A delete and a create change what the next listing holds.
    await src.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: "s-0" }));
    world.addSnapshot(SRC, REGION, { kind: "instance", id: "s-new", dbId: "alpha" });
    const again = [...((await page()).DBSnapshots ?? []), ...((await page("100")).DBSnapshots ?? [])];
    expect(again.map((x) => x.DBSnapshotIdentifier)).toEqual([
      ...Array.from({ length: 149 }, (_, i) => `s-${i + 1}`),
      "s-new",
    ]);
  });
});

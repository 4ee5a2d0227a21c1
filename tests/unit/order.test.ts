import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Snapshot } from "../../functions/lib/model";
import { newestFirstRoundRobin } from "../../functions/lib/order";
import { MANAGED_BY_VALUE, TAG } from "../../functions/lib/tags";
import { shareOrder } from "../../functions/share/plan";

interface Item {
  readonly db: string;
  readonly at: number;
  readonly id: string;
}
const keys = { group: (i: Item) => i.db, time: (i: Item) => i.at, id: (i: Item) => i.id };

const items = fc
  .array(fc.record({ db: fc.constantFrom("a", "b", "c", "d", "e"), at: fc.integer({ min: 0, max: 500 }) }), {
    maxLength: 200,
  })
  .map((raw) => raw.map((r, n) => ({ ...r, id: `s${n}` })));

describe("newestFirstRoundRobin", () => {
  it("returns a fresh copy of a list of zero or one item without reading its keys", () => {
    const unread = {
      group: () => expect.fail("group read"),
      time: () => expect.fail("time read"),
      id: () => expect.fail("id read"),
    };
    const one = [{ db: "a", at: 1, id: "s0" }];
    const ordered = newestFirstRoundRobin(one, unread);
    expect(ordered).toEqual(one);
    expect(ordered).not.toBe(one);
    expect(newestFirstRoundRobin([], unread)).toEqual([]);
  });

  it("never starves the newest item of a group: any prefix a budget cuts off holds every group's newest first", () => {
    fc.assert(
      fc.property(items, fc.nat(), (list, cut) => {
        const order = newestFirstRoundRobin(list, keys);
        expect([...order].sort((x, y) => (x.id < y.id ? -1 : 1))).toEqual(
          [...list].sort((x, y) => (x.id < y.id ? -1 : 1)),
        );
        const groups = new Set(list.map((i) => i.db));
        // The first |groups| items are one per group, each its group's newest.
        const head = order.slice(0, groups.size);
        expect(new Set(head.map((i) => i.db)).size).toBe(groups.size);
        for (const h of head) expect(list.filter((i) => i.db === h.db).every((i) => i.at <= h.at)).toBe(true);
        // Any prefix: per group a newest-first prefix, and no group more than one ahead of a group with items left.
        const k = list.length === 0 ? 0 : cut % (list.length + 1);
        const prefix = order.slice(0, k);
        const done = new Map<string, number>();
        for (const g of groups) {
          const mine = prefix.filter((i) => i.db === g);
          done.set(g, mine.length);
          for (let n = 1; n < mine.length; n++) expect(mine[n - 1]!.at).toBeGreaterThanOrEqual(mine[n]!.at);
          const rest = list.filter((i) => i.db === g && !prefix.includes(i));
          for (const r of rest) for (const m of mine) expect(m.at).toBeGreaterThanOrEqual(r.at);
        }
        const unfinished = [...groups].filter((g) => list.filter((i) => i.db === g).length > (done.get(g) ?? 0));
        for (const g of groups)
          for (const u of unfinished) expect((done.get(g) ?? 0) - (done.get(u) ?? 0)).toBeLessThanOrEqual(1);
      }),
      { seed: 13, numRuns: 300 },
    );
  });

  it.each([
    [[], []],
    [
      [
        { db: "a", at: 1, id: "a1" },
        { db: "a", at: 3, id: "a3" },
        { db: "b", at: 2, id: "b2" },
        { db: "a", at: 2, id: "a2" },
        { db: "b", at: 1, id: "b1" },
      ],
      ["a3", "b2", "a2", "b1", "a1"],
    ],
  ])("orders %j as %j", (list, expected) => {
    expect(newestFirstRoundRobin(list as Item[], keys).map((i) => i.id)).toEqual(expected);
  });
});

describe("shareOrder", () => {
  const snap = (kind: "instance" | "cluster", dbId: string, iso: string): Snapshot => ({
    kind,
    id: `rpl-${dbId}-${iso}`,
    arn: `arn:aws:rds:eu-west-1:111122223333:${kind === "cluster" ? "cluster-snapshot" : "snapshot"}:rpl-${dbId}-${iso}`,
    dbId,
    account: "111122223333",
    region: "eu-west-1",
    type: "manual",
    status: "available",
    encrypted: true,
    createdAt: new Date(iso),
    tags: { [TAG.managedBy]: MANAGED_BY_VALUE, [TAG.stage]: "source", [TAG.recoveryPoint]: iso },
    progress: 100,
    sizeGb: 20,
  });

  it("puts the newest snapshot of every DB (instance and cluster alike) before any older one", () => {
    const order = shareOrder([
      snap("instance", "orders", "2026-01-01T00:00:00.000Z"),
      snap("cluster", "aurora", "2026-01-01T01:00:00.000Z"),
      snap("instance", "orders", "2026-01-03T00:00:00.000Z"),
      snap("instance", "billing", "2026-01-02T00:00:00.000Z"),
      snap("cluster", "aurora", "2026-01-01T00:00:00.000Z"),
    ]);
    expect(order.map((s) => s.id)).toEqual([
      "rpl-orders-2026-01-03T00:00:00.000Z",
      "rpl-billing-2026-01-02T00:00:00.000Z",
      "rpl-aurora-2026-01-01T01:00:00.000Z",
      // Equal recovery points: by DB key (kind first), so every run picks the same one.
      "rpl-aurora-2026-01-01T00:00:00.000Z",
      "rpl-orders-2026-01-01T00:00:00.000Z",
    ]);
  });
});

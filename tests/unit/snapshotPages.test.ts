/**
 * functions/lib/model.ts `fromDbSnapshotPage` / `fromDbClusterSnapshotPage` (issue 10, branch `handlers`): a page of
 * Describe items maps to what mapping each item with `fromDbSnapshot` / `fromDbClusterSnapshot` gives, in order. For
 * frozen items that is the very snapshot object remembered for the item, whether the page is new, handed out again,
 * or a new page holding mostly the items of the last one (the simulator's RDS model, sim/aws/rds.ts `sidePage`).
 * Random sequences of pages made from a pool of frozen and unfrozen items, with items added, removed, replaced and
 * moved between pages; fixed seed.
 */
import type { DBClusterSnapshot, DBSnapshot } from "@aws-sdk/client-rds";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  fromDbClusterSnapshot,
  fromDbClusterSnapshotPage,
  fromDbSnapshot,
  fromDbSnapshotPage,
} from "../../functions/lib/model";
import { TAG } from "../../functions/lib/tags";

const frozenView = <T extends object>(v: T, freeze: boolean): T => {
  if (!freeze) return v;
  for (const t of (v as { TagList?: object[] }).TagList ?? []) Object.freeze(t);
  const tags = (v as { TagList?: object[] }).TagList;
  if (tags) Object.freeze(tags);
  return Object.freeze(v);
};

function instanceItem(n: number, freeze: boolean): DBSnapshot {
  return frozenView(
    {
      DBSnapshotIdentifier: `rpl-db${n % 3}-20260301-${String(1000 + n).slice(-4)}`,
      DBSnapshotArn: `arn:aws:rds:eu-west-1:111122223333:snapshot:rpl-db${n % 3}-${n}`,
      DBInstanceIdentifier: `db${n % 3}`,
      Status: n % 4 === 0 ? "creating" : "available",
      SnapshotType: "manual",
      SnapshotCreateTime: new Date(Date.UTC(2026, 2, 1, 0, n)),
      PercentProgress: (n * 7) % 101,
      AllocatedStorage: 20,
      TagList: [{ Key: TAG.stage, Value: n % 2 === 0 ? "dr" : "source" }],
    },
    freeze,
  );
}

function clusterItem(n: number, freeze: boolean): DBClusterSnapshot {
  return frozenView(
    {
      DBClusterSnapshotIdentifier: `rpl-c${n % 3}-${n}`,
      DBClusterSnapshotArn: `arn:aws:rds:eu-west-1:111122223333:cluster-snapshot:rpl-c${n % 3}-${n}`,
      DBClusterIdentifier: `c${n % 3}`,
      Status: "available",
      SnapshotType: "manual",
      SnapshotCreateTime: new Date(Date.UTC(2026, 2, 1, 0, n)),
      TagList: n % 3 === 0 ? undefined : [{ Key: TAG.stage, Value: "dr" }],
    },
    freeze,
  );
}

/** A step: which pool items (by index) make the next page, and whether the page itself is frozen. */
const stepArb = fc.record({
  picks: fc.array(fc.nat(39), { maxLength: 12 }),
  edit: fc.constantFrom("new", "again", "drop", "insert", "replace", "shuffle"),
  at: fc.nat(11),
  pick: fc.nat(39),
  freezePage: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
});

function pagesOf<T>(pool: readonly T[], steps: readonly (typeof stepArb extends fc.Arbitrary<infer S> ? S : never)[]) {
  const pages: T[][] = [];
  let last: T[] = [];
  for (const s of steps) {
    let items: T[];
    if (s.edit === "new" || last.length === 0) items = s.picks.map((p) => pool[p]!);
    else {
      items = [...last];
      const at = s.at % items.length;
      if (s.edit === "drop") items.splice(at, 1);
      else if (s.edit === "insert") items.splice(at, 0, pool[s.pick]!);
      else if (s.edit === "replace") items[at] = pool[s.pick]!;
      else if (s.edit === "shuffle") items.reverse();
    }
    const page = s.edit === "again" && s.freezePage ? last : s.freezePage ? Object.freeze([...items]) : [...items];
    pages.push(page as T[]);
    last = page as T[];
  }
  return pages;
}

describe("snapshot pages map as their items do", () => {
  it("DBSnapshot pages: the remembered snapshot of each frozen item, in order", () => {
    // Items 0-29 frozen (remembered), 30-39 not.
    const pool = Array.from({ length: 40 }, (_, n) => instanceItem(n, n < 30));
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 30 }), (steps) => {
        for (const page of pagesOf(pool, steps)) {
          const got = fromDbSnapshotPage(page);
          expect(got.length).toBe(page.length);
          page.forEach((item, k) => {
            if (Object.isFrozen(item)) expect(got[k]).toBe(fromDbSnapshot(item));
            else expect(got[k]).toEqual(fromDbSnapshot(item));
          });
        }
      }),
      { seed: 2026, numRuns: 300 },
    );
  });

  it("DBClusterSnapshot pages: the same, and an item's snapshot is its own whatever page it comes in", () => {
    const pool = Array.from({ length: 40 }, (_, n) => clusterItem(n, n % 5 !== 4));
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 30 }), (steps) => {
        for (const page of pagesOf(pool, steps)) {
          const got = fromDbClusterSnapshotPage(page);
          expect(got.length).toBe(page.length);
          page.forEach((item, k) => {
            if (Object.isFrozen(item)) expect(got[k]).toBe(fromDbClusterSnapshot(item));
            else {
              expect(got[k]).toEqual(fromDbClusterSnapshot(item));
              expect(Object.isFrozen(got[k])).toBe(false);
            }
          });
        }
      }),
      { seed: 2027, numRuns: 300 },
    );
  });

  it("an absent or empty page maps to no snapshots; an unfrozen page is mapped item by item", () => {
    expect(fromDbSnapshotPage(undefined)).toEqual([]);
    expect(fromDbClusterSnapshotPage([])).toEqual([]);
    const items = [instanceItem(1, true), instanceItem(2, false)];
    const got = fromDbSnapshotPage(items);
    expect(got[0]).toBe(fromDbSnapshot(items[0]!));
    expect(got[1]).toEqual(fromDbSnapshot(items[1]!));
    // A frozen page handed out again gives the same snapshots.
    const page = Object.freeze([instanceItem(3, true), instanceItem(4, true)]);
    const first = fromDbSnapshotPage(page);
    expect(fromDbSnapshotPage(page)).toEqual(first);
    expect(fromDbSnapshotPage(page)[1]).toBe(first[1]);
  });
});

import { describe, expect, it } from "vitest";
import { ShareLimitError } from "../../functions/lib/errors";
import { shortHash } from "../../functions/lib/identifiers";
import { TAG } from "../../functions/lib/tags";
import { accountsToAdd, chunk, planShare, sharedEventDetail, sharedSetValue } from "../../functions/share/plan";
import { ACCOUNT, ownTags, REGION, snap } from "../handlers/takeShare.fixtures";

const DR = ["222222222222", "333333333333"];
const others = (n: number) => Array.from({ length: n }, (_, i) => String(400000000000 + i));

describe("sharedSetValue", () => {
  it("hashes the sorted distinct accounts", () => {
    expect(sharedSetValue(["333333333333", "222222222222", "333333333333"])).toBe(
      shortHash("222222222222,333333333333"),
    );
    expect(sharedSetValue(DR)).not.toBe(sharedSetValue(["222222222222"]));
  });

  it("gives each account list its own value, asked in any order (the values are remembered per list)", () => {
    const fresh = (accounts: readonly string[]) => shortHash([...new Set(accounts)].sort().join(","));
    const lists = [
      ["222222222222"],
      DR,
      [...DR].reverse(),
      ["222222222222"],
      ["333333333333", "222222222222", "333333333333"],
      // One account that reads like the JSON text of two, and those two: no shared memo key.
      ['["a","b"]'],
      ["a", "b"],
      ["a\nb"],
      [],
    ];
    for (const accounts of [...lists, ...lists.reverse()]) expect(sharedSetValue(accounts)).toBe(fresh(accounts));
    expect(sharedSetValue(['["a","b"]'])).not.toBe(sharedSetValue(["a", "b"]));
  });
});

describe("planShare", () => {
  it("sorts snapshots into share, already shared, pending and ignored", () => {
    const done = ownTags("d", "instance", { [TAG.sharedSet]: sharedSetValue(DR) });
    const stale = ownTags("e", "instance", { [TAG.sharedSet]: sharedSetValue(["222222222222"]) });
    const p = planShare({
      drAccounts: DR,
      snapshots: [
        snap("a", "a"),
        snap("b", "b", { status: "creating" }),
        snap("c", "c", { owned: false }),
        snap("d", "d", { tags: done }),
        snap("e", "e", { tags: stale }),
        snap("f", "f", { tags: ownTags("f", "instance", { [TAG.stage]: "dr" }) }),
        snap("g", "g", { status: "failed" }),
        snap("h", "h", { kind: "cluster" }),
      ],
    });
    expect(p.toShare.map((s) => `${s.kind}:${s.id}`)).toEqual(["cluster:h", "instance:a", "instance:e"]);
    expect(p.alreadyShared).toEqual(["d"]);
    expect(p.pending).toEqual(["b"]);
    expect(p.ignored).toEqual([
      { snapshotId: "c", reason: "not-owned", status: "available" },
      { snapshotId: "f", reason: "not-source-stage", status: "available" },
      { snapshotId: "g", reason: "not-shareable-status", status: "failed" },
    ]);
  });
});

describe("accountsToAdd", () => {
  it.each([
    ["none shared yet", [], DR, DR],
    ["one already there", ["333333333333"], DR, ["222222222222"]],
    ["all there", [...DR, "999999999999"], DR, []],
    ["public flag is not an account", ["all"], DR, DR],
    ["exactly 20 after adding", others(18), DR, DR],
    ["full but nothing to add", [...others(18), ...DR], DR, []],
  ])("%s", (_name, current, wanted, expected) => {
    expect(accountsToAdd("s1", current, wanted)).toEqual(expected);
  });

  it("refuses to go past 20 accounts, naming the snapshot", () => {
    expect(() => accountsToAdd("rpl-orders-20261125-0600", others(19), DR)).toThrow(
      new ShareLimitError(
        "snapshot rpl-orders-20261125-0600 is shared with 19 account(s); adding 222222222222, 333333333333 would make 21, " +
          "more than the RDS limit of 20. Remove stale accounts from its restore attribute or shorten RPL_DR_ACCOUNTS.",
      ),
    );
  });
});

describe("sharedEventDetail", () => {
  it("uses our tags, and SnapshotCreateTime as the recovery point (what the DR account sees)", () => {
    const s = snap("rpl-orders-20261125-0600", "orders", {
      kind: "cluster",
      createdAt: "2026-11-25T06:00:07Z",
      tags: ownTags("orders", "cluster", { [TAG.recoveryPoint]: "2026-11-25T06:00:02.000Z" }),
    });
    expect(sharedEventDetail(s)).toEqual({
      snapshotArn: `arn:aws:rds:${REGION}:${ACCOUNT}:cluster-snapshot:rpl-orders-20261125-0600`,
      kind: "cluster",
      dbId: "orders",
      sourceAccount: ACCOUNT,
      sourceRegion: REGION,
      recoveryPoint: "2026-11-25T06:00:07.000Z",
    });
  });

  it("falls back to the recovery point tag while the create time is unknown", () => {
    const s = snap("x", "orders", {
      tags: ownTags("orders", "instance", { [TAG.recoveryPoint]: "2026-11-25T06:00:02.000Z" }),
    });
    expect(sharedEventDetail(s).recoveryPoint).toBe("2026-11-25T06:00:02.000Z");
  });

  it("falls back to the ARN and create time", () => {
    const s = snap("x", "orders", {
      createdAt: "2026-11-25T06:00:07Z",
      tags: { [TAG.managedBy]: "rds-pilot-light", [TAG.stage]: "source" },
    });
    expect(sharedEventDetail(s)).toMatchObject({
      sourceAccount: ACCOUNT,
      sourceRegion: REGION,
      recoveryPoint: "2026-11-25T06:00:07.000Z",
    });
  });
});

describe("chunk", () => {
  it.each([
    [0, []],
    [10, [10]],
    [23, [10, 10, 3]],
  ])("splits %i items into batches of 10", (n, sizes) => {
    expect(
      chunk(
        Array.from({ length: n }, (_, i) => i),
        10,
      ).map((c) => c.length),
    ).toEqual(sizes);
  });
});

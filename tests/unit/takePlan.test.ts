import { afterEach, describe, expect, it } from "vitest";
import { isValidSnapshotId } from "../../functions/lib/identifiers";
import { MANAGED_BY_VALUE, TAG } from "../../functions/lib/tags";
import type { TakeConfig } from "../../functions/take/config";
import {
  isSelected,
  newestOwnSnapshots,
  planTake,
  type Quotas,
  type TakePlanInput,
  takeTags,
} from "../../functions/take/plan";
import { ACCOUNT, db, ownTags, REGION, snap } from "../handlers/takeShare.fixtures";

const NOW = "2026-11-25T06:37:12Z";
const config: Pick<TakeConfig, "dbIdRegex" | "optInTag" | "intervalMinutes" | "quotaHeadroom"> = {
  dbIdRegex: /.*/,
  intervalMinutes: 60,
  quotaHeadroom: 2,
};

function plan(over: Partial<TakePlanInput> = {}) {
  return planTake({ dbs: [], snapshots: [], now: new Date(NOW), config, quotas: {}, ...over });
}

describe("isSelected", () => {
  it.each([
    ["matches the default regex", "orders", {}, undefined, /.*/, true],
    ["rejects an id outside the regex", "orders", {}, undefined, /^prod-/, false],
    ["accepts an id inside the anchored regex", "prod-orders", {}, undefined, /^prod-/, true],
    ["needs the opt-in key", "orders", {}, { key: "dr" }, /.*/, false],
    ["accepts the opt-in key with any value", "orders", { dr: "" }, { key: "dr" }, /.*/, true],
    ["needs the exact opt-in value", "orders", { dr: "no" }, { key: "dr", value: "yes" }, /.*/, false],
    ["accepts the exact opt-in value", "orders", { dr: "yes" }, { key: "dr", value: "yes" }, /.*/, true],
  ])("%s", (_name, id, tags, optInTag, dbIdRegex, expected) => {
    expect(isSelected({ id, tags }, { dbIdRegex, ...(optInTag ? { optInTag } : {}) })).toBe(expected);
  });
});

describe("takeTags", () => {
  it("writes every rpl tag from the DB ARN and now", () => {
    expect(takeTags(db("orders", { kind: "cluster" }), new Date(NOW))).toEqual({
      [TAG.managedBy]: MANAGED_BY_VALUE,
      [TAG.sourceDb]: "orders",
      [TAG.sourceKind]: "cluster",
      [TAG.sourceAccount]: ACCOUNT,
      [TAG.sourceRegion]: REGION,
      [TAG.recoveryPoint]: "2026-11-25T06:37:12.000Z",
      [TAG.stage]: "source",
    });
  });
});

describe("newestOwnSnapshots", () => {
  it("keeps the newest non-failed source snapshot per kind and DB, ignoring foreign and dr-stage ones", () => {
    const m = newestOwnSnapshots([
      snap("a1", "a", { createdAt: "2026-11-25T04:00:00Z" }),
      snap("a2", "a", { createdAt: "2026-11-25T05:00:00Z" }),
      snap("a3", "a", { createdAt: "2026-11-25T06:10:00Z", status: "failed" }),
      snap("a4", "a", { createdAt: "2026-11-25T06:20:00Z", owned: false }),
      snap("a5", "a", { createdAt: "2026-11-25T06:30:00Z", tags: ownTags("a", "instance", { [TAG.stage]: "dr" }) }),
      snap("ac", "a", { kind: "cluster", createdAt: "2026-11-25T03:00:00Z" }),
      snap("b1", "b", { createdAt: "2026-11-25T06:00:00Z" }),
      snap("b2", "b", { status: "creating" }),
    ]);
    expect(Object.fromEntries([...m].map(([k, s]) => [k, s.id]))).toEqual({
      "instance:a": "a2",
      "cluster:a": "ac",
      "instance:b": "b2",
    });
  });
});

describe("planTake", () => {
  it.each([
    ["no snapshot yet", [], true],
    ["newest snapshot in the previous slot", [snap("s", "orders", { createdAt: "2026-11-25T05:59:59Z" })], true],
    // 10:00:05-style jitter: 37 minutes old but in this slot -> not due; the next slot's run takes the next one.
    ["newest snapshot at the start of this slot", [snap("s", "orders", { createdAt: "2026-11-25T06:00:00Z" })], false],
    [
      "newest snapshot still creating",
      [snap("s", "orders", { createdAt: "2026-11-25T02:00:00Z", status: "creating" })],
      false,
    ],
    [
      "only a failed snapshot in this slot",
      [snap("s", "orders", { createdAt: "2026-11-25T06:05:00Z", status: "failed" })],
      true,
    ],
    [
      "only a foreign snapshot in this slot",
      [snap("s", "orders", { createdAt: "2026-11-25T06:05:00Z", owned: false })],
      true,
    ],
    [
      "only a dr-stage snapshot in this slot",
      [
        snap("s", "orders", {
          createdAt: "2026-11-25T06:05:00Z",
          tags: ownTags("orders", "instance", { [TAG.stage]: "dr" }),
        }),
      ],
      true,
    ],
    [
      "a cluster snapshot of a same-named cluster",
      [snap("s", "orders", { kind: "cluster", createdAt: "2026-11-25T06:05:00Z" })],
      true,
    ],
  ])("%s -> due: %s", (_name, snapshots, due) => {
    const p = plan({ dbs: [db("orders")], snapshots });
    expect(p.create.map((a) => a.snapshotId)).toEqual(due ? ["rpl-orders-20261125-0600"] : []);
    expect(p.upToDate).toEqual(due ? [] : ["orders"]);
  });

  it("creates with the slot identifier and the full tag set", () => {
    const p = plan({ dbs: [db("orders"), db("aurora", { kind: "cluster" })] });
    expect(p.create).toEqual([
      {
        kind: "cluster",
        dbId: "aurora",
        snapshotId: "rpl-aurora-20261125-0600",
        tags: takeTags(db("aurora", { kind: "cluster" }), new Date(NOW)),
      },
      {
        kind: "instance",
        dbId: "orders",
        snapshotId: "rpl-orders-20261125-0600",
        tags: takeTags(db("orders"), new Date(NOW)),
      },
    ]);
  });

  it("reports pending DBs whose newest snapshot is creating", () => {
    const p = plan({ dbs: [db("orders")], snapshots: [snap("s", "orders", { status: "creating" })] });
    expect(p.pending).toEqual(["orders"]);
  });

  it("skips unavailable DBs with their status, and counts unselected ones as ignored", () => {
    const p = plan({
      dbs: [db("stopped", { status: "stopped" }), db("other"), db("prod-a")],
      config: { ...config, dbIdRegex: /^(prod-|stopped)/ },
    });
    expect(p.skipped).toEqual([
      { dbId: "stopped", kind: "instance", reason: "not-available", detail: 'status is "stopped"' },
    ]);
    expect(p.ignored).toBe(1);
    expect(p.create.map((a) => a.dbId)).toEqual(["prod-a"]);
  });

  it.each([
    [
      "unknown DB",
      [db("a")],
      "missing",
      {
        dbId: "missing",
        kind: "unknown",
        reason: "not-found",
        detail: "no DB instance or cluster with this identifier",
      },
    ],
    [
      "unselected DB",
      [db("a")],
      "a",
      {
        dbId: "a",
        kind: "instance",
        reason: "not-selected",
        detail: "does not match RPL_DB_ID_REGEX / RPL_OPT_IN_TAG",
      },
    ],
  ])("reports a scoped run for an %s", (_name, dbs, scopeDbId, skip) => {
    const p = plan({ dbs, scopeDbId, config: { ...config, optInTag: { key: "dr" } } });
    expect(p.skipped).toEqual([skip]);
    expect(p.create).toEqual([]);
    expect(p.ignored).toBe(0);
  });

  it("only considers the scoped DB", () => {
    const p = plan({ dbs: [db("a"), db("b")], scopeDbId: "b" });
    expect(p.create.map((a) => a.dbId)).toEqual(["b"]);
  });

  it.each([
    [
      "our failed snapshot",
      { status: "failed" },
      'rpl-orders-20261125-0600 is held by our snapshot in status "failed"',
    ],
    [
      "a foreign snapshot",
      { owned: false, createdAt: "2026-11-25T05:00:00Z" },
      "rpl-orders-20261125-0600 is held by a snapshot not made by rds-pilot-light",
    ],
  ])("skips when this slot's id is held by %s", (_name, o, detail) => {
    const p = plan({ dbs: [db("orders")], snapshots: [snap("rpl-orders-20261125-0600", "orders", o)] });
    expect(p.create).toEqual([]);
    expect(p.skipped).toEqual([{ dbId: "orders", kind: "instance", reason: "id-taken", detail }]);
  });

  it("skips a DB whose ARN cannot be parsed", () => {
    const p = plan({ dbs: [{ ...db("odd"), arn: "" }] });
    expect(p.skipped).toEqual([
      { dbId: "odd", kind: "instance", reason: "invalid-arn", detail: 'cannot read account/region from ""' },
    ]);
  });

  describe("quota headroom", () => {
    const dbs = [db("a"), db("b"), db("c"), db("x", { kind: "cluster" })];
    const snapshots = [
      snap("sa", "a", { createdAt: "2026-11-25T03:00:00Z" }),
      snap("sb", "b", { createdAt: "2026-11-25T01:00:00Z" }),
      // c has none: the most overdue
    ];
    it.each<[string, Quotas, number, string[], string[]]>([
      ["unknown quotas apply no limit", {}, 2, ["x", "c", "b", "a"], []],
      [
        "room for all",
        { instance: { used: 10, max: 100 }, cluster: { used: 0, max: 100 } },
        2,
        ["x", "c", "b", "a"],
        [],
      ],
      // 4 free, keep 2 -> 2 instance snapshots; stalest first (c never, then b at 01:00).
      ["room for two instances", { instance: { used: 96, max: 100 } }, 2, ["x", "c", "b"], ["a"]],
      [
        "no room at all",
        { instance: { used: 98, max: 100 }, cluster: { used: 99, max: 100 } },
        2,
        [],
        ["x", "c", "b", "a"],
      ],
      ["headroom zero fills the quota", { instance: { used: 97, max: 100 } }, 0, ["x", "c", "b", "a"], []],
      ["headroom zero, quota full", { instance: { used: 100, max: 100 } }, 0, ["x"], ["c", "b", "a"]],
    ])("%s", (_name, quotas, quotaHeadroom, created, blocked) => {
      const p = plan({ dbs, snapshots, quotas, config: { ...config, quotaHeadroom } });
      expect(p.create.map((a) => a.dbId)).toEqual(created);
      expect(p.quotaBlocked.map((q) => q.dbId)).toEqual(blocked);
    });

    it("names the quota and its numbers", () => {
      const p = plan({ dbs: [db("x", { kind: "cluster" })], quotas: { cluster: { used: 49, max: 50 } } });
      expect(p.quotaBlocked).toEqual([
        { dbId: "x", kind: "cluster", quotaName: "ManualClusterSnapshots", used: 49, max: 50, headroom: 2 },
      ]);
    });
  });

  it("keeps cluster snapshot ids of 63-character DB identifiers within 63 characters and valid", () => {
    const a = `a${"b".repeat(61)}c`;
    const b = `a${"b".repeat(61)}d`;
    expect(a).toHaveLength(63);
    const p = plan({ dbs: [db(a, { kind: "cluster" }), db(b, { kind: "cluster" })] });
    const ids = p.create.map((x) => x.snapshotId);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
    for (const id of ids) {
      expect(id.length).toBeLessThanOrEqual(63);
      expect(isValidSnapshotId(id, "cluster")).toBe(true);
      expect(id.endsWith("-20261125-0600")).toBe(true);
    }
  });

  describe("across the Europe DST switch (2026-03-29 01:00 UTC)", () => {
    const tz = process.env.TZ;
    afterEach(() => {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    });
    it.each([
      ["UTC", "2026-03-29T00:59:00Z", true],
      ["UTC", "2026-03-29T01:00:00Z", false],
      ["Europe/Berlin", "2026-03-29T00:59:00Z", true],
      ["Europe/Berlin", "2026-03-29T01:00:00Z", false],
    ])("in TZ %s, a snapshot at %s is due: %s (ids and ages are UTC)", (zone, createdAt, due) => {
      process.env.TZ = zone;
      const p = planTake({
        dbs: [db("orders")],
        snapshots: [snap("s", "orders", { createdAt })],
        now: new Date("2026-03-29T01:30:00Z"),
        config,
        quotas: {},
      });
      expect(p.create.map((a) => a.snapshotId)).toEqual(due ? ["rpl-orders-20260329-0100"] : []);
      if (due) expect(p.create[0]?.tags[TAG.recoveryPoint]).toBe("2026-03-29T01:30:00.000Z");
    });
  });
});

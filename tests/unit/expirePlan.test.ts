import { describe, expect, it } from "vitest";
import {
  copySources,
  deletions,
  type ExpireAction,
  type ExpireInput,
  groupKey,
  isManaged,
  managedStages,
  planExpire,
} from "../../functions/expire/plan";
import type { Snapshot } from "../../functions/lib/model";
import { DEFAULT_RETENTION } from "../../functions/lib/retention";
import { DR, HOME, policy, SRC_B, series, snap } from "./expireFixtures";

const NOW = new Date("2026-06-15T12:00:00Z");
const OLD = "2025-01-01T00:00:00Z";
const OLDER = "2024-12-01T00:00:00Z";
const OLDEST = "2024-11-01T00:00:00Z";

function plan(snapshots: Snapshot[], over: Partial<ExpireInput> = {}): ExpireAction[] {
  return planExpire({ snapshots, now: NOW, stage: "dr", policy: policy({ minKeep: 1 }), ...over });
}
const deletedIds = (actions: ExpireAction[]) => deletions(actions).map((s) => s.id);
const reasonsOf = (actions: ExpireAction[], id: string) => {
  const a = actions.find((x) => x.snapshot.id === id);
  return a?.type === "keep" ? a.reasons : a?.type;
};

describe("managedStages / isManaged", () => {
  it("maps the Janitor stage to the snapshot stages it manages", () => {
    expect(managedStages("source")).toEqual(["source"]);
    expect(managedStages("dr")).toEqual(["dr", "dr-region"]);
  });

  it.each<[string, Parameters<typeof snap>[0], "source" | "dr", boolean]>([
    ["our DR copy", { stage: "dr" }, "dr", true],
    ["our DR-region copy", { stage: "dr-region" }, "dr", true],
    ["our source snapshot, DR Janitor", { stage: "source" }, "dr", false],
    ["our source snapshot, source Janitor", { stage: "source" }, "source", true],
    ["a DR copy, source Janitor", { stage: "dr" }, "source", false],
    ["no ownership tag", { owned: false }, "dr", false],
    ["owned but no stage tag", { stage: "none" }, "dr", false],
    ["automated", { type: "automated" }, "dr", false],
    ["AWS Backup", { type: "awsbackup" }, "dr", false],
    ["shared with us", { type: "shared" }, "dr", false],
  ])("%s -> %s", (_name, o, stage, expected) => {
    expect(isManaged(snap({ at: OLD, ...o }), stage)).toBe(expected);
  });
});

describe("planExpire", () => {
  it("deletes every snapshot past the policy except the newest minKeep", () => {
    const s = series([OLDEST, OLDER, OLD]);
    const actions = plan(s);
    expect(deletedIds(actions)).toEqual([s[1]!.id, s[0]!.id]);
    expect(reasonsOf(actions, s[2]!.id)).toEqual(["min-keep"]);
    expect(actions.map((a) => a.snapshot.id)).toEqual([s[2]!.id, s[1]!.id, s[0]!.id]);
  });

  it("ignores (no action at all) snapshots it does not manage, however old", () => {
    const foreign = [
      snap({ at: OLDEST, id: "manual-by-a-human", owned: false }),
      snap({ at: OLDEST, id: "rds-automated", type: "automated" }),
      snap({ at: OLDEST, id: "backup-vault-copy", type: "awsbackup" }),
      snap({ at: OLDEST, id: "source-stage", stage: "source" }),
      snap({ at: OLDEST, id: "no-stage", stage: "none" }),
    ];
    const actions = plan([...foreign, snap({ at: OLD })]);
    expect(actions).toHaveLength(1);
    expect(deletedIds(actions)).toEqual([]);
  });

  it("manages both dr and dr-region copies, each group keeping its own minKeep", () => {
    const home = series([OLDER, OLD], { region: HOME, stage: "dr" });
    const region = series([OLDER, OLD], { region: DR, stage: "dr-region" });
    expect(deletedIds(plan([...home, ...region])).sort()).toEqual([home[0]!.id, region[0]!.id].sort());
  });

  it("groups by source account, kind and DB: the same DB name from two accounts keeps minKeep each", () => {
    const a = series([OLDER, OLD], { dbId: "orders" });
    const b = series([OLDER, OLD], { dbId: "orders", sourceAccount: SRC_B });
    const cluster = series([OLDER, OLD], { dbId: "orders", kind: "cluster" });
    const groups = new Set([...a, ...b, ...cluster].map(groupKey));
    expect(groups.size).toBe(3);
    expect(deletedIds(plan([...a, ...b, ...cluster])).sort()).toEqual([a[0]!.id, b[0]!.id, cluster[0]!.id].sort());
  });

  it("never deletes the source of a copy in progress, found in another region by ARN", () => {
    const src = series([OLDEST, OLDER, OLD], { region: HOME });
    const copying = snap({
      at: OLDER,
      region: DR,
      stage: "dr-region",
      status: "creating",
      copiedFrom: src[1]!.arn,
      createdAt: "2026-06-15T11:00:00Z",
    });
    const actions = plan([...src, copying]);
    expect(deletedIds(actions)).toEqual([src[0]!.id]);
    expect(reasonsOf(actions, src[1]!.id)).toEqual(["copy-source"]);
    expect(reasonsOf(actions, copying.id)).toEqual(["not-available"]);
  });

  it.each<[string, string, "arn" | "id" | "tag", "instance" | "cluster"]>([
    ["copying status, source named by id", "copying", "id", "instance"],
    ["pending status, source named by our tag only", "pending", "tag", "instance"],
    ["cluster copy (SourceDBClusterSnapshotArn)", "creating", "arn", "cluster"],
  ])("protects a copy source: %s", (_name, status, by, kind) => {
    const src = series([OLDER, OLD], { kind });
    const ref = by === "id" ? src[0]!.id : src[0]!.arn;
    const copy = snap({
      at: OLDER,
      kind,
      status,
      region: DR,
      stage: "dr-region",
      ...(by === "tag" ? { copiedFromTag: ref } : { copiedFrom: ref }),
    });
    expect(copy.kind).toBe(kind);
    expect(deletedIds(plan([...src, copy]))).toEqual([]);
    expect(deletedIds(plan(src))).toEqual([src[0]!.id]);
  });

  it("deletes the source once the copy is available (or has failed)", () => {
    const src = series([OLDER, OLD]);
    const done = snap({ at: OLDER, region: DR, stage: "dr-region", copiedFrom: src[0]!.arn, id: "done" });
    const failed = snap({ at: OLDER, region: DR, stage: "dr-region", status: "failed", copiedFrom: src[0]!.arn });
    expect(deletedIds(plan([...src, done]))).toContain(src[0]!.id);
    expect(deletedIds(plan([...src, failed]))).toContain(src[0]!.id);
  });

  it("protects a copy source even when the copy is not ours (someone else copying our snapshot)", () => {
    const src = series([OLDER, OLD]);
    const theirs = snap({ at: OLDER, id: "a-human-copy", owned: false, status: "creating", copiedFrom: src[0]!.arn });
    expect(deletedIds(plan([...src, theirs]))).toEqual([]);
  });

  it("deletes failed copies whatever their age, and they never count toward minKeep", () => {
    const good = snap({ at: OLD });
    const failedNew = snap({ at: "2026-06-15T11:00:00Z", status: "failed" });
    const actions = plan([good, failedNew], { policy: { ...DEFAULT_RETENTION, minKeep: 1 } });
    expect(actions.find((a) => a.snapshot.id === failedNew.id)).toMatchObject({ type: "delete", reason: "failed" });
    expect(reasonsOf(actions, good.id)).toEqual(["min-keep"]);
  });

  it("keeps a failed snapshot another copy still reads from", () => {
    const failed = snap({ at: OLDER, status: "failed" });
    const copy = snap({ at: OLDER, region: DR, stage: "dr-region", status: "creating", copiedFrom: failed.arn });
    expect(deletedIds(plan([failed, copy, snap({ at: OLD })]))).toEqual([]);
  });

  it.each(["creating", "copying", "deleting", "unknown"])("never deletes a %s snapshot", (status) => {
    const s = snap({ at: OLDEST, status });
    const actions = plan([s, snap({ at: OLD })]);
    expect(reasonsOf(actions, s.id)).toEqual(["not-available"]);
  });

  it("keeps a snapshot with no recovery point and no create time", () => {
    const s = snap({ id: "rpl-undated", createdAt: null });
    const actions = plan([s, ...series([OLDER, OLD])]);
    expect(reasonsOf(actions, s.id)).toEqual(["undated"]);
    expect(deletedIds(actions)).toHaveLength(1);
  });

  it("ages DR copies by their recovery point, not by when the copy was made", () => {
    // Copied yesterday, but the data is from last year: only minKeep saves the newest.
    const s = series([OLDER, OLD]).map((x) => ({ ...x, createdAt: new Date("2026-06-14T12:00:00Z") }));
    expect(deletedIds(plan(s, { policy: { ...DEFAULT_RETENTION, minKeep: 1 } }))).toEqual([s[0]!.id]);
  });

  it("falls back to the create time when the recovery-point tag is missing or invalid", () => {
    const noTag = snap({ at: OLDER, recoveryTag: false });
    const badTag = { ...snap({ at: OLDEST }), tags: { ...snap({ at: OLDEST }).tags, "rpl-recovery-point": "soon" } };
    const newest = snap({ at: OLD });
    const actions = plan([noTag, badTag, newest]);
    expect(deletedIds(actions).sort()).toEqual([noTag.id, badTag.id].sort());
  });

  it("restricts to one DB with dbId, across regions and source accounts", () => {
    const orders = [...series([OLDER, OLD]), ...series([OLDER, OLD], { region: DR, stage: "dr-region" })];
    const ordersB = series([OLDER, OLD], { sourceAccount: SRC_B });
    const billing = series([OLDER, OLD], { dbId: "billing" });
    const actions = plan([...orders, ...ordersB, ...billing], { dbId: "orders-db" });
    expect(actions.every((a) => a.snapshot.dbId === "orders-db")).toBe(true);
    expect(deletedIds(actions).sort()).toEqual([orders[0]!.id, orders[2]!.id, ordersB[0]!.id].sort());
  });

  it("in the source account manages only source-stage snapshots", () => {
    const src = series([OLDER, OLD], { stage: "source", account: "111122223333" });
    const strayCopy = snap({ at: OLDEST, stage: "dr" });
    const actions = plan([...src, strayCopy], { stage: "source" });
    expect(deletedIds(actions)).toEqual([src[0]!.id]);
    expect(actions.some((a) => a.snapshot.id === strayCopy.id)).toBe(false);
  });

  it("applies every tier of the default policy to a DR copy series", () => {
    const times = [
      "2026-06-15T10:00:00Z", // recent
      "2026-06-14T08:00:00Z", // daily, and weekly (last ISO week); not recent: 28h old
      "2026-06-14T07:00:00Z", // deleted: older on the same day
      "2026-06-07T10:00:00Z", // daily (day 9 of 14) and weekly
      "2026-05-31T10:00:00Z", // weekly (2026-W22) and monthly (May)
      "2026-05-30T10:00:00Z", // deleted: older in the same week and month
      "2026-03-02T10:00:00Z", // monthly (March)
      "2026-03-01T10:00:00Z", // deleted
      "2025-12-31T10:00:00Z", // deleted: December is the 7th month back
    ];
    const s = series(times);
    const actions = plan(s, { policy: { ...DEFAULT_RETENTION, minKeep: 1 } });
    expect(deletedIds(actions).sort()).toEqual([s[2]!.id, s[5]!.id, s[7]!.id, s[8]!.id].sort());
    expect(reasonsOf(actions, s[0]!.id)).toEqual(["recent", "min-keep", "daily", "weekly", "monthly"]);
    expect(reasonsOf(actions, s[1]!.id)).toEqual(["daily", "weekly"]);
    expect(reasonsOf(actions, s[3]!.id)).toEqual(["daily", "weekly"]);
    expect(reasonsOf(actions, s[4]!.id)).toEqual(["weekly", "monthly"]);
    expect(reasonsOf(actions, s[6]!.id)).toEqual(["monthly"]);
  });
});

describe("copySources", () => {
  it("collects the RDS source field and our tag of copies not yet finished", () => {
    const a = snap({ at: OLD, status: "creating", copiedFrom: "arn:x", copiedFromTag: "arn:y" });
    const b = snap({ at: OLD, status: "available", copiedFrom: "arn:z" });
    expect([...copySources([a, b])].sort()).toEqual(["arn:x", "arn:y"]);
  });
});

import { describe, expect, it } from "vitest";
import { parseFreshnessConfig } from "../../functions/freshness/config";
import { freshnessMetrics, planFreshness } from "../../functions/freshness/plan";
import type { Snapshot } from "../../functions/lib/model";
import { TAG } from "../../functions/lib/tags";
import { copyTags, DR, DR_REGION, HOME, SOURCE, SOURCE_B } from "../helpers/restoreFixtures";

const NOW = new Date("2026-11-25T12:00:00Z");

function copy(
  dbId: string,
  recoveryPoint: string,
  o: {
    stage?: "dr" | "dr-region" | "source";
    status?: string;
    account?: string;
    kind?: "instance" | "cluster";
    tags?: Record<string, string>;
  } = {},
): Snapshot {
  const stage = o.stage ?? "dr";
  const region = stage === "dr-region" ? DR_REGION : HOME;
  const id = `rpl-${dbId}-${recoveryPoint.slice(0, 13).replace(/[-T:]/g, "")}-${stage}`;
  return {
    kind: o.kind ?? "instance",
    id,
    arn: `arn:aws:rds:${region}:${stage === "source" ? (o.account ?? SOURCE) : DR}:snapshot:${id}`,
    dbId,
    status: o.status ?? "available",
    type: "manual",
    createdAt: new Date(recoveryPoint),
    encrypted: true,
    tags: { ...copyTags(dbId, new Date(recoveryPoint), { stage, account: o.account ?? SOURCE }), ...o.tags },
    region,
    account: stage === "source" ? (o.account ?? SOURCE) : DR,
    progress: 100,
    sizeGb: 10,
  };
}

describe("planFreshness", () => {
  it("measures the newest available copy per DB and stage, ignoring copies still in progress", () => {
    const plan = planFreshness({
      snapshots: [
        copy("orders", "2026-11-25T10:00:00Z"),
        copy("orders", "2026-11-25T11:00:00Z"),
        copy("orders", "2026-11-25T11:30:00Z", { status: "creating" }),
        copy("orders", "2026-11-25T09:15:00Z", { stage: "dr-region" }),
      ],
      stages: ["dr", "dr-region"],
      now: NOW,
      rpoMinutes: 120,
    });

    expect(plan.dbs).toHaveLength(1);
    expect(plan.dbs[0]).toMatchObject({
      key: `${SOURCE}/orders`,
      sourceAccount: SOURCE,
      dbId: "orders",
      kind: "instance",
    });
    expect(plan.dbs[0]!.stages.map((c) => [c.stage, c.ageMinutes, c.count, c.stale, c.recoveryPoint])).toEqual([
      ["dr", 60, 2, false, "2026-11-25T11:00:00.000Z"],
      ["dr-region", 165, 1, true, "2026-11-25T09:15:00.000Z"],
    ]);
    expect(plan.maxima).toEqual([
      { stage: "dr", maxAgeMinutes: 60, missing: [] },
      { stage: "dr-region", maxAgeMinutes: 165, missing: [] },
    ]);
  });

  it("keeps the same DB name of two source accounts apart", () => {
    const plan = planFreshness({
      snapshots: [
        copy("orders", "2026-11-25T11:00:00Z"),
        copy("orders", "2026-11-25T08:00:00Z", { account: SOURCE_B }),
      ],
      stages: ["dr"],
      now: NOW,
    });

    expect(plan.dbs.map((d) => [d.key, d.stages[0]!.ageMinutes])).toEqual([
      [`${SOURCE}/orders`, 60],
      [`${SOURCE_B}/orders`, 240],
    ]);
    expect(plan.maxima[0]!.maxAgeMinutes).toBe(240);
  });

  it("reports an expected DB without any copy as missing and withholds the stage maximum", () => {
    const plan = planFreshness({
      snapshots: [copy("orders", "2026-11-25T11:00:00Z")],
      stages: ["dr"],
      expected: [{ account: SOURCE, dbId: "orders" }, { dbId: "billing" }],
      now: NOW,
    });

    expect(plan.dbs.map((d) => [d.key, d.stages[0]!.ageMinutes, d.stages[0]!.stale])).toEqual([
      [`${SOURCE}/orders`, 60, false],
      ["billing", null, true],
    ]);
    // Both DBs are listed, so each has its own alarm; the per-stage alarm of unlisted DBs has nothing to watch.
    expect(plan.maxima).toEqual([{ stage: "dr", maxAgeMinutes: 0, missing: [] }]);
    expect(plan.expected).toEqual([
      { ref: `${SOURCE}/orders`, stage: "dr", ageMinutes: 60 },
      { ref: "billing", stage: "dr", ageMinutes: null },
    ]);
    // billing has no datum: its own alarm (missing data = breaching) fires, naming it.
    expect(freshnessMetrics(plan)).toEqual([
      { name: "RecoveryPointAgeMinutes", dimensions: { Stage: "dr", DbId: `${SOURCE}/orders` }, value: 60 },
      { name: "MaxRecoveryPointAgeMinutes", dimensions: { Stage: "dr" }, value: 0 },
      {
        name: "ExpectedDbRecoveryPointAgeMinutes",
        dimensions: { Stage: "dr", Db: `${SOURCE}/orders` },
        value: 60,
      },
    ]);
  });

  it("keeps one stale listed DB from masking another: each listed DB has its own datum (issue 13)", () => {
    const plan = planFreshness({
      snapshots: [
        copy("orders", "2026-11-25T11:00:00Z"),
        copy("billing", "2026-11-20T00:00:00Z"),
        copy("audit", "2026-11-25T11:30:00Z"),
        copy("audit", "2026-11-25T06:00:00Z", { stage: "dr-region" }),
      ],
      stages: ["dr", "dr-region"],
      expected: [{ dbId: "orders" }, { account: SOURCE, dbId: "billing" }],
      now: NOW,
      rpoMinutes: 120,
    });

    const ages = freshnessMetrics(plan)
      .filter((m) => m.name === "ExpectedDbRecoveryPointAgeMinutes")
      .map((m) => [m.dimensions.Db, m.dimensions.Stage, m.value]);
    // billing is 5.5 days old; orders still reports its own 60 minutes (under the RPO), so its alarm stays OK.
    expect(ages).toEqual([
      ["orders", "dr", 60],
      [`${SOURCE}/billing`, "dr", 7920],
    ]);
    // Neither listed DB has a dr-region copy: no datum, their dr-region alarms fire. The unlisted DB (audit) is
    // the only one in the per-stage maximum, so the stale billing does not hold that alarm either.
    expect(plan.maxima).toEqual([
      { stage: "dr", maxAgeMinutes: 30, missing: [] },
      { stage: "dr-region", maxAgeMinutes: 360, missing: [] },
    ]);
  });

  it("leaves retired DBs out entirely", () => {
    const plan = planFreshness({
      snapshots: [copy("orders", "2026-11-25T11:00:00Z"), copy("legacy", "2026-10-01T00:00:00Z")],
      stages: ["dr"],
      expected: [{ dbId: "legacy" }],
      retired: [{ dbId: "legacy" }],
      now: NOW,
    });

    expect(plan.dbs.map((d) => d.key)).toEqual([`${SOURCE}/orders`]);
    expect(plan.maxima[0]!.maxAgeMinutes).toBe(60);
  });

  it("ignores snapshots that are not ours or of another stage", () => {
    const foreign = copy("orders", "2026-11-25T11:50:00Z", { tags: { [TAG.managedBy]: "someone-else" } });
    const plan = planFreshness({
      snapshots: [
        foreign,
        copy("orders", "2026-11-25T11:55:00Z", { stage: "source" }),
        copy("orders", "2026-11-25T10:00:00Z"),
      ],
      stages: ["dr"],
      now: NOW,
    });

    expect(plan.dbs[0]!.stages[0]!.ageMinutes).toBe(120);
  });

  it("has a null maximum (alarm: missing data = breaching) when no DB has any copy", () => {
    const plan = planFreshness({ snapshots: [], stages: ["dr"], now: NOW });

    expect(plan.maxima).toEqual([{ stage: "dr", maxAgeMinutes: null, missing: [] }]);
    expect(freshnessMetrics(plan)).toEqual([]);
  });

  it("publishes one per-DB datum per stage and the per-stage maximum", () => {
    const plan = planFreshness({
      snapshots: [copy("a", "2026-11-25T11:00:00Z"), copy("b", "2026-11-25T10:30:00Z")],
      stages: ["dr"],
      now: NOW,
    });

    expect(freshnessMetrics(plan)).toEqual([
      { name: "RecoveryPointAgeMinutes", dimensions: { Stage: "dr", DbId: `${SOURCE}/a` }, value: 60 },
      { name: "RecoveryPointAgeMinutes", dimensions: { Stage: "dr", DbId: `${SOURCE}/b` }, value: 90 },
      { name: "MaxRecoveryPointAgeMinutes", dimensions: { Stage: "dr" }, value: 90 },
    ]);
  });
});

describe("parseFreshnessConfig", () => {
  it("defaults the stages to dr, plus dr-region when a DR region is set", () => {
    expect(parseFreshnessConfig({ AWS_REGION: HOME }).stages).toEqual(["dr"]);
    expect(parseFreshnessConfig({ AWS_REGION: HOME, RPL_DR_REGION: DR_REGION }).stages).toEqual(["dr", "dr-region"]);
  });

  it("parses expected and retired DB lists", () => {
    const c = parseFreshnessConfig({
      AWS_REGION: HOME,
      RPL_EXPECTED_DBS: `${SOURCE}/orders, billing`,
      RPL_RETIRED_DBS: "legacy",
      RPL_RPO_MINUTES: "120",
    });
    expect(c).toEqual({
      region: HOME,
      stages: ["dr"],
      expected: [{ account: SOURCE, dbId: "orders" }, { dbId: "billing" }],
      retired: [{ dbId: "legacy" }],
      rpoMinutes: 120,
      retireDeletedAfterHours: 24,
    });
  });

  it("reads the grace period before a deleted DB is retired from RPL_RETIRE_DELETED_AFTER_HOURS", () => {
    expect(parseFreshnessConfig({ AWS_REGION: HOME, RPL_RETIRE_DELETED_AFTER_HOURS: "72" })).toMatchObject({
      retireDeletedAfterHours: 72,
    });
    expect(() => parseFreshnessConfig({ AWS_REGION: HOME, RPL_RETIRE_DELETED_AFTER_HOURS: "0" })).toThrow(
      "RPL_RETIRE_DELETED_AFTER_HOURS",
    );
  });

  it.each([
    [{ RPL_EXPECTED_DBS: "12/orders" }, "RPL_EXPECTED_DBS"],
    [{ RPL_FRESHNESS_STAGES: "source" }, "RPL_FRESHNESS_STAGES"],
    [{ RPL_FRESHNESS_STAGES: "dr-region" }, "RPL_DR_REGION is unset"],
    [{ RPL_RPO_MINUTES: "soon" }, "RPL_RPO_MINUTES"],
  ])("rejects %j naming the variable", (env, fragment) => {
    expect(() => parseFreshnessConfig({ AWS_REGION: HOME, ...env })).toThrow(fragment);
  });
});

describe("planFreshness: source DBs deleted in production (issue 13)", () => {
  const DELETED = { "rpl-source-deleted-at": "2026-11-25T00:00:00.000Z" };
  const snapshots = [
    copy("orders", "2026-11-24T23:00:00Z", { tags: DELETED }),
    copy("orders", "2026-11-24T22:00:00Z"),
    copy("billing", "2026-11-25T11:30:00Z"),
  ];

  it("keeps measuring a deleted DB during its grace period and says when it retires", () => {
    const plan = planFreshness({ snapshots, stages: ["dr"], now: NOW, rpoMinutes: 60, retireDeletedAfterHours: 24 });

    expect(plan.dbs.map((d) => d.key)).toEqual([`${SOURCE}/billing`, `${SOURCE}/orders`]);
    expect(plan.deleted).toEqual([
      {
        key: `${SOURCE}/orders`,
        deletedAt: "2026-11-25T00:00:00.000Z",
        retiresAt: "2026-11-26T00:00:00.000Z",
        retired: false,
      },
    ]);
    expect(plan.maxima).toEqual([{ stage: "dr", maxAgeMinutes: 780, missing: [] }]);
  });

  it("retires it once the grace period is over: no metric, not in the stage maximum", () => {
    const now = new Date("2026-11-26T00:00:00Z");
    const plan = planFreshness({
      snapshots: [...snapshots, copy("billing", "2026-11-25T23:45:00Z")],
      stages: ["dr"],
      now,
      rpoMinutes: 60,
      retireDeletedAfterHours: 24,
    });

    expect(plan.dbs.map((d) => d.key)).toEqual([`${SOURCE}/billing`]);
    expect(plan.deleted[0]).toMatchObject({ key: `${SOURCE}/orders`, retired: true });
    expect(plan.maxima).toEqual([{ stage: "dr", maxAgeMinutes: 15, missing: [] }]);
    expect(freshnessMetrics(plan).filter((m) => m.dimensions.DbId === `${SOURCE}/orders`)).toEqual([]);
  });

  it("publishes age 0 for an expected DB once retired, so its deploy-time alarm returns to OK", () => {
    const now = new Date("2026-11-27T00:00:00Z");
    const plan = planFreshness({
      snapshots,
      stages: ["dr"],
      expected: [{ account: SOURCE, dbId: "orders" }],
      now,
      retireDeletedAfterHours: 24,
    });

    expect(plan.expected).toEqual([{ ref: `${SOURCE}/orders`, stage: "dr", ageMinutes: 0 }]);
  });

  it("never retires a deleted DB when no grace period is given", () => {
    const plan = planFreshness({ snapshots, stages: ["dr"], now: new Date("2027-01-01T00:00:00Z") });

    expect(plan.dbs.map((d) => d.key)).toContain(`${SOURCE}/orders`);
    expect(plan.deleted).toEqual([{ key: `${SOURCE}/orders`, deletedAt: "2026-11-25T00:00:00.000Z", retired: false }]);
  });
});

/**
 * The single-pass freshness planner (issue 10) measures exactly what the two-pass version did: on random worlds
 * (several accounts, kinds, stages and statuses, foreign and untagged snapshots, missing and unparsable recovery points,
 * tied recovery points, source-deleted tags, retired and expected DBs, stages listed twice), `planFreshness` returns a
 * result deeply equal to its verbatim pre-change version kept in tests/helpers/legacyPlanners/freshnessPlan.ts.
 * Also with frozen snapshots, whose facts the planner remembers per snapshot across runs (as the simulator lists them).
 * Fixed seed; on failure fast-check prints the seed and the shrunk counterexample.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DbRef } from "../../functions/freshness/dbRefs";
import { type FreshnessInput, freshnessMetrics, planFreshness } from "../../functions/freshness/plan";
import type { DbKind, Snapshot } from "../../functions/lib/model";
import { SOURCE_DELETED_TAG } from "../../functions/lib/sourceDeleted";
import { MANAGED_BY_VALUE, type Stage, TAG } from "../../functions/lib/tags";
import {
  freshnessMetrics as legacyFreshnessMetrics,
  planFreshness as legacyPlanFreshness,
} from "../helpers/legacyPlanners/freshnessPlan";

const SEED = 1013;
const RUNS = 400;
const MINUTE = 60_000;
const NOW = Date.parse("2026-06-15T12:07:00Z");
const DR_ACCOUNT = "999988887777";
const SOURCES = ["111122223333", "444455556666"] as const;
const DBS = ["orders", "Orders", "billing", "users"] as const;
const STAGES = ["source", "dr", "dr-region"] as const;

const snapArb = fc.record({
  kind: fc.constantFrom<DbKind>("instance", "cluster"),
  db: fc.constantFrom(...DBS, ""),
  account: fc.constantFrom(DR_ACCOUNT, ...SOURCES, ""),
  sourceAccount: fc.option(fc.constantFrom(...SOURCES, ""), { freq: 6 }),
  stage: fc.constantFrom<Stage | "none" | "other">("source", "dr", "dr-region", "none", "other"),
  owned: fc.oneof({ weight: 6, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  status: fc.constantFrom("available", "available", "available", "creating", "failed"),
  // Whole hours before now (a few in the future), so recovery points tie often.
  ageHours: fc.option(fc.integer({ min: -1, max: 30 }), { freq: 10 }),
  recoveryTag: fc.constantFrom("same", "same", "offset", "bad", "none"),
  idSuffix: fc.integer({ min: 0, max: 3 }),
  deletedHoursAgo: fc.option(fc.constantFrom(1, 30, -1, Number.NaN), { freq: 8 }),
});
type SnapSpec = typeof snapArb extends fc.Arbitrary<infer T> ? T : never;

function build(specs: readonly SnapSpec[]): Snapshot[] {
  return specs.map((x): Snapshot => {
    const created = x.ageHours === null ? undefined : new Date(NOW - x.ageHours * 60 * MINUTE);
    const tags: Record<string, string> = {};
    if (x.owned) tags[TAG.managedBy] = MANAGED_BY_VALUE;
    if (x.stage !== "none") tags[TAG.stage] = x.stage;
    if (x.db) tags[TAG.sourceDb] = x.db;
    if (x.sourceAccount !== null) tags[TAG.sourceAccount] = x.sourceAccount;
    if (x.recoveryTag === "bad") tags[TAG.recoveryPoint] = "not a date";
    else if (x.recoveryTag !== "none" && created) {
      tags[TAG.recoveryPoint] = new Date(
        created.getTime() - (x.recoveryTag === "offset" ? 7 * MINUTE : 0),
      ).toISOString();
    }
    if (x.deletedHoursAgo !== null) {
      tags[SOURCE_DELETED_TAG] = Number.isNaN(x.deletedHoursAgo)
        ? "garbage"
        : new Date(NOW - x.deletedHoursAgo * 3_600_000).toISOString();
    }
    const id = `rpl-${x.db || "none"}-${x.ageHours ?? "x"}-${x.idSuffix}`;
    return {
      kind: x.kind,
      id,
      arn: `arn:aws:rds:eu-west-1:${x.account || DR_ACCOUNT}:snapshot:${id}`,
      dbId: x.db,
      status: x.status,
      type: "manual",
      ...(created ? { createdAt: created } : {}),
      encrypted: true,
      tags,
      region: "eu-west-1",
      account: x.account,
      progress: 100,
      sizeGb: 20,
    };
  });
}

const refArb: fc.Arbitrary<DbRef> = fc.record(
  { account: fc.constantFrom(...SOURCES), dbId: fc.constantFrom(...DBS, "absent") },
  { requiredKeys: ["dbId"] },
);

const inputArb: fc.Arbitrary<FreshnessInput> = fc
  .record({
    snapshots: fc.array(snapArb, { maxLength: 60 }).map(build),
    stages: fc.array(fc.constantFrom<Stage>(...STAGES), { maxLength: 4 }),
    expected: fc.option(fc.array(refArb, { maxLength: 3 }), { freq: 2 }),
    retired: fc.option(fc.array(refArb, { maxLength: 2 }), { freq: 3 }),
    rpoMinutes: fc.option(fc.integer({ min: 0, max: 600 }), { freq: 2 }),
    retireDeletedAfterHours: fc.option(fc.integer({ min: 0, max: 48 }), { freq: 2 }),
  })
  .map((r) => ({
    snapshots: r.snapshots,
    stages: r.stages,
    now: new Date(NOW),
    ...(r.expected !== null ? { expected: r.expected } : {}),
    ...(r.retired !== null ? { retired: r.retired } : {}),
    ...(r.rpoMinutes !== null ? { rpoMinutes: r.rpoMinutes } : {}),
    ...(r.retireDeletedAfterHours !== null ? { retireDeletedAfterHours: r.retireDeletedAfterHours } : {}),
  }));

describe("planFreshness (single pass)", () => {
  it("measures exactly what the two-pass planner measured", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const plan = planFreshness(input);
        const legacy = legacyPlanFreshness(input);
        expect(plan).toEqual(legacy);
        // Key order and absent fields too: the metrics and the JSON the CLI prints are built from it.
        expect(JSON.stringify(plan)).toBe(JSON.stringify(legacy));
        expect(freshnessMetrics(plan)).toEqual(legacyFreshnessMetrics(legacy));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("measures the same from frozen snapshots, whose facts it remembers across runs", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const legacy = legacyPlanFreshness(input);
        // Frozen like the model's memoized snapshots (functions/lib/model.ts): read, then read again from the memo.
        const frozen = input.snapshots.map((s) => Object.freeze({ ...s, tags: Object.freeze({ ...s.tags }) }));
        const first = planFreshness({ ...input, snapshots: frozen });
        const again = planFreshness({ ...input, snapshots: frozen });
        expect(first).toEqual(legacy);
        expect(JSON.stringify(again)).toBe(JSON.stringify(legacy));
        // A snapshot listed again in another run, with others: still what the legacy planner measures.
        const mixed = [...frozen.slice(0, frozen.length >> 1), ...input.snapshots.slice(frozen.length >> 1)];
        expect(planFreshness({ ...input, snapshots: mixed })).toEqual(
          legacyPlanFreshness({ ...input, snapshots: mixed }),
        );
      }),
      { seed: SEED + 1, numRuns: RUNS },
    );
  });

  it("finds the newest of many copies, ties broken by the larger id, with the count of every available copy", () => {
    const specs: SnapSpec[] = [];
    for (let i = 0; i < 200; i++) {
      specs.push({
        kind: "instance",
        db: DBS[i % DBS.length]!,
        account: DR_ACCOUNT,
        sourceAccount: SOURCES[Math.floor(i / 4) % 2]!,
        stage: i % 3 === 0 ? "dr-region" : "dr",
        owned: true,
        status: i % 7 === 0 ? "creating" : "available",
        ageHours: i % 11,
        recoveryTag: "same",
        idSuffix: i % 4,
        deletedHoursAgo: null,
      });
    }
    const input: FreshnessInput = { snapshots: build(specs), stages: ["dr", "dr-region"], now: new Date(NOW) };
    const plan = planFreshness(input);
    expect(plan.dbs).toHaveLength(8);
    expect(plan).toEqual(legacyPlanFreshness(input));
    expect(plan.dbs.reduce((n, d) => n + d.stages.reduce((m, c) => m + c.count, 0), 0)).toBe(
      input.snapshots.filter((s) => s.status === "available").length,
    );
  });
});

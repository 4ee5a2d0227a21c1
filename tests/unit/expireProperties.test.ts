/**
 * Properties of the Janitor's planner over arbitrary worlds: any mix of owned and foreign, manual and automated,
 * available, in-progress and failed snapshots, copies pointing at other snapshots, across two regions, two source
 * accounts, two DBs and both kinds, under any policy. Fixed seed; on failure fast-check prints the seed and the
 * shrunk counterexample.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { deletions, type ExpireStage, groupKey, isManaged, planExpire } from "../../functions/expire/plan";
import { recoveryPointOf, type Snapshot } from "../../functions/lib/model";
import type { RetentionPolicy } from "../../functions/lib/retention";
import { type Stage, TAG } from "../../functions/lib/tags";
import { DR, HOME, SRC_A, SRC_B, snap } from "./expireFixtures";

const SEED = 4242;
const RUNS = 400;
const MINUTE = 60_000;
const BASE_NOW = Date.parse("2026-06-15T12:00:00Z");

const policyArb: fc.Arbitrary<RetentionPolicy> = fc.record({
  allHours: fc.integer({ min: 0, max: 72 }),
  dailyDays: fc.integer({ min: 0, max: 30 }),
  weeklyWeeks: fc.integer({ min: 0, max: 12 }),
  monthlyMonths: fc.integer({ min: 0, max: 12 }),
  minKeep: fc.integer({ min: 1, max: 5 }),
});

const specArb = fc.record({
  db: fc.constantFrom("orders", "billing"),
  source: fc.constantFrom(SRC_A, SRC_B),
  region: fc.constantFrom(HOME, DR),
  kind: fc.constantFrom("instance" as const, "cluster" as const),
  stage: fc.constantFrom<Stage | "none">("source", "dr", "dr-region", "none"),
  owned: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  type: fc.constantFrom("manual", "manual", "manual", "automated", "awsbackup", "shared"),
  status: fc.constantFrom(
    "available",
    "available",
    "available",
    "available",
    "creating",
    "copying",
    "failed",
    "deleting",
  ),
  // Minutes before now (negative: a few minutes in the future, as with clock skew); null: no date at all.
  ageMinutes: fc.oneof(
    { weight: 20, arbitrary: fc.integer({ min: -30, max: 2 * 365 * 1440 }) },
    { weight: 1, arbitrary: fc.constant(null) },
  ),
  recoveryTag: fc.boolean(),
  // A copy reads from another snapshot of the world, named by ARN, id or our tag.
  copyOf: fc.option(fc.tuple(fc.nat(), fc.constantFrom("arn", "id", "tag")), { freq: 4 }),
});

type Spec = typeof specArb extends fc.Arbitrary<infer T> ? T : never;

function build(specs: readonly Spec[], now: number): Snapshot[] {
  const base = specs.map((x, i) => {
    const at = x.ageMinutes === null ? undefined : new Date(now - x.ageMinutes * MINUTE).toISOString();
    return snap({
      id: `rpl-w${i}`,
      ...(at ? { at } : { createdAt: null }),
      dbId: x.db,
      sourceAccount: x.source,
      region: x.region,
      kind: x.kind,
      stage: x.stage,
      owned: x.owned,
      type: x.type,
      status: x.status,
      recoveryTag: x.recoveryTag,
    });
  });
  return base.map((s, i) => {
    const c = specs[i]!.copyOf;
    if (!c || base.length === 0) return s;
    const target = base[c[0] % base.length]!;
    if (c[1] === "tag") return { ...s, tags: { ...s.tags, [TAG.copiedFrom]: target.arn } };
    return { ...s, copiedFrom: c[1] === "arn" ? target.arn : target.id };
  });
}

const worldArb = fc.record({
  specs: fc.array(specArb, { maxLength: 60 }),
  policy: policyArb,
  stage: fc.constantFrom<ExpireStage>("source", "dr"),
  nowOffset: fc.integer({ min: 0, max: 400 * 1440 }),
});

/** Reference: for each group of managed snapshots, the ids of its newest `minKeep` available dated ones. */
function newestAvailable(snapshots: readonly Snapshot[], stage: ExpireStage, minKeep: number): string[] {
  const groups = new Map<string, Snapshot[]>();
  for (const s of snapshots) {
    if (!isManaged(s, stage) || s.status !== "available" || !recoveryPointOf(s)) continue;
    groups.set(groupKey(s), [...(groups.get(groupKey(s)) ?? []), s]);
  }
  return [...groups.values()].flatMap((g) =>
    g
      .sort((a, b) => recoveryPointOf(b)!.getTime() - recoveryPointOf(a)!.getTime() || (a.id < b.id ? -1 : 1))
      .slice(0, minKeep)
      .map((s) => s.id),
  );
}

/** Snapshots some unfinished copy reads from, computed independently of the planner. */
function inProgressSources(snapshots: readonly Snapshot[]): Snapshot[] {
  const refs = snapshots
    .filter((t) => t.status === "creating" || t.status === "copying")
    .flatMap((t) => [t.copiedFrom, t.tags[TAG.copiedFrom]])
    .filter((r): r is string => r !== undefined);
  return snapshots.filter((s) => refs.includes(s.arn) || refs.includes(s.id));
}

function run<T>(arb: fc.Arbitrary<T>, check: (v: T) => void): void {
  fc.assert(
    fc.property(arb, (v) => {
      check(v);
    }),
    { seed: SEED, numRuns: RUNS },
  );
}

describe("planExpire properties", () => {
  it("keeps the newest minKeep available snapshots of every group", () => {
    run(worldArb, ({ specs, policy, stage, nowOffset }) => {
      const now = BASE_NOW + nowOffset * MINUTE;
      const world = build(specs, now);
      const deleted = new Set(
        deletions(planExpire({ snapshots: world, now: new Date(now), stage, policy })).map((s) => s.id),
      );
      for (const id of newestAvailable(world, stage, policy.minKeep)) expect(deleted.has(id)).toBe(false);
    });
  });

  it("deletes only owned manual snapshots of its own stage, never the source of an unfinished copy", () => {
    run(worldArb, ({ specs, policy, stage, nowOffset }) => {
      const now = BASE_NOW + nowOffset * MINUTE;
      const world = build(specs, now);
      const actions = planExpire({ snapshots: world, now: new Date(now), stage, policy });
      const sources = new Set(inProgressSources(world).map((s) => s.id));
      for (const s of deletions(actions)) {
        expect(s.tags[TAG.managedBy]).toBe("rds-pilot-light");
        expect(s.type).toBe("manual");
        expect(stage === "source" ? ["source"] : ["dr", "dr-region"]).toContain(s.tags[TAG.stage]);
        expect(sources.has(s.id)).toBe(false);
        expect(["available", "failed"]).toContain(s.status);
        if (s.status === "available") expect(recoveryPointOf(s)).toBeDefined();
      }
      // One action per managed snapshot and none for the others.
      expect(actions.map((a) => a.snapshot.id).sort()).toEqual(
        world
          .filter((s) => isManaged(s, stage))
          .map((s) => s.id)
          .sort(),
      );
    });
  });

  it("reports each group newest first, undated last, ties by id then listing order, whatever the listing order", () => {
    // Few distinct times and ids, so ties (equal times, equal ids in two regions' groups) are common; listed as
    // generated, oldest first and newest first (the planner's sort takes a different path for each).
    const tiedWorld = fc.record({
      specs: fc.array(
        fc.record({
          db: fc.constantFrom("orders", "billing"),
          id: fc.constantFrom("rpl-a", "rpl-b", "rpl-c"),
          region: fc.constantFrom(HOME, DR),
          ageMinutes: fc.oneof(
            { weight: 8, arbitrary: fc.constantFrom(10, 20, 30, 40) },
            { weight: 1, arbitrary: fc.constant(null) },
          ),
        }),
        { maxLength: 40 },
      ),
      listing: fc.constantFrom("generated", "oldest-first", "newest-first"),
    });
    run(tiedWorld, ({ specs, listing }) => {
      const now = BASE_NOW;
      const built = specs.map((x) =>
        snap({
          id: x.id,
          ...(x.ageMinutes === null
            ? { createdAt: null }
            : { at: new Date(now - x.ageMinutes * MINUTE).toISOString() }),
          dbId: x.db,
          region: x.region,
          stage: x.region === HOME ? "dr" : "dr-region",
        }),
      );
      const time = (s: Snapshot) => recoveryPointOf(s)?.getTime() ?? Number.NEGATIVE_INFINITY;
      const world =
        listing === "generated"
          ? built
          : [...built].sort((a, b) => (listing === "oldest-first" ? time(a) - time(b) : time(b) - time(a)) || 0);
      const policy = { allHours: 1, dailyDays: 0, weeklyWeeks: 0, monthlyMonths: 0, minKeep: 1 };
      const actions = planExpire({ snapshots: world, now: new Date(now), stage: "dr", policy });
      // Reference: groups in key order, each sorted with a stable sort from listing order.
      const groups = new Map<string, Snapshot[]>();
      for (const s of world) groups.set(groupKey(s), [...(groups.get(groupKey(s)) ?? []), s]);
      const expected = [...groups.keys()]
        .sort()
        .flatMap((k) =>
          [...groups.get(k)!].sort((a, b) => time(b) - time(a) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
        );
      expect(actions.map((a) => a.snapshot)).toEqual(expected);
      for (let i = 0; i < expected.length; i++) expect(actions[i]!.snapshot).toBe(expected[i]);
    });
  });

  it("is idempotent: planning again over the survivors deletes nothing more", () => {
    run(worldArb, ({ specs, policy, stage, nowOffset }) => {
      const now = new Date(BASE_NOW + nowOffset * MINUTE);
      const world = build(specs, now.getTime());
      const gone = new Set(deletions(planExpire({ snapshots: world, now, stage, policy })).map((s) => s.id));
      const survivors = world.filter((s) => !gone.has(s.id));
      expect(deletions(planExpire({ snapshots: survivors, now, stage, policy }))).toEqual([]);
    });
  });

  it("keeps exactly the newest minKeep of each group when every snapshot is older than every tier", () => {
    const oldWorld = fc.record({
      policy: policyArb,
      groups: fc.array(
        fc.record({
          db: fc.constantFrom("orders", "billing", "ledger"),
          region: fc.constantFrom(HOME, DR),
          // Extra days beyond the longest tier, one per snapshot.
          extraDays: fc.uniqueArray(fc.integer({ min: 1, max: 900 }), { minLength: 1, maxLength: 12 }),
        }),
        { maxLength: 4 },
      ),
    });
    run(oldWorld, ({ policy, groups }) => {
      const now = BASE_NOW;
      // Longer ago than allHours, dailyDays, weeklyWeeks (plus the current week) and monthlyMonths (31-day months).
      const beyondDays =
        Math.max(policy.allHours / 24, policy.dailyDays, policy.weeklyWeeks * 7 + 7, (policy.monthlyMonths + 1) * 31) +
        1;
      const seen = new Set<string>();
      const world = groups.flatMap((g) => {
        const key = `${g.db}-${g.region}`;
        if (seen.has(key)) return [];
        seen.add(key);
        return g.extraDays.map((d) =>
          snap({
            id: `rpl-${key}-${d}`,
            at: new Date(now - (beyondDays + d) * 1440 * MINUTE).toISOString(),
            dbId: g.db,
            region: g.region,
            stage: g.region === HOME ? "dr" : "dr-region",
          }),
        );
      });
      const actions = planExpire({ snapshots: world, now: new Date(now), stage: "dr", policy });
      const kept = actions.filter((a) => a.type === "keep").map((a) => a.snapshot.id);
      expect(kept.sort()).toEqual(newestAvailable(world, "dr", policy.minKeep).sort());
      expect(actions.every((a) => a.type === "delete" || a.reasons.join() === "min-keep")).toBe(true);
    });
  });
});

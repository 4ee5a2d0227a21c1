/**
 * Sampling: every `sampleMinutes` of virtual time, the recovery-point age of every DB in each of its DR stages (the
 * RPO score), the copies each stage holds (the minKeep invariant), new copies (full or incremental), the sampled-age
 * alarms of stages no FreshnessMonitor watches, and the manual snapshots held per account, region and kind.
 */

import { recoveryPointOf } from "../functions/lib/model";
import { isOwned, TAG } from "../functions/lib/tags";
import type { RdsWorld } from "./aws/rdsModel";
import { AlarmTracker, round1, type SnapshotsHeld } from "./report";
import { HOUR, MINUTE, type SimContext } from "./simContext";

/** What the sampler accumulates for the report (the per-stage figures go into `ctx.dbStates`). */
export interface Samples {
  /** Manual snapshots held per `account|region|kind`. */
  readonly held: ReadonlyMap<string, SnapshotsHeld & { max: number; atEnd: number }>;
  /** Sampled-age alarms, by name. */
  readonly freshness: ReadonlyMap<string, AlarmTracker>;
}

/** True when `snaps` and `available` hold the same objects in the same order. */
function sameAvailable(snaps: readonly object[], available: readonly object[]): boolean {
  if (snaps.length !== available.length) return false;
  for (let i = 0; i < snaps.length; i++) if (available[i] !== snaps[i]) return false;
  return true;
}

/**
 * Arms the sampler on the engine. `monitored` holds the DR locations (`account|region`) a FreshnessMonitor watches,
 * whose sampled-age alarm is left out.
 */
export function armSampling(ctx: SimContext, monitored: ReadonlySet<string>): Samples {
  const { scenario, engine, startMs, endMs, world, stacks, dbStates, quotaOf, safety } = ctx;
  const held = new Map<string, SnapshotsHeld & { max: number; atEnd: number }>();
  const freshness = new Map<string, AlarmTracker>();
  const seenCopies = new Set<string>();
  const drLocations = new Set<string>();
  for (const st of dbStates) for (const s of st.stages.values()) drLocations.add(`${s.account}|${s.region}`);
  const places = new Set<string>();
  for (const s of stacks) {
    places.add(`${s.account}|${s.config.region}`);
    if (s.config.drRegion) places.add(`${s.account}|${s.config.drRegion}`);
  }
  // The world returns the same object for a snapshot until it changes, so what a sample derives from an owned
  // snapshot (its DB key and recovery point) is worked out once per object, and a copy already counted is skipped
  // by identity before its `seenCopies` key is even built.
  type Derived = { key: string; rp: number } | null;
  const derived = new WeakMap<object, Derived>();
  const derivedOf = (s: ReturnType<RdsWorld["snapshots"]>[number]): Derived => {
    let d = derived.get(s);
    if (d === undefined) {
      d = isOwned(s.tags)
        ? { key: `${s.tags[TAG.sourceAccount] ?? ""}/${s.dbId}`, rp: recoveryPointOf(s)?.getTime() ?? 0 }
        : null;
      derived.set(s, d);
    }
    return d;
  };
  const counted = new WeakSet<object>();
  // The DB states by `account/DB id`, in `dbStates` order: a new copy is credited to its DB's stages without a pass
  // over every DB (that pass made a sample cost copies x DBs).
  const statesByKey = new Map<string, (typeof dbStates)[number][]>();
  for (const db of dbStates) {
    const k = `${db.account}/${db.db.id}`;
    const l = statesByKey.get(k);
    if (l) l.push(db);
    else statesByKey.set(k, [db]);
  }
  // Per DR location: the available snapshots (by identity, in listing order) of the last sample that indexed it, and
  // that index. A sample listing the very same available objects would index them to the same figures and count no
  // new copy (each was counted when first seen), so it reuses the index; any other listing is indexed again in full.
  const lastIndex = new Map<
    string,
    { available: readonly object[]; byDb: ReadonlyMap<string, { newest: number; available: number }> }
  >();
  let sampleCount = 0;
  const sample = () => {
    const t = engine.now;
    const index = new Map<string, ReadonlyMap<string, { newest: number; available: number }>>();
    for (const loc of drLocations) {
      // Only available snapshots count (held copies, recovery points, new copies): the world lists just those.
      const [account, region] = loc.split("|") as [string, string];
      const snaps = world.availableSnapshots(account, region);
      const last = lastIndex.get(loc);
      if (last !== undefined && sameAvailable(snaps, last.available)) {
        index.set(loc, last.byDb);
        continue;
      }
      const byDb = new Map<string, { newest: number; available: number }>();
      for (const s of snaps) {
        const d = derivedOf(s);
        if (!d) continue;
        const e = byDb.get(d.key) ?? { newest: Number.NEGATIVE_INFINITY, available: 0 };
        e.newest = Math.max(e.newest, d.rp);
        e.available++;
        byDb.set(d.key, e);
        if (counted.has(s)) continue;
        counted.add(s);
        const key = d.key;
        const copyKey = `${loc}|${s.id}`;
        if (!seenCopies.has(copyKey)) {
          seenCopies.add(copyKey);
          for (const db of statesByKey.get(key) ?? []) {
            for (const stage of db.stages.values()) {
              if (stage.account !== account || stage.region !== region) continue;
              if (s.incremental) stage.incremental++;
              else stage.full++;
              stage.gbCopied += s.gbMoved;
              stage.firstCopyAt ??= t;
            }
          }
        }
      }
      index.set(loc, byDb);
      lastIndex.set(loc, { available: snaps, byDb });
    }
    const worst = new Map<string, boolean>();
    for (const db of dbStates) {
      const live = db.deletedAt === undefined;
      for (const [stageName, s] of db.stages) {
        const e = index.get(`${s.account}|${s.region}`)?.get(`${db.account}/${db.db.id}`);
        s.held = e?.available ?? 0;
        if (s.checkMinKeep && s.held < Math.min(s.minKeep, s.maxHeld)) {
          safety.belowMinKeep.push(
            `${new Date(t).toISOString()}: ${db.account}/${db.db.id} has ${s.held} available copies in ${s.account}/${s.region} ` +
              `(had ${s.maxHeld}; retention minKeep ${s.minKeep})`,
          );
        }
        s.maxHeld = Math.max(s.maxHeld, s.held);
        if (!live) continue;
        const ageMin = (t - (e && Number.isFinite(e.newest) ? e.newest : startMs)) / MINUTE;
        s.points.push([t, round1(ageMin)]);
        if (t < scoredFrom) continue;
        s.ages.push(ageMin);
        const over = ageMin > db.rpoMinutes;
        if (over) s.over++;
        if (monitored.has(`${s.account}|${s.region}`)) continue;
        const alarmKey = `${s.account}/${s.region} recovery-point age over RPO (${stageName}, sampled)`;
        worst.set(alarmKey, (worst.get(alarmKey) ?? false) || over);
      }
    }
    for (const [k, breaching] of worst) {
      let a = freshness.get(k);
      if (!a) {
        a = new AlarmTracker(k, "sampled-age");
        freshness.set(k, a);
      }
      a.set(breaching, t);
    }
    // Manual snapshots held per account, region and kind: every 15 minutes (or every sample when sparser), plus
    // the last sample.
    const heldEvery = Math.max(1, Math.round(15 / scenario.sampleMinutes));
    if (sampleCount++ % heldEvery !== 0 && t + sampleMs <= endMs) return;
    for (const p of places) {
      const [account, region] = p.split("|") as [string, string];
      for (const kind of ["instance", "cluster"] as const) {
        const count = world.manualSnapshotCount(account, region, kind);
        const key = `${p}|${kind}`;
        const h = held.get(key) ?? { account, region, kind, max: 0, atEnd: 0, quota: quotaOf(account) };
        h.max = Math.max(h.max, count);
        h.atEnd = count;
        held.set(key, h);
      }
    }
  };
  const sampleMs = scenario.sampleMinutes * MINUTE;
  const scoredFrom = startMs + scenario.warmupHours * HOUR;
  const armSample = (t: number) => {
    if (t > endMs) return;
    engine.at(t, () => {
      sample();
      armSample(t + sampleMs);
    });
  };
  armSample(startMs + sampleMs);
  return { held, freshness };
}

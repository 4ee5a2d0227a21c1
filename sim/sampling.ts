/**
 * Sampling: every `sampleMinutes` of virtual time, the recovery-point age of every DB in each of its DR stages (the
 * RPO score), the copies each stage holds (the minKeep invariant), new copies (full or incremental), the sampled-age
 * alarms of stages no FreshnessMonitor watches, and the manual snapshots held per account, region and kind.
 */

import { recoveryTimeOf } from "../functions/lib/model";
import { isOwned, TAG } from "../functions/lib/tags";
import type { AvailableChange } from "./aws/rdsModel";
import { AlarmTracker, round1, type SnapshotsHeld } from "./report";
import { HOUR, MINUTE, type SimContext } from "./simContext";

/** What the sampler accumulates for the report (the per-stage figures go into `ctx.dbStates`). */
export interface Samples {
  /** Manual snapshots held per `account|region|kind`. */
  readonly held: ReadonlyMap<string, SnapshotsHeld & { max: number; atEnd: number }>;
  /** Sampled-age alarms, by name. */
  readonly freshness: ReadonlyMap<string, AlarmTracker>;
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
  // The DB states by `account/DB id`, in `dbStates` order: a new copy is credited to its DB's stages without a pass
  // over every DB (that pass made a sample cost copies x DBs).
  const statesByKey = new Map<string, (typeof dbStates)[number][]>();
  for (const db of dbStates) {
    const k = `${db.account}/${db.db.id}`;
    const l = statesByKey.get(k);
    if (l) l.push(db);
    else statesByKey.set(k, [db]);
  }
  // Per DR location, kept current from the world's changes since the previous sample (RdsWorld.availableChanges)
  // rather than from every snapshot held there: per DB key (`source account/DB id` of our own snapshots), the
  // available snapshots' recovery points by snapshot, their count and the newest. A sample costs what changed.
  type Entry = { newest: number; available: number; readonly rps: Map<object, number> };
  type Location = {
    readonly account: string;
    readonly region: string;
    readonly changes: () => AvailableChange[];
    /** What each available snapshot of ours counts for: its DB key and recovery point. */
    readonly counted: Map<object, { key: string; rp: number }>;
    readonly byDb: Map<string, Entry>;
  };
  const locations = new Map<string, Location>();
  for (const loc of drLocations) {
    const [account, region] = loc.split("|") as [string, string];
    locations.set(loc, {
      account,
      region,
      changes: world.availableChanges(account, region),
      counted: new Map(),
      byDb: new Map(),
    });
  }
  const drop = (l: Location, token: object) => {
    const was = l.counted.get(token);
    if (was === undefined) return;
    l.counted.delete(token);
    const e = l.byDb.get(was.key)!;
    e.rps.delete(token);
    e.available--;
    // The newest only moves when the newest (or an unordered NaN) leaves.
    if (!(was.rp < e.newest)) {
      let newest = Number.NEGATIVE_INFINITY;
      for (const rp of e.rps.values()) newest = Math.max(newest, rp);
      e.newest = newest;
    }
  };
  // What a stage's lines of a sample read, worked out once per stage.
  type StageKeys = {
    readonly loc: string;
    readonly db: string;
    readonly monitored: boolean;
    readonly alarm: string;
    /** The stage's location and, once its first copy is counted, its entry there (entries are never removed). */
    readonly location: Location | undefined;
    entry: Entry | undefined;
  };
  const stageKeys = new Map<object, StageKeys>();
  let sampleCount = 0;
  const sample = () => {
    const t = engine.now;
    for (const [loc, l] of locations) {
      // Only available snapshots count (held copies, recovery points, new copies): the world reports just those.
      for (const { token, snap: s } of l.changes()) {
        drop(l, token);
        if (s === undefined || !isOwned(s.tags)) continue;
        const key = `${s.tags[TAG.sourceAccount] ?? ""}/${s.dbId}`;
        const rp = recoveryTimeOf(s) ?? 0;
        l.counted.set(token, { key, rp });
        let e = l.byDb.get(key);
        if (e === undefined) {
          e = { newest: Number.NEGATIVE_INFINITY, available: 0, rps: new Map() };
          l.byDb.set(key, e);
        }
        e.newest = Math.max(e.newest, rp);
        e.available++;
        e.rps.set(token, rp);
        const copyKey = `${loc}|${s.id}`;
        if (!seenCopies.has(copyKey)) {
          seenCopies.add(copyKey);
          for (const db of statesByKey.get(key) ?? []) {
            for (const stage of db.stages.values()) {
              if (stage.account !== l.account || stage.region !== l.region) continue;
              if (s.incremental) stage.incremental++;
              else stage.full++;
              stage.gbCopied += s.gbMoved;
              stage.firstCopyAt ??= t;
            }
          }
        }
      }
    }
    const worst = new Map<string, boolean>();
    for (const db of dbStates) {
      const live = db.deletedAt === undefined;
      for (const [stageName, s] of db.stages) {
        let k = stageKeys.get(s);
        if (k === undefined) {
          const loc = `${s.account}|${s.region}`;
          k = {
            loc,
            db: `${db.account}/${db.db.id}`,
            monitored: monitored.has(loc),
            alarm: `${s.account}/${s.region} recovery-point age over RPO (${stageName}, sampled)`,
            location: locations.get(loc),
            entry: undefined,
          };
          stageKeys.set(s, k);
        }
        let e = k.entry;
        if (e === undefined) {
          e = k.location?.byDb.get(k.db);
          k.entry = e;
        }
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
        if (k.monitored) continue;
        worst.set(k.alarm, (worst.get(k.alarm) ?? false) || over);
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

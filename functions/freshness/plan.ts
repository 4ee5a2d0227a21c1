/**
 * Pure freshness planner: for each source DB, how old is the newest *available* copy in each stage. Used by the
 * freshness Lambda (metrics + alarm), the CLI `status` command and the simulator. No I/O, no clock.
 *
 * A DB with no available copy in a stage has age `null`; the stage maximum is then `null` too, and the handler
 * publishes no maximum for that stage, so the alarm (missing data = breaching) fires. Publishing a made-up large
 * number instead would hide "never copied" behind "very old".
 */

import { isoText } from "../lib/isoTime";
import type { DbKind, Snapshot } from "../lib/model";
import { factsOfSnapshot, recoveryTimeOf } from "../lib/model";
import { deletedAtOf, isRetiredAfterDeletion, SOURCE_DELETED_TAG } from "../lib/sourceDeleted";
import { MANAGED_BY_VALUE, type Stage, TAG } from "../lib/tags";
import { type DbRef, dbKey, refMatches } from "./dbRefs";

/** Input of {@link planFreshness}. */
export interface FreshnessInput {
  /** Snapshots from every region of interest (any stage; snapshots not owned and other stages are ignored). */
  readonly snapshots: readonly Snapshot[];
  /** Stages to measure, in report order. */
  readonly stages: readonly Stage[];
  /** DBs that must appear even without any copy. */
  readonly expected?: readonly DbRef[];
  /** DBs to leave out entirely. */
  readonly retired?: readonly DbRef[];
  readonly now: Date;
  /** When set, `stale` marks ages above it (and missing copies). */
  readonly rpoMinutes?: number;
  /**
   * Hours after its source was reported deleted (tag `rpl-source-deleted-at` on its copies) before a DB is retired:
   * left out like a `retired` entry. Undefined: a deleted DB is never retired automatically.
   */
  readonly retireDeletedAfterHours?: number;
}

/** A DB whose source reported it deleted (functions/lib/sourceDeleted.ts). */
export interface DeletedDb {
  readonly key: string;
  /** ISO instant the source first saw it missing. */
  readonly deletedAt: string;
  /** ISO instant it is (or was) retired; absent when no grace period is configured. */
  readonly retiresAt?: string;
  /** True once retired: no metric, no alarm. */
  readonly retired: boolean;
}

/** Newest available copy of one DB in one stage. */
export interface StageFreshness {
  readonly stage: Stage;
  readonly snapshotId?: string;
  readonly snapshotArn?: string;
  readonly region?: string;
  /** ISO recovery point of the newest available copy. */
  readonly recoveryPoint?: string;
  /** Whole minutes between the recovery point and `now`; `null` when there is no available copy. */
  readonly ageMinutes: number | null;
  /** Available copies of this DB in this stage. */
  readonly count: number;
  /** Age above the RPO, or no copy at all (always false when no RPO is given, except for missing copies). */
  readonly stale: boolean;
}

/** Freshness of one source DB. */
export interface DbFreshness {
  /** `account/dbId` (or `dbId` for an expected DB whose account was not given and that has no copies). */
  readonly key: string;
  readonly sourceAccount?: string;
  readonly dbId: string;
  readonly kind?: DbKind;
  readonly stages: readonly StageFreshness[];
}

/**
 * Worst age per stage over the DBs *not* listed in `expected` (issue 13): each listed DB has its own alarm on
 * `ExpectedDbRecoveryPointAgeMinutes`, so one stale listed DB cannot mask another, nor keep the catch-all alarm of
 * the unlisted DBs in ALARM.
 */
export interface StageMaximum {
  readonly stage: Stage;
  /**
   * Largest age over unlisted DBs; `null` when an unlisted DB has no copy in this stage, or when there are no DBs
   * at all. `0` when every DB is listed in `expected` (their own alarms watch them).
   */
  readonly maxAgeMinutes: number | null;
  /** Keys of DBs without an available copy in this stage. */
  readonly missing: readonly string[];
}

/** Age of one DB listed in `expected`, per stage: the value its own alarm watches. */
export interface ExpectedAge {
  /** The reference exactly as configured (`dbId` or `account/dbId`): the alarm's `Db` dimension. */
  readonly ref: string;
  readonly stage: Stage;
  /** Largest age over the DBs the reference matches; `null` when one of them has no copy in this stage. */
  readonly ageMinutes: number | null;
}

/** Result of {@link planFreshness}. */
export interface FreshnessPlan {
  readonly dbs: readonly DbFreshness[];
  readonly maxima: readonly StageMaximum[];
  /** One entry per expected (not retired) DB and stage. */
  readonly expected: readonly ExpectedAge[];
  /** DBs reported deleted by their source, retired or still in their grace period. */
  readonly deleted: readonly DeletedDb[];
}

/** One metric datum to publish (EMF). */
export interface FreshnessMetric {
  readonly name: "RecoveryPointAgeMinutes" | "MaxRecoveryPointAgeMinutes" | "ExpectedDbRecoveryPointAgeMinutes";
  readonly dimensions: Readonly<Record<string, string>>;
  readonly value: number;
}

interface Group {
  readonly key: string;
  readonly sourceAccount?: string;
  readonly dbId: string;
  readonly kind?: DbKind;
  /** Per requested stage (index into the distinct stages): the newest available copy so far and the count. */
  readonly cells: Cell[];
}

/** The running result of `measure` over one DB's available copies in one stage. */
interface Cell {
  newest: Snapshot | undefined;
  newestAt: number;
  count: number;
}

/**
 * Measures the age of the newest available copy of every source DB in every requested stage.
 *
 * One pass over the snapshots (issue 10: the freshness Lambda reads every owned copy of every DB on each run): each
 * copy's tags are read once, and the newest copy and the count of each DB and stage are kept as the pass goes,
 * instead of collecting every DB's copies per stage and measuring them afterwards. Retirement is per DB, so it is
 * applied to the DB groups once the pass has also found the deletion tags. The result is what the two-pass version
 * returned (tests/unit/freshnessEquivalence.test.ts compares them on random inputs).
 */
export function planFreshness(input: FreshnessInput): FreshnessPlan {
  const retired = input.retired ?? [];
  const stages = input.stages;
  // Distinct stages in order: a stage listed twice is measured once and reported twice, as before.
  const distinct: Stage[] = [];
  for (const st of stages) if (!distinct.includes(st)) distinct.push(st);
  const nStages = distinct.length;
  // Source DBs reported deleted: their owned copies (any stage or status) that carry the tag.
  let copiesByDb: Map<string, Snapshot[]> | undefined;
  const groups = new Map<string, Group>();
  const groupsByAccount = new Map<string | undefined, Map<string, Group>>();
  const snapshots = input.snapshots;
  const scratch: CopyFacts = {
    measured: false,
    stage: undefined,
    account: undefined,
    deleted: false,
    available: false,
    time: undefined,
  };
  for (let i = 0; i < snapshots.length; i++) {
    const s = snapshots[i]!;
    const f = copyFacts(s, scratch);
    if (!f.measured) continue;
    const dbId = s.dbId;
    const stage = f.stage;
    const account = f.account;
    if (f.deleted) {
      copiesByDb ??= new Map();
      const key = dbKey(account, dbId);
      const list = copiesByDb.get(key);
      if (list) list.push(s);
      else copiesByDb.set(key, [s]);
    }
    if (stage === undefined || !f.available) continue;
    const at = nStages === 1 ? (distinct[0] === stage ? 0 : -1) : distinct.indexOf(stage);
    if (at < 0) continue;
    // The group by account and DB identifier (strings whose hashes are kept), else by key: the key string is built
    // once per DB, not once per copy.
    let byDb = groupsByAccount.get(account);
    if (!byDb) {
      byDb = new Map();
      groupsByAccount.set(account, byDb);
    }
    let g = byDb.get(dbId);
    if (!g) {
      const key = dbKey(account, dbId);
      g = groups.get(key);
      if (!g) {
        g = newGroup(key, account, dbId, s.kind, nStages);
        groups.set(key, g);
      }
      byDb.set(dbId, g);
    }
    // measure(): the newest recovery point, in ms (recoveryTimeOf: no Date per copy); ties by the larger id.
    const cell = g.cells[at]!;
    cell.count++;
    const t = f.time;
    if (t === undefined) continue;
    const newest = cell.newest;
    if (!newest || t > cell.newestAt || (t === cell.newestAt && s.id > newest.id)) {
      cell.newest = s;
      cell.newestAt = t;
    }
  }

  const deleted: DeletedDb[] = [];
  const retiredByDeletion = new Set<string>();
  for (const [key, copies] of [...(copiesByDb ?? new Map<string, Snapshot[]>()).entries()].sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  )) {
    const at = deletedAtOf(copies);
    if (!at) continue;
    const grace = input.retireDeletedAfterHours;
    const isRetired = grace !== undefined && isRetiredAfterDeletion(at, input.now, grace);
    if (isRetired) retiredByDeletion.add(key);
    deleted.push({
      key,
      deletedAt: at.toISOString(),
      ...(grace !== undefined ? { retiresAt: new Date(at.getTime() + grace * 3_600_000).toISOString() } : {}),
      retired: isRetired,
    });
  }
  const isRetired = (account: string | undefined, dbId: string) =>
    retired.some((r) => refMatches(r, account, dbId)) || retiredByDeletion.has(dbKey(account, dbId));
  if (retired.length > 0 || retiredByDeletion.size > 0) {
    for (const [key, g] of groups) if (isRetired(g.sourceAccount, g.dbId)) groups.delete(key);
  }
  for (const ref of input.expected ?? []) {
    if (isRetired(ref.account, ref.dbId)) continue;
    const present = [...groups.values()].some((g) => refMatches(ref, g.sourceAccount, g.dbId));
    if (!present) {
      const key = dbKey(ref.account, ref.dbId);
      groups.set(key, newGroup(key, ref.account, ref.dbId, undefined, nStages));
    }
  }

  const dbs: DbFreshness[] = [...groups.values()]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((g) => ({
      key: g.key,
      ...(g.sourceAccount ? { sourceAccount: g.sourceAccount } : {}),
      dbId: g.dbId,
      ...(g.kind ? { kind: g.kind } : {}),
      stages: stages.map((stage) =>
        measured(stage, g.cells[nStages === 1 ? 0 : distinct.indexOf(stage)]!, input.now, input.rpoMinutes),
      ),
    }));

  // An expected DB retired after its deletion stays in `expected` with age 0: its deploy-time alarm (missing data
  // breaching) must go back to OK once the DB is retired, until someone removes it from restore.expectedDbs.
  const retiredByDeletionRef = (r: DbRef) =>
    [...retiredByDeletion].some((key) => {
      const [account, dbId] = key.includes("/") ? key.split("/") : [undefined, key];
      return refMatches(r, account, dbId!);
    });
  const expectedRefs = (input.expected ?? []).filter(
    (r) => !retired.some((x) => refMatches(x, r.account, r.dbId)) && !retiredByDeletionRef(r),
  );
  const expectedRetired = (input.expected ?? []).filter(
    (r) => !retired.some((x) => refMatches(x, r.account, r.dbId)) && retiredByDeletionRef(r),
  );
  const isListed = (d: DbFreshness) => expectedRefs.some((r) => refMatches(r, d.sourceAccount, d.dbId));
  const worst = (cells: readonly (number | null)[]) =>
    cells.some((a) => a === null) || cells.length === 0 ? null : Math.max(...(cells as number[]));
  const unlisted = expectedRefs.length === 0 ? dbs : dbs.filter((d) => !isListed(d));
  const maxima: StageMaximum[] = stages.map((stage, i) => {
    const missing = unlisted.filter((d) => d.stages[i]!.ageMinutes === null).map((d) => d.key);
    const maxAgeMinutes =
      dbs.length > 0 && unlisted.length === 0 ? 0 : worst(unlisted.map((d) => d.stages[i]!.ageMinutes));
    return { stage, maxAgeMinutes, missing };
  });
  const expected: ExpectedAge[] = expectedRefs.flatMap((r) =>
    stages.map((stage, i) => ({
      ref: dbKey(r.account, r.dbId),
      stage,
      ageMinutes: worst(dbs.filter((d) => refMatches(r, d.sourceAccount, d.dbId)).map((d) => d.stages[i]!.ageMinutes)),
    })),
  );
  for (const r of expectedRetired) {
    for (const stage of stages) expected.push({ ref: dbKey(r.account, r.dbId), stage, ageMinutes: 0 });
  }
  return { dbs, maxima, expected, deleted };
}

/** What {@link planFreshness} reads of one snapshot: its tags and status, each read once. */
interface CopyFacts {
  /** Owned (`rpl-managed-by`) and naming its DB: counted in some way (else ignored entirely). */
  measured: boolean;
  /** stageOf(s): undefined for a tag value that is not a stage. */
  stage: Stage | undefined;
  /** sourceAccountOf(s) (functions/freshness/dbRefs.ts). */
  account: string | undefined;
  /** Carries the source-deleted tag (functions/lib/sourceDeleted.ts). */
  deleted: boolean;
  available: boolean;
  /** recoveryTimeOf(s). */
  time: number | undefined;
}

/**
 * {@link CopyFacts} remembered per frozen snapshot (functions/lib/model.ts `factsOfSnapshot`): the simulator lists the
 * same ones to the monitor every 15 minutes, 500-1,000 per run, and these facts are all a run reads of each (issue 10).
 */
const copyFactsMemo = new WeakMap<Snapshot, CopyFacts>();

function copyFacts(s: Snapshot, scratch: CopyFacts): CopyFacts {
  return factsOfSnapshot(copyFactsMemo, s, scratch, newCopyFacts, readCopyFacts);
}

const newCopyFacts = (): CopyFacts => ({
  measured: false,
  stage: undefined,
  account: undefined,
  deleted: false,
  available: false,
  time: undefined,
});

function readCopyFacts(s: Snapshot, f: CopyFacts): void {
  const tags = s.tags;
  // isOwned(s.tags), stageOf(s) and sourceAccountOf(s), each tag read once.
  f.measured = tags[MANAGED_BY] === MANAGED_BY_VALUE && Boolean(s.dbId);
  if (!f.measured) return;
  const tagged = tags[STAGE];
  const stage = tagged === "source" || tagged === "dr" || tagged === "dr-region" ? tagged : undefined;
  f.stage = stage;
  f.account = tags[SOURCE_ACCOUNT] || (stage === "source" && s.account ? s.account : undefined);
  f.deleted = tags[SOURCE_DELETED_TAG] !== undefined;
  f.available = s.status === "available";
  f.time = stage !== undefined && f.available ? recoveryTimeOf(s) : undefined;
}

function newGroup(
  key: string,
  account: string | undefined,
  dbId: string,
  kind: DbKind | undefined,
  nStages: number,
): Group {
  const cells: Cell[] = [];
  for (let i = 0; i < nStages; i++) cells.push({ newest: undefined, newestAt: 0, count: 0 });
  return { key, ...(account ? { sourceAccount: account } : {}), dbId, ...(kind ? { kind } : {}), cells };
}

function measured(stage: Stage, cell: Cell, now: Date, rpoMinutes: number | undefined): StageFreshness {
  const newest = cell.newest;
  if (!newest) return { stage, ageMinutes: null, count: cell.count, stale: true };
  // A recovery point "in the future" (clock skew between accounts) counts as age 0, never negative.
  const ageMinutes = Math.max(0, Math.floor((now.getTime() - cell.newestAt) / 60_000));
  return {
    stage,
    snapshotId: newest.id,
    snapshotArn: newest.arn,
    region: newest.region,
    recoveryPoint: isoText(cell.newestAt),
    ageMinutes,
    count: cell.count,
    stale: rpoMinutes !== undefined && ageMinutes > rpoMinutes,
  };
}

const MANAGED_BY = TAG.managedBy;
const STAGE = TAG.stage;
const SOURCE_ACCOUNT = TAG.sourceAccount;

/**
 * The metric data the freshness Lambda publishes: one `RecoveryPointAgeMinutes` per DB and stage (dimensions
 * `Stage`, `DbId`), one `MaxRecoveryPointAgeMinutes` per stage (dimension `Stage`) unless the maximum is
 * `null` (missing data makes the alarm breach), and one `ExpectedDbRecoveryPointAgeMinutes` per expected DB and
 * stage (dimensions `Stage`, `Db` = the reference as configured) unless that DB has no copy.
 */
export function freshnessMetrics(plan: FreshnessPlan): FreshnessMetric[] {
  const out: FreshnessMetric[] = [];
  for (const d of plan.dbs) {
    for (const cell of d.stages) {
      if (cell.ageMinutes === null) continue;
      out.push({
        name: "RecoveryPointAgeMinutes",
        dimensions: { Stage: cell.stage, DbId: d.key },
        value: cell.ageMinutes,
      });
    }
  }
  for (const m of plan.maxima) {
    if (m.maxAgeMinutes === null) continue;
    out.push({ name: "MaxRecoveryPointAgeMinutes", dimensions: { Stage: m.stage }, value: m.maxAgeMinutes });
  }
  for (const e of plan.expected) {
    if (e.ageMinutes === null) continue;
    out.push({
      name: "ExpectedDbRecoveryPointAgeMinutes",
      dimensions: { Stage: e.stage, Db: e.ref },
      value: e.ageMinutes,
    });
  }
  return out;
}

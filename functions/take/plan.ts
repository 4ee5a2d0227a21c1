/**
 * Pure planner of the Taker: which DBs get a manual snapshot now, which are skipped and why. No I/O, no clock.
 *
 * A DB is due when the newest snapshot this tool made of it (owned, stage `source`, not failed) was taken in an
 * earlier schedule slot than `now` (slots of `intervalMinutes`, aligned to the UTC epoch, the same slots that name
 * the snapshots). Comparing slots rather than raw ages keeps an hourly schedule hourly: a snapshot started at
 * 10:00:05 is 59m55s old when the 11:00:00 run looks at it, and a pure age test would skip that slot.
 * A snapshot still `creating` (or without a create time yet) counts as fresh.
 */
import { BoundedCache } from "../lib/boundedCache";
import { slotStart, sourceSnapshotId, timeSlug } from "../lib/identifiers";
import { type Db, type DbKind, parseArn, type Snapshot, stageOf } from "../lib/model";
import { MANAGED_BY_VALUE, TAG } from "../lib/tags";
import type { TakeConfig } from "./config";

/** RDS account quota names (DescribeAccountAttributes `AccountQuotaName`). */
export const QUOTA_NAME: Readonly<Record<DbKind, string>> = {
  instance: "ManualSnapshots",
  cluster: "ManualClusterSnapshots",
};

/** One account quota as reported by DescribeAccountAttributes. */
export interface Quota {
  readonly used: number;
  readonly max: number;
}

/** Manual snapshot quotas per kind; a missing entry means unknown (no limit applied). */
export type Quotas = Partial<Record<DbKind, Quota>>;

/** Why a selected DB gets no snapshot this run. */
export type SkipReason =
  /** The DB is not `available` (stopped, modifying, backing-up, ...). */
  | "not-available"
  /** Scoped run for a DB that is not selected by RPL_DB_ID_REGEX / RPL_OPT_IN_TAG. */
  | "not-selected"
  /** Scoped run for a DB that does not exist. */
  | "not-found"
  /** The identifier for this slot is held by a failed or foreign snapshot; the next slot gets a new one. */
  | "id-taken"
  /** The DB ARN could not be parsed (account/region tags would be wrong). */
  | "invalid-arn";

/** A selected DB that is skipped, with the reason and a human detail. */
export interface Skip {
  readonly dbId: string;
  readonly kind: DbKind | "unknown";
  readonly reason: SkipReason;
  readonly detail: string;
}

/** Create one manual snapshot. */
export interface CreateAction {
  readonly kind: DbKind;
  readonly dbId: string;
  readonly snapshotId: string;
  /** Tags to set on creation (`Tags` on CreateDBSnapshot / CreateDBClusterSnapshot). */
  readonly tags: Readonly<Record<string, string>>;
}

/** A DB that is due but held back because creating would eat into the quota headroom. */
export interface QuotaBlock {
  readonly dbId: string;
  readonly kind: DbKind;
  readonly quotaName: string;
  readonly used: number;
  readonly max: number;
  readonly headroom: number;
}

/** Everything the planner decided. */
export interface TakePlan {
  readonly create: readonly CreateAction[];
  readonly skipped: readonly Skip[];
  readonly quotaBlocked: readonly QuotaBlock[];
  /** Selected DBs whose newest snapshot is recent enough (including ones still creating). */
  readonly upToDate: readonly string[];
  /** Selected DBs whose newest snapshot is still `creating`. */
  readonly pending: readonly string[];
  /** DBs not selected by the regex / opt-in tag during a sweep (counted only). */
  readonly ignored: number;
}

/** Input of {@link planTake}. */
export interface TakePlanInput {
  readonly dbs: readonly Db[];
  /** Manual snapshots of the account (any owner; the planner picks ours). */
  readonly snapshots: readonly Snapshot[];
  readonly now: Date;
  readonly config: Pick<TakeConfig, "dbIdRegex" | "optInTag" | "intervalMinutes" | "quotaHeadroom">;
  readonly quotas: Quotas;
  /** Scoped run: only this DB identifier. */
  readonly scopeDbId?: string;
}

/** True when the DB is selected by the identifier regex and the opt-in tag. */
export function isSelected(db: Pick<Db, "id" | "tags">, config: Pick<TakeConfig, "dbIdRegex" | "optInTag">): boolean {
  if (!config.dbIdRegex.test(db.id)) return false;
  const tag = config.optInTag;
  if (!tag) return true;
  const v = db.tags[tag.key];
  return v !== undefined && (tag.value === undefined || v === tag.value);
}

const keyOf = (kind: DbKind, id: string) => `${kind}:${id}`;

/** Newest snapshot this tool took of each DB (owned, stage source, not failed), keyed `kind:dbId`. */
export function newestOwnSnapshots(snapshots: readonly Snapshot[]): Map<string, Snapshot> {
  const out = new Map<string, Snapshot>();
  for (const [kind, byDb] of newestOwnByKind(snapshots)) for (const [dbId, s] of byDb) out.set(keyOf(kind, dbId), s);
  return out;
}

/**
 * {@link newestOwnSnapshots} by kind, then by DB identifier: no key string is built per snapshot. With `suffix`, also
 * puts every snapshot whose identifier ends with it into `withSuffix`, by {@link keyOf} kind and identifier (the last
 * listed wins).
 */
function newestOwnByKind(
  snapshots: readonly Snapshot[],
  suffix?: string,
  withSuffix?: Map<string, Snapshot>,
): Map<DbKind, Map<string, Snapshot>> {
  const out = new Map<DbKind, Map<string, Snapshot>>();
  // The map of the last kind met: listings hold one kind after the other (or one only).
  let lastKind: DbKind | undefined;
  let lastByDb: Map<string, Snapshot> | undefined;
  for (let i = 0; i < snapshots.length; i++) {
    const s = snapshots[i]!;
    if (suffix !== undefined && s.id.endsWith(suffix)) withSuffix?.set(keyOf(s.kind, s.id), s);
    if (s.status === "failed" || stageOf(s) !== "source") continue;
    let byDb = s.kind === lastKind ? lastByDb : out.get(s.kind);
    if (!byDb) {
      byDb = new Map();
      out.set(s.kind, byDb);
    }
    lastKind = s.kind;
    lastByDb = byDb;
    const prev = byDb.get(s.dbId);
    if (!prev || newer(s, prev)) byDb.set(s.dbId, s);
  }
  return out;
}

/** Snapshots without a create time are still being made, hence the newest. */
function newer(a: Snapshot, b: Snapshot): boolean {
  if (!a.createdAt) return true;
  if (!b.createdAt) return false;
  return a.createdAt.getTime() > b.createdAt.getTime();
}

function isFresh(s: Snapshot, slot: Date): boolean {
  if (s.status === "creating" || !s.createdAt) return true;
  return s.createdAt.getTime() >= slot.getTime();
}

/** Tags the Taker writes on a snapshot of `db` taken at `now`. */
export function takeTags(db: Db, now: Date): Record<string, string> {
  const { account, region } = parseArn(db.arn);
  return takeTagsFor(db.id, db.kind, account, region, now.toISOString());
}

/**
 * {@link takeTags} from the DB's identifier, kind, account and region (a take sweep's batch item, take/batch.ts), with
 * the recovery point already formatted (the planner formats it once per run).
 */
export function takeTagsFor(
  dbId: string,
  kind: DbKind,
  account: string,
  region: string,
  recoveryPoint: string,
): Record<string, string> {
  return {
    [TAG.managedBy]: MANAGED_BY_VALUE,
    [TAG.sourceDb]: dbId,
    [TAG.sourceKind]: kind,
    [TAG.sourceAccount]: account,
    [TAG.sourceRegion]: region,
    [TAG.recoveryPoint]: recoveryPoint,
    [TAG.stage]: "source",
  };
}

/**
 * {@link sourceSnapshotId} of `dbId` without its time slug (`rpl-<body>-`), remembered per DB identifier: the body is
 * the same in every slot, the slug is always 13 characters (lib/identifiers.ts), and working the body out (sanitizing,
 * and hashing a long name) for every DB due was most of what a run at 1,000 DBs allocated. Emptied past
 * {@link PREFIXES_MAX} entries.
 */
function slotIdPrefix(dbId: string): string {
  return slotIdPrefixes.get(dbId, prefixOf);
}
function prefixOf(dbId: string): string {
  const id = sourceSnapshotId(dbId, EPOCH);
  return id.slice(0, id.length - SLUG_LENGTH);
}
const SLUG_LENGTH = 13;
const EPOCH = new Date(0);
const PREFIXES_MAX = 100_000;
const slotIdPrefixes = new BoundedCache<string, string>(PREFIXES_MAX);

/** Decides which DBs to snapshot now. Deterministic: same input, same plan. */
export function planTake(input: TakePlanInput): TakePlan {
  const { config, now } = input;
  const slot = slotStart(now, config.intervalMinutes);
  // Every identifier of this slot ends with `-<slug of the slot>` (lib/identifiers.ts buildIdentifier), so only the
  // snapshots whose identifier ends so can hold a DB's identifier for this slot: they are kept by kind and identifier
  // (the last listed wins, as in a map filled in listing order) in the same pass that finds each DB's newest.
  // (An invalid `now` has no slug: no snapshot is kept, and naming a due DB's snapshot throws, as it always did.)
  const slotSlug = Number.isNaN(slot.getTime()) ? undefined : timeSlug(slot);
  const slotSuffix = slotSlug === undefined ? undefined : `-${slotSlug}`;
  const inSlot = new Map<string, Snapshot>();
  const newest = newestOwnByKind(input.snapshots, slotSuffix, inSlot);
  const holderOf = (kind: DbKind, id: string): Snapshot | undefined =>
    inSlot.size === 0 ? undefined : inSlot.get(keyOf(kind, id));

  const skipped: Skip[] = [];
  const upToDate: string[] = [];
  const pending: string[] = [];
  // `last`: the newest own snapshot's create time in ms, -Infinity when there is none (or it has no create time).
  const due: { db: Db; snapshotId: string; last: number; account: string; region: string }[] = [];
  let ignored = 0;

  const dbs = input.scopeDbId === undefined ? input.dbs : input.dbs.filter((d) => d.id === input.scopeDbId);
  if (input.scopeDbId !== undefined && dbs.length === 0) {
    skipped.push({
      dbId: input.scopeDbId,
      kind: "unknown",
      reason: "not-found",
      detail: "no DB instance or cluster with this identifier",
    });
  }

  for (const db of [...dbs].sort(byKindAndId)) {
    if (!isSelected(db, config)) {
      if (input.scopeDbId === undefined) ignored++;
      else
        skipped.push({
          dbId: db.id,
          kind: db.kind,
          reason: "not-selected",
          detail: "does not match RPL_DB_ID_REGEX / RPL_OPT_IN_TAG",
        });
      continue;
    }
    if (db.status !== "available") {
      skipped.push({ dbId: db.id, kind: db.kind, reason: "not-available", detail: `status is "${db.status}"` });
      continue;
    }
    const last = newest.get(db.kind)?.get(db.id);
    if (last && isFresh(last, slot)) {
      upToDate.push(db.id);
      if (last.status === "creating") pending.push(db.id);
      continue;
    }
    const snapshotId = slotSlug === undefined ? sourceSnapshotId(db.id, slot) : slotIdPrefix(db.id) + slotSlug;
    const holder = holderOf(db.kind, snapshotId);
    if (holder) {
      const whose =
        stageOf(holder) === "source"
          ? `our snapshot in status "${holder.status}"`
          : "a snapshot not made by rds-pilot-light";
      skipped.push({ dbId: db.id, kind: db.kind, reason: "id-taken", detail: `${snapshotId} is held by ${whose}` });
      continue;
    }
    let arn: { account: string; region: string };
    try {
      arn = parseArn(db.arn);
    } catch {
      skipped.push({
        dbId: db.id,
        kind: db.kind,
        reason: "invalid-arn",
        detail: `cannot read account/region from "${db.arn}"`,
      });
      continue;
    }
    const lastAt = last?.createdAt;
    due.push({
      db,
      snapshotId,
      last: lastAt ? lastAt.getTime() : Number.NEGATIVE_INFINITY,
      account: arn.account,
      region: arn.region,
    });
  }

  // Most overdue first (never snapshotted, then oldest), so a tight quota protects the stalest DBs.
  due.sort((a, b) => a.last - b.last || byKindAndId(a.db, b.db));
  let recoveryPoint: string | undefined;

  const create: CreateAction[] = [];
  const quotaBlocked: QuotaBlock[] = [];
  const planned: Record<DbKind, number> = { instance: 0, cluster: 0 };
  for (const { db, snapshotId, account, region } of due) {
    const q = input.quotas[db.kind];
    if (q && q.max - q.used - (planned[db.kind] + 1) < config.quotaHeadroom) {
      quotaBlocked.push({
        dbId: db.id,
        kind: db.kind,
        quotaName: QUOTA_NAME[db.kind],
        used: q.used,
        max: q.max,
        headroom: config.quotaHeadroom,
      });
      continue;
    }
    planned[db.kind]++;
    recoveryPoint ??= now.toISOString();
    create.push({
      kind: db.kind,
      dbId: db.id,
      snapshotId,
      tags: takeTagsFor(db.id, db.kind, account, region, recoveryPoint),
    });
  }
  return { create, skipped, quotaBlocked, upToDate, pending, ignored };
}

function byKindAndId(a: Pick<Db, "kind" | "id">, b: Pick<Db, "kind" | "id">): number {
  return (a.kind === b.kind ? 0 : collator.compare(a.kind, b.kind)) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** `String.prototype.localeCompare` without arguments, as one reusable collator (same order, much faster). */
const collator = new Intl.Collator();

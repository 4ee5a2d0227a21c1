/**
 * Source DBs deleted in production (issue 13): how the source account notices, how it tells the DR accounts, and how
 * the DR side retires the DB after a grace period. Pure; the Sharer, the Copier and the freshness Lambda apply it.
 *
 * 1. The Sharer's sweep lists the DB instances and clusters of its region. A DB with owned `rpl-*` snapshots (stage
 *    `source`) that the listing no longer has is gone. It is reported once: the Sharer puts one "RDS Pilot Light
 *    Source DB Deleted" event on every DR bus, publishes `SourceDbsDeleted`, then tags the DB's newest snapshot with
 *    {@link SOURCE_DELETED_TAG}; a tagged DB is not reported again (a DB re-created under the same name and
 *    snapshotted again has a new, untagged newest snapshot, so a second deletion is reported again).
 * 2. The DR bus routes the event to the Copier, which tags that DB's owned copies (both DR regions) with
 *    {@link SOURCE_DELETED_TAG} = the time the deletion was first seen. It never deletes anything for it.
 * 3. The freshness Lambda treats a DB whose copies carry the tag as retired once `RPL_RETIRE_DELETED_AFTER_HOURS`
 *    have passed since then: no metric, so its per-DB alarm contributor goes away and no stage alarm counts it. The
 *    Janitor keeps applying the retention policy to the copies, `minKeep` included, so the newest copies of a
 *    deleted DB are kept as long as the tool runs (functions/lib/retention.ts).
 *
 * Why not RDS's own event (category `deletion` of the "RDS DB Instance Event" / "RDS DB Cluster Event" detail-types,
 * https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-rds.html): "Amazon RDS emits events on a best effort
 * basis. We recommend that you avoid writing programs that depend on the order or existence of notification events,
 * because they might be out of sequence or missing" (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/working-with-events.html).
 * The listing is re-read by every sweep, so a report that failed is repeated until its tag is written.
 */
import type { Db, DbKind, Snapshot } from "./model";
import { isOwned, MANAGED_BY_VALUE, TAG } from "./tags";

/** Tag on the newest source snapshot (source account) and on every copy (DR account) of a deleted DB. */
export const SOURCE_DELETED_TAG = "rpl-source-deleted-at";
/** EventBridge detail-type of the "source DB deleted" event on the DR bus. */
export const SOURCE_DB_DELETED_DETAIL_TYPE = "RDS Pilot Light Source DB Deleted";
/** Default grace period before a deleted source DB is retired (config `retireDeletedDbsAfterHours`). */
export const DEFAULT_RETIRE_DELETED_AFTER_HOURS = 24;

/** Detail of the "source DB deleted" event. */
export interface SourceDbDeletedDetail {
  readonly sourceAccount: string;
  readonly sourceRegion: string;
  readonly dbId: string;
  readonly kind: DbKind;
  /** ISO-8601 UTC instant the Sharer first saw the DB missing. */
  readonly deletedAt: string;
}

/** A deleted DB to report: the event detail and the snapshot to tag once reported. */
export interface DeletedDbReport {
  readonly detail: SourceDbDeletedDetail;
  readonly newest: Snapshot;
}

/**
 * DBs of `region` that have owned source snapshots but are not in `liveDbs`, and whose newest owned snapshot is not
 * tagged as reported yet. `account` is the source account (the Sharer's own).
 */
export function planDeletedDbs(input: {
  readonly snapshots: readonly Snapshot[];
  readonly liveDbs: readonly Db[];
  readonly account: string;
  readonly region: string;
  readonly now: Date;
}): DeletedDbReport[] {
  // Live DBs per kind by lowercased identifier; a snapshot's identifier is lowercased once per distinct string (a
  // Sharer's sweep reads every snapshot of its region, nearly all of live DBs), and only a DB that is gone gets a key.
  const live = new Map<string, Set<string>>();
  for (const d of input.liveDbs) {
    let ids = live.get(d.kind);
    if (!ids) {
      ids = new Set();
      live.set(d.kind, ids);
    }
    ids.add(d.id.toLowerCase());
  }
  const lowered = new Map<string, string>();
  const newest = new Map<string, Snapshot>();
  const at = (x: Snapshot) => x.createdAt?.getTime() ?? 0;
  for (const s of input.snapshots) {
    const tags = s.tags;
    if (tags[TAG.managedBy] !== MANAGED_BY_VALUE || tags[TAG.stage] !== "source" || s.region !== input.region) continue;
    const dbId = tags[TAG.sourceDb] ?? s.dbId;
    if (!dbId) continue;
    let lower = lowered.get(dbId);
    if (lower === undefined) {
      lower = dbId.toLowerCase();
      lowered.set(dbId, lower);
    }
    if (live.get(s.kind)?.has(lower)) continue;
    const key = `${s.kind}|${lower}`;
    const prev = newest.get(key);
    if (!prev || at(s) > at(prev) || (at(s) === at(prev) && s.id > prev.id)) newest.set(key, s);
  }
  const out: DeletedDbReport[] = [];
  for (const s of newest.values()) {
    if (s.tags[SOURCE_DELETED_TAG] !== undefined) continue;
    out.push({
      newest: s,
      detail: {
        sourceAccount: input.account,
        sourceRegion: input.region,
        dbId: s.tags[TAG.sourceDb] ?? s.dbId,
        kind: s.kind,
        deletedAt: input.now.toISOString(),
      },
    });
  }
  return out.sort((a, b) => (a.detail.dbId < b.detail.dbId ? -1 : a.detail.dbId > b.detail.dbId ? 1 : 0));
}

/** Parses a "source DB deleted" event detail; returns an error text naming the field instead of throwing. */
export function parseSourceDbDeletedDetail(detail: unknown): SourceDbDeletedDetail | string {
  const d = (detail ?? {}) as Record<string, unknown>;
  if (typeof d.sourceAccount !== "string" || !/^\d{12}$/.test(d.sourceAccount))
    return `detail.sourceAccount must be a 12-digit account id (got ${JSON.stringify(d.sourceAccount)})`;
  if (typeof d.sourceRegion !== "string" || !/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(d.sourceRegion))
    return `detail.sourceRegion must be a region (got ${JSON.stringify(d.sourceRegion)})`;
  if (typeof d.dbId !== "string" || !/^[A-Za-z][A-Za-z0-9-]{0,62}$/.test(d.dbId))
    return `detail.dbId must be a DB identifier (got ${JSON.stringify(d.dbId)})`;
  if (d.kind !== "instance" && d.kind !== "cluster")
    return `detail.kind must be instance or cluster (got ${JSON.stringify(d.kind)})`;
  if (typeof d.deletedAt !== "string" || Number.isNaN(Date.parse(d.deletedAt)))
    return `detail.deletedAt must be an ISO-8601 instant (got ${JSON.stringify(d.deletedAt)})`;
  return {
    sourceAccount: d.sourceAccount,
    sourceRegion: d.sourceRegion,
    dbId: d.dbId,
    kind: d.kind,
    deletedAt: new Date(d.deletedAt).toISOString(),
  };
}

/** Owned DR copies of a deleted source DB that do not carry {@link SOURCE_DELETED_TAG} yet. */
export function copiesToMarkDeleted(copies: readonly Snapshot[], d: SourceDbDeletedDetail): Snapshot[] {
  return copies.filter(
    (s) =>
      isOwned(s.tags) &&
      s.tags[TAG.stage] !== "source" &&
      s.tags[TAG.sourceAccount] === d.sourceAccount &&
      s.tags[TAG.sourceDb] === d.dbId &&
      s.kind === d.kind &&
      s.tags[SOURCE_DELETED_TAG] === undefined,
  );
}

/**
 * When a DB's DR copies say its source was deleted: the earliest valid {@link SOURCE_DELETED_TAG} among them
 * (undefined when none carries it).
 */
export function deletedAtOf(copies: readonly Snapshot[]): Date | undefined {
  let first: number | undefined;
  for (const s of copies) {
    const v = s.tags[SOURCE_DELETED_TAG];
    const t = v === undefined ? Number.NaN : Date.parse(v);
    if (!Number.isNaN(t) && (first === undefined || t < first)) first = t;
  }
  return first === undefined ? undefined : new Date(first);
}

/** True when a DB deleted at `deletedAt` is retired at `now` (the grace period is over). */
export function isRetiredAfterDeletion(deletedAt: Date | undefined, now: Date, graceHours: number): boolean {
  return deletedAt !== undefined && now.getTime() >= deletedAt.getTime() + graceHours * 3_600_000;
}

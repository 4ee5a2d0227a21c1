/**
 * Paginated RDS listings, mapped to the normalized model. Every list uses the SDK v3 paginators (Marker-driven,
 * 100 per page), and reads tags from each item's `TagList`, so a sweep costs one call per page, never one call
 * per snapshot.
 */
import {
  paginateDescribeDBClusterSnapshots,
  paginateDescribeDBClusters,
  paginateDescribeDBInstances,
  paginateDescribeDBSnapshots,
  type RDSClient,
  type Tag,
} from "@aws-sdk/client-rds";
import { SNAPSHOT_FILTER_MAX_VALUES } from "../../config/assumptions";
import { ConfigError } from "./errors";
import {
  type Db,
  type DbKind,
  fromDbCluster,
  fromDbClusterSnapshot,
  fromDbInstance,
  fromDbSnapshot,
  fromFrozenDbClusterSnapshot,
  fromFrozenDbSnapshot,
  type Snapshot,
} from "./model";
import { MANAGED_BY_VALUE, TAG } from "./tags";

/** RDS page size: the API maximum, so a sweep makes as few calls as possible. */
export const PAGE_SIZE = 100;

/** Lists every DB instance (excluding Aurora cluster members, which are covered by their cluster) and cluster. */
export async function listDbs(rds: RDSClient, only?: { kind?: DbKind; id?: string }): Promise<Db[]> {
  const out: Db[] = [];
  if (only?.kind !== "cluster") {
    const input = only?.id ? { DBInstanceIdentifier: only.id } : { MaxRecords: PAGE_SIZE };
    try {
      for await (const page of paginateDescribeDBInstances({ client: rds, pageSize: PAGE_SIZE }, input)) {
        for (const d of page.DBInstances ?? []) {
          const db = fromDbInstance(d);
          if (!db.clusterId) out.push(db);
        }
      }
    } catch (err) {
      if (!(only?.id && isNotFound(err))) throw err;
    }
  }
  if (only?.kind !== "instance") {
    const input = only?.id ? { DBClusterIdentifier: only.id } : { MaxRecords: PAGE_SIZE };
    try {
      for await (const page of paginateDescribeDBClusters({ client: rds, pageSize: PAGE_SIZE }, input)) {
        for (const c of page.DBClusters ?? []) out.push(fromDbCluster(c));
      }
    } catch (err) {
      if (!(only?.id && isNotFound(err))) throw err;
    }
  }
  return out;
}

/** Which snapshots to list. */
export interface SnapshotQuery {
  /** RDS `SnapshotType`: `manual` (ours and others') or `shared` (shared with this account by others). */
  readonly type: "manual" | "shared";
  /** Restrict to one kind. */
  readonly kind?: DbKind;
  /** Restrict to the snapshots of one DB identifier (server-side filter). */
  readonly dbId?: string;
  /**
   * Restrict to the snapshots of these DB identifiers (one server-side filter with several values, at most
   * {@link SNAPSHOT_FILTER_MAX_VALUES}); with `dbId`, both are asked for.
   */
  readonly dbIds?: readonly string[];
}

/** Lists DB snapshots and DB cluster snapshots of the given type. */
export function listSnapshots(rds: RDSClient, q: SnapshotQuery): Promise<Snapshot[]> {
  return listPages(rds, q, [] as Snapshot[], appendPage, identity);
}

/**
 * {@link listSnapshots} as a read-only array. When the listing is one frozen page of frozen items (what the simulator's
 * RDS model hands out again while a listing is unchanged, sim/aws/rds.ts), it is the same frozen array for the same
 * page, with a memo ({@link listMemoOf}) for what a reader derives from it: a caller listing the same snapshots over
 * and over (the Copier's check loop) then neither normalizes nor looks at every listed snapshot again while the
 * listing is unchanged.
 */
export function listSnapshotsOnce(rds: RDSClient, q: SnapshotQuery): Promise<readonly Snapshot[]> {
  return listPages(rds, q, [] as (readonly Snapshot[])[], addPage, joinPages);
}

/*
 * One body for both listings, so both make the same calls with the same awaits (a simulated run's order of
 * asynchronous steps at one virtual instant depends on them).
 */
async function listPages<A, R>(
  rds: RDSClient,
  q: SnapshotQuery,
  acc: A,
  add: <T extends object>(
    acc: A,
    items: readonly T[] | undefined,
    fromFrozen: (s: T) => Snapshot | undefined,
    from: (s: T) => Snapshot,
  ) => void,
  finish: (acc: A) => R,
): Promise<R> {
  const shared = q.type === "shared" ? { IncludeShared: true } : {};
  if (q.kind !== "cluster") {
    const input = {
      SnapshotType: q.type,
      MaxRecords: PAGE_SIZE,
      ...shared,
      ...dbFilter("db-instance-id", q),
    };
    for await (const page of paginateDescribeDBSnapshots({ client: rds, pageSize: PAGE_SIZE }, input)) {
      add(acc, page.DBSnapshots, fromFrozenDbSnapshot, fromDbSnapshot);
    }
  }
  if (q.kind !== "instance") {
    const input = {
      SnapshotType: q.type,
      MaxRecords: PAGE_SIZE,
      ...shared,
      ...dbFilter("db-cluster-id", q),
    };
    for await (const page of paginateDescribeDBClusterSnapshots({ client: rds, pageSize: PAGE_SIZE }, input)) {
      add(acc, page.DBClusterSnapshots, fromFrozenDbClusterSnapshot, fromDbClusterSnapshot);
    }
  }
  return finish(acc);
}

const identity = <T>(x: T): T => x;

/** listSnapshots: every item normalized into one fresh array (no page is remembered: its callers may change it). */
function appendPage<T extends object>(
  out: Snapshot[],
  items: readonly T[] | undefined,
  _fromFrozen: (s: T) => Snapshot | undefined,
  from: (s: T) => Snapshot,
): void {
  if (items === undefined) return;
  for (let i = 0; i < items.length; i++) out.push(from(items[i] as T));
}

/** listSnapshotsOnce: each page normalized, remembered when it is frozen (normalizedPage). */
function addPage<T extends object>(
  pages: (readonly Snapshot[])[],
  items: readonly T[] | undefined,
  fromFrozen: (s: T) => Snapshot | undefined,
  from: (s: T) => Snapshot,
): void {
  const page = normalizedPage(items, fromFrozen, from);
  if (page.length > 0) pages.push(page);
}

function joinPages(pages: (readonly Snapshot[])[]): readonly Snapshot[] {
  if (pages.length === 0) return NO_SNAPSHOTS;
  if (pages.length === 1) return pages[0] as readonly Snapshot[];
  const out: Snapshot[] = [];
  for (const page of pages) for (let i = 0; i < page.length; i++) out.push(page[i] as Snapshot);
  return out;
}

const NO_SNAPSHOTS: readonly Snapshot[] = Object.freeze([]);

/**
 * Normalized pages of frozen Describe items, by page: a frozen page whose items are all frozen cannot change, so its
 * normalized form is one frozen array, made once. The SDK never freezes a response, so a Lambda never hits this; the
 * simulator's RDS model hands the same frozen page out for as long as a listing is unchanged, and about half of the
 * Copier's listings in the 20 DB x 7 day simulation are such repeats (issue 10).
 */
const normalizedPages = new WeakMap<readonly object[], readonly Snapshot[]>();

/** What {@link listMemoOf} returns: one entry per reader, under a key of its own (`copy`: functions/copy/plan.ts). */
export type ListMemo = Record<string, unknown>;
const listMemos = new WeakMap<readonly Snapshot[], ListMemo>();

/**
 * The memo of a listing {@link listSnapshotsOnce} returned that is one remembered frozen page (undefined for any other
 * array): a reader may keep there what it derives from the listing alone. The listing and its snapshots are frozen,
 * so nothing derived from them alone goes stale.
 */
export function listMemoOf(list: readonly Snapshot[]): ListMemo | undefined {
  return listMemos.get(list);
}

/**
 * `snapshots` as a remembered listing (a frozen copy with a memo, {@link listMemoOf}) when every one of them is frozen
 * (its tags too), else as they are: what {@link listSnapshotsOnce} returns for one frozen page, for a caller that holds
 * the normalized snapshots already (tests compare runs on remembered and plain listings).
 */
export function rememberedListing(snapshots: readonly Snapshot[]): readonly Snapshot[] {
  for (const s of snapshots) if (!Object.isFrozen(s) || !Object.isFrozen(s.tags)) return snapshots;
  const out = Object.freeze([...snapshots]);
  listMemos.set(out, {});
  return out;
}

function normalizedPage<T extends object>(
  items: readonly T[] | undefined,
  fromFrozen: (s: T) => Snapshot | undefined,
  from: (s: T) => Snapshot,
): readonly Snapshot[] {
  if (items === undefined || items.length === 0) return NO_SNAPSHOTS;
  const known = normalizedPages.get(items);
  if (known !== undefined) return known;
  const out: Snapshot[] = [];
  if (!Object.isFrozen(items)) {
    for (let i = 0; i < items.length; i++) out.push(from(items[i] as T));
    return out;
  }
  let frozen = true;
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as T;
    const snap = fromFrozen(item);
    if (snap !== undefined) out.push(snap);
    else {
      frozen = false;
      out.push(from(item));
    }
  }
  if (!frozen) return out;
  Object.freeze(out);
  normalizedPages.set(items, out);
  listMemos.set(out, {});
  return out;
}

/**
 * Snapshot statuses that mean "a copy is still running": instances report `creating` (and `copying`), clusters
 * `creating`; `pending` is counted too so a copy RDS has accepted but not begun still takes a slot.
 */
export const IN_PROGRESS_STATUSES: ReadonlySet<string> = new Set(["creating", "copying", "pending"]);

/**
 * Whether a snapshot is one of our copies in flight: owned (`rpl-managed-by`), not a Taker snapshot (stage
 * `source`), status in {@link IN_PROGRESS_STATUSES}. Takes the raw status and a tag lookup so the normalized model
 * (`countInFlight` in functions/copy/plan.ts) and the raw count ({@link countCopiesInFlight}) share one rule.
 */
export function isCopyInFlight(status: string | undefined, tag: (key: string) => string | undefined): boolean {
  return (
    IN_PROGRESS_STATUSES.has((status ?? "unknown").toLowerCase()) &&
    tag(TAG.managedBy) === MANAGED_BY_VALUE &&
    tag(TAG.stage) !== "source"
  );
}

/**
 * Counts our copies in flight in one region (see {@link isCopyInFlight}) over every manual DB and cluster snapshot.
 * It reads the raw items and builds no {@link Snapshot}: the Copier needs only this number from a full listing.
 */
export async function countCopiesInFlight(rds: RDSClient): Promise<number> {
  const input = { SnapshotType: "manual", MaxRecords: PAGE_SIZE };
  const count = (items: readonly { Status?: string; TagList?: Tag[] }[] | undefined) => {
    let n = 0;
    for (const s of items ?? []) if (isCopyInFlight(s.Status, (k) => tagValue(s.TagList, k))) n++;
    return n;
  };
  let total = 0;
  for await (const page of paginateDescribeDBSnapshots({ client: rds, pageSize: PAGE_SIZE }, { ...input })) {
    total += count(page.DBSnapshots);
  }
  for await (const page of paginateDescribeDBClusterSnapshots({ client: rds, pageSize: PAGE_SIZE }, { ...input })) {
    total += count(page.DBClusterSnapshots);
  }
  return total;
}

/** A tag's value read like `tagsToRecord` does: the last entry with the key wins, a missing value is "". */
function tagValue(tags: readonly Tag[] | undefined, key: string): string | undefined {
  let v: string | undefined;
  for (const t of tags ?? []) if (t.Key === key) v = t.Value ?? "";
  return v;
}

/**
 * Server-side filter on the source DB(s). The `DBInstanceIdentifier` / `DBClusterIdentifier` parameters must name an
 * existing DB (DescribeDBSnapshots API reference), which a DR account does not have; the `db-instance-id` /
 * `db-cluster-id` filters match snapshots by their source DB identifier without that constraint.
 */
function dbFilter(name: "db-instance-id" | "db-cluster-id", q: SnapshotQuery) {
  if (q.dbIds === undefined) return q.dbId ? { Filters: [{ Name: name, Values: [q.dbId] }] } : {};
  const values = [...new Set([...(q.dbId ? [q.dbId] : []), ...q.dbIds])].sort();
  // An empty filter matches nothing: list nothing rather than everything.
  if (values.length === 0) throw new ConfigError("listSnapshots: dbIds is empty; name at least one DB");
  if (values.length > SNAPSHOT_FILTER_MAX_VALUES) {
    throw new ConfigError(
      `listSnapshots: ${values.length} DB identifiers in one ${name} filter; at most ${SNAPSHOT_FILTER_MAX_VALUES} (config/assumptions.ts SNAPSHOT_FILTER_MAX_VALUES)`,
    );
  }
  return { Filters: [{ Name: name, Values: values }] };
}

function isNotFound(err: unknown): boolean {
  const name = (err as { name?: string } | undefined)?.name;
  return name === "DBInstanceNotFoundFault" || name === "DBClusterNotFoundFault";
}

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
export async function listSnapshots(rds: RDSClient, q: SnapshotQuery): Promise<Snapshot[]> {
  const out: Snapshot[] = [];
  const shared = q.type === "shared" ? { IncludeShared: true } : {};
  if (q.kind !== "cluster") {
    const input = {
      SnapshotType: q.type,
      MaxRecords: PAGE_SIZE,
      ...shared,
      ...dbFilter("db-instance-id", q),
    };
    for await (const page of paginateDescribeDBSnapshots({ client: rds, pageSize: PAGE_SIZE }, input)) {
      for (const s of page.DBSnapshots ?? []) out.push(fromDbSnapshot(s));
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
      for (const s of page.DBClusterSnapshots ?? []) out.push(fromDbClusterSnapshot(s));
    }
  }
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

/**
 * The RDS part of the model: DB instances, DB clusters and their snapshots in every account and region, with
 * the behaviours the pilot-light handlers depend on (sharing visibility, copy key rules, quotas, lazy status).
 * Each method implements one API call for a caller in (account, region) and is typed with the SDK's own
 * input/output shapes, so `tsc` checks the model against the real API.
 */
import type {
  AddTagsToResourceCommandInput,
  AddTagsToResourceCommandOutput,
  CopyDBClusterSnapshotCommandInput,
  CopyDBClusterSnapshotCommandOutput,
  CopyDBSnapshotCommandInput,
  CopyDBSnapshotCommandOutput,
  CreateDBClusterSnapshotCommandInput,
  CreateDBClusterSnapshotCommandOutput,
  CreateDBInstanceCommandInput,
  CreateDBInstanceCommandOutput,
  CreateDBSnapshotCommandInput,
  CreateDBSnapshotCommandOutput,
  DBCluster,
  DBClusterSnapshot,
  DBInstance,
  DBSnapshot,
  DeleteDBClusterCommandInput,
  DeleteDBClusterCommandOutput,
  DeleteDBClusterSnapshotCommandInput,
  DeleteDBClusterSnapshotCommandOutput,
  DeleteDBInstanceCommandInput,
  DeleteDBInstanceCommandOutput,
  DeleteDBSnapshotCommandInput,
  DeleteDBSnapshotCommandOutput,
  DescribeAccountAttributesCommandOutput,
  DescribeDBClusterSnapshotAttributesCommandInput,
  DescribeDBClusterSnapshotAttributesCommandOutput,
  DescribeDBClusterSnapshotsCommandInput,
  DescribeDBClusterSnapshotsCommandOutput,
  DescribeDBClustersCommandInput,
  DescribeDBClustersCommandOutput,
  DescribeDBInstancesCommandInput,
  DescribeDBInstancesCommandOutput,
  DescribeDBSnapshotAttributesCommandInput,
  DescribeDBSnapshotAttributesCommandOutput,
  DescribeDBSnapshotsCommandInput,
  DescribeDBSnapshotsCommandOutput,
  Filter,
  ListTagsForResourceCommandInput,
  ListTagsForResourceCommandOutput,
  ModifyDBClusterSnapshotAttributeCommandInput,
  ModifyDBClusterSnapshotAttributeCommandOutput,
  ModifyDBSnapshotAttributeCommandInput,
  ModifyDBSnapshotAttributeCommandOutput,
  RemoveTagsFromResourceCommandInput,
  RemoveTagsFromResourceCommandOutput,
  RestoreDBClusterFromSnapshotCommandInput,
  RestoreDBClusterFromSnapshotCommandOutput,
  RestoreDBInstanceFromDBSnapshotCommandInput,
  RestoreDBInstanceFromDBSnapshotCommandOutput,
  Tag,
} from "@aws-sdk/client-rds";
import { DEFAULT_CHANGE_PERCENT_PER_HOUR, TERMINATED_COPY_STATUS } from "../../config/assumptions";
import { isValidSnapshotId } from "../../functions/lib/identifiers";
import { type DbKind, NORMALIZED_SLOT } from "../../functions/lib/model";
import { recordToTags, TAG } from "../../functions/lib/tags";
import {
  dbAlreadyExists,
  dbNotFound,
  invalidDbState,
  invalidParameter,
  invalidSnapshotState,
  kmsKeyNotAccessible,
  rdsGeneric,
  sharedSnapshotQuotaExceeded,
  snapshotAlreadyExists,
  snapshotNotFound,
  snapshotQuotaExceeded,
} from "./errors";
import type { KmsModel } from "./kms";
import {
  arnType,
  type DbRecord,
  dbStatus,
  type ModelFaults,
  type ModelTiming,
  memoOf,
  newSnapRecord,
  rdsArn,
  type SnapRecord,
  scope,
  snapProgress,
  snapStatus,
} from "./state";

/** Service quotas per account and region. */
export interface ModelQuotas {
  /** Manual DB snapshots (AWS default 100). */
  readonly manualSnapshots: number;
  /** Manual DB cluster snapshots (AWS default 100). */
  readonly manualClusterSnapshots: number;
  /** Snapshot copies in progress into one destination region per account (AWS: 20 today, 5 historically). */
  readonly copiesInFlightPerRegion: number;
}

/** What the RDS model needs from the world around it. */
export interface RdsDeps {
  readonly now: () => number;
  readonly timing: Required<ModelTiming>;
  readonly faults: () => ModelFaults;
  readonly quotas: ModelQuotas;
  readonly kms: KmsModel;
}

/** Maximum accounts in a snapshot's `restore` attribute (sharing user guide). */
export const MAX_SHARED_ACCOUNTS = 20;
/** RDS Describe* page size bounds (API reference: MaxRecords minimum 20, maximum 100). */
export const MIN_RECORDS = 20;
export const MAX_RECORDS = 100;

const META = { httpStatusCode: 200 };
const MINUTE = 60_000;
const ACCOUNT_ID = /^\d{12}$/;

/** Input of a DB or snapshot fixture. */
export interface DbFixture {
  id: string;
  sizeGb?: number;
  engine?: string;
  tags?: Record<string, string>;
  status?: string;
  kmsKeyArn?: string;
  clusterId?: string;
  /** Percent of the data changed per hour (default `DEFAULT_CHANGE_PERCENT_PER_HOUR`). */
  changePercentPerHour?: number;
}

/** A snapshot fixture created directly in its final state (foreign manual snapshots, automated ones). */
export interface SnapshotFixture {
  kind: DbKind;
  id: string;
  dbId: string;
  type?: "manual" | "automated";
  createdAt?: Date;
  tags?: Record<string, string>;
  sizeGb?: number;
  kmsKeyArn?: string;
  engine?: string;
  changePercentPerHour?: number;
}

/** What {@link RdsModel.deletions} keeps of a deleted snapshot. */
export interface DeletedSnapshot {
  readonly account: string;
  readonly region: string;
  readonly kind: DbKind;
  readonly id: string;
  readonly tags: Readonly<Record<string, string>>;
  /** When the snapshot (or copy) completed, epoch ms. */
  readonly doneAt: number;
  readonly deletedAt: number;
}

/**
 * Drops what the model derived from a record no longer held (its memoized views): a deleted record stays reachable
 * as the `source` of its copies, which need only its identity and fields.
 */
function forget(rec: SnapRecord): void {
  rec.memo = undefined;
}

/**
 * The copies held in one account and region of one original DB (`account|region|origin`) that have not failed: how
 * many, how many under each KMS key, and the one that completed last (the first held of those that completed then),
 * `null` while none is, `undefined` when it must be found again (after that copy left, or completion times moved).
 */
interface CopiesOf {
  count: number;
  readonly byKey: Map<string | undefined, number>;
  newest: SnapRecord | null | undefined;
}

interface Listed {
  readonly rec: SnapRecord;
  readonly shared: boolean;
}

/** The RDS service of every account and region. */
export class RdsModel {
  /**
   * Every snapshot deleted through the API, with when (inspection: owners and lifetimes, sim/deletionAudit.ts). Only
   * what the audit reads is kept, not the record: a deleted record with its memoized views weighed ~5 KB, and a
   * simulated week deletes ~14,000 snapshots.
   */
  readonly deletions: DeletedSnapshot[] = [];
  private readonly dbs = new Map<string, Map<string, DbRecord>>();
  private readonly snaps = new Map<string, Map<string, SnapRecord>>();
  /** `viewer|region|kind` -> snapshots of other accounts shared with the viewer in that region. */
  private readonly sharedIn = new Map<string, Set<SnapRecord>>();
  /**
   * `account|region|kind|dbId` -> owned snapshots of that DB identifier (`DBInstanceIdentifier` /
   * `DBClusterIdentifier`), in creation order: the same records, in the same order, as filtering {@link snaps}.
   * A listing of one DB (the Copier's and Checker's scoped reads) costs that DB's snapshots, not the region's.
   */
  private readonly ownedByDb = new Map<string, Map<string, SnapRecord>>();
  /** `viewer|region|kind|dbId` -> {@link sharedIn} of that DB identifier, in the same order. */
  private readonly sharedByDb = new Map<string, Set<SnapRecord>>();
  /** `viewer|region|kind` -> bumped whenever {@link sharedIn} there changes (listing cache). */
  private readonly sharedVersions = new Map<string, number>();
  /** `account|region|origin` -> snapshots of that original DB held there (incremental rule). */
  private readonly byOrigin = new Map<string, Set<SnapRecord>>();
  /** `account|region|label` -> snapshots held there whose DB label (`rpl-source-db` tag, else DB id) is `label`. */
  private readonly byLabel = new Map<string, Set<SnapRecord>>();
  /** `account|region` -> bumped whenever a snapshot there is added, removed, retagged or re-shared. */
  private readonly versions = new Map<string, number>();
  /**
   * `account|region|kind` -> bumped whenever a snapshot of that kind is added there or removed: all a listing's
   * membership and order depend on (no filter reads tags, sharing or status), so retagging or re-sharing a snapshot
   * (views are built per page, from the record's current state) leaves the cached listings valid.
   */
  private readonly membership = new Map<string, number>();
  /** `account|region|kind` -> manual snapshots held (the quota count). */
  private readonly manualCounts = new Map<string, number>();
  /** `account|region` -> copies into there not yet seen finished, as of `at` (see `copiesInFlight`). */
  private readonly inFlight = new Map<string, { at: number; copies: Set<SnapRecord> }>();
  /**
   * `account|region|origin` -> completion time of the newest *completed* copy of that DB deleted there (rule
   * INC-MOST-RECENT-DELETED: the next copy is full when the most recent copy was deleted).
   */
  private readonly deletedCopyAt = new Map<string, number>();
  /** origin -> copies of that DB's snapshots not yet finished, in any destination (rule COPY-QUEUE-SAME-DB). */
  private readonly pendingByOrigin = new Map<string, Set<SnapRecord>>();
  /**
   * `account|region|origin` -> what {@link RdsModel.incrementalBase} reads of the copies held there that have not
   * failed ({@link CopiesOf}), kept current by insert, remove and terminateCopy, so a copy does not read every
   * snapshot of its DB held in the destination (~50 records per copy in a simulated week).
   */
  private readonly copiesByOrigin = new Map<string, CopiesOf>();
  /**
   * Recent region-wide Describe*Snapshots listings (before paging) by query, valid while nothing they can hold
   * changed: the owner's snapshots of that kind there ({@link membership}) and, when shared ones are listed,
   * {@link sharedIn}.
   */
  private readonly listingCache = new Map<string, { version: string; items: Listed[] }>();

  /**
   * `account|region|kind|dbId` ({@link dbKey}) -> the SDK views of that DB identifier's snapshots as the account
   * lists them: its own there ({@link ownedByDb}, same order) and those shared with it there ({@link sharedByDb}, same
   * order). Kept current by insert, remove, share, unshare and {@link RdsModel.touch}, so a one-DB listing reads
   * arrays instead of every snapshot record (see {@link RdsModel.dbListingViews}).
   */
  private readonly dbViews = new Map<string, { owned: ViewSide; shared: ViewSide }>();
  /**
   * `account|region|kind` -> the same for the whole region: the account's own snapshots of that kind there
   * ({@link snaps}, same order) and those shared with it there ({@link sharedIn}, same order).
   */
  private readonly regionViews = new Map<string, { owned: ViewSide; shared: ViewSide }>();

  /** `account|region` -> readers following the owned snapshots there ({@link RdsModel.watchSnapshots}). */
  private readonly watches = new Map<string, SnapshotWatch[]>();

  constructor(private readonly deps: RdsDeps) {}

  // ---------------------------------------------------------------- inspection (no faults, no call records)

  /**
   * Starts following the owned snapshots of (account, region): every record held there now, and from then on every
   * record added, removed or changed there ({@link RdsModel.touch}), is put in the watch's `dirty` set; the reader
   * empties it (and keeps `pending` itself). Time alone changes nothing here: a reader looks again at the records it
   * saw in progress.
   */
  watchSnapshots(account: string, region: string): SnapshotWatch {
    const w: SnapshotWatch = { dirty: new Set(this.ownedSnapshots(account, region)), pending: new Set() };
    getOrCreate(this.watches, scopeKey(account, region), () => []).push(w);
    return w;
  }

  /**
   * Where `rec` stands in the listings of its account and region (DB snapshots, then DB cluster snapshots, each in
   * creation order): a number that orders held records as those listings do; -1 for a record no longer held.
   */
  listingRank(rec: SnapRecord): number {
    const i = this.regionViews.get(kindKey(rec.account, rec.region, rec.kind))?.owned.pos.get(rec);
    if (i === undefined) return -1;
    return rec.kind === "cluster" ? 2 ** 31 + i : i;
  }

  private notify(rec: SnapRecord): void {
    if (this.watches.size === 0) return;
    const ws = this.watches.get(scopeKey(rec.account, rec.region));
    if (ws !== undefined) for (const w of ws) w.dirty.add(rec);
  }

  // ---------------------------------------------------------------- fixtures (no faults, no call records)

  /** Adds a DB instance or cluster. */
  addDb(kind: DbKind, account: string, region: string, db: DbFixture): void {
    if (!db.id) throw new Error("addDb: id is required");
    const map = this.dbMap(account, region, kind);
    if (map.has(db.id)) throw new Error(`addDb: ${kind} ${db.id} already exists in ${account}/${region}`);
    const key = db.kmsKeyArn ? this.deps.kms.resolve(account, region, db.kmsKeyArn) : undefined;
    if (db.kmsKeyArn && !key) throw new Error(`addDb: kmsKeyArn ${db.kmsKeyArn} is not a key of the model`);
    const rate = db.changePercentPerHour ?? DEFAULT_CHANGE_PERCENT_PER_HOUR;
    if (!(rate >= 0)) throw new Error(`addDb: changePercentPerHour must be a number >= 0 (got ${rate})`);
    map.set(db.id, {
      kind,
      account,
      region,
      id: db.id,
      arn: rdsArn(region, account, arnType(kind, "db"), db.id),
      sizeGb: db.sizeGb ?? 20,
      engine: db.engine ?? (kind === "cluster" ? "aurora-postgresql" : "postgres"),
      tags: { ...(db.tags ?? {}) },
      status: db.status ?? "available",
      ...(key ? { kmsKeyArn: key.arn } : {}),
      ...(db.clusterId ? { clusterId: db.clusterId } : {}),
      changePercentPerHour: rate,
      createdAt: this.deps.now(),
      readyAt: 0,
      busyUntil: 0,
    });
  }

  /** Removes a DB instance (or, when no instance has that id, a cluster). Its snapshots stay, as in RDS. */
  deleteDb(account: string, region: string, id: string): void {
    if (this.dbMap(account, region, "instance").delete(id)) return;
    if (this.dbMap(account, region, "cluster").delete(id)) return;
    throw new Error(`deleteDb: no DB ${id} in ${account}/${region}`);
  }

  /** Sets the status a DB shows once any creation is over (`stopped`, `modifying`, ...). */
  setDbStatus(account: string, region: string, kind: DbKind, id: string, status: string): void {
    const db = this.dbMap(account, region, kind).get(id);
    if (!db) throw new Error(`setDbStatus: no ${kind} ${id} in ${account}/${region}`);
    db.status = status;
  }

  /** Adds an already-available snapshot (automated ones, or manual ones this tool does not own). */
  addSnapshot(account: string, region: string, f: SnapshotFixture): void {
    const key = f.kmsKeyArn ? this.deps.kms.resolve(account, region, f.kmsKeyArn) : undefined;
    if (f.kmsKeyArn && !key) throw new Error(`addSnapshot: kmsKeyArn ${f.kmsKeyArn} is not a key of the model`);
    const at = (f.createdAt ?? new Date(this.deps.now())).getTime();
    this.insert(
      newSnapRecord({
        kind: f.kind,
        account,
        region,
        id: f.id,
        arn: rdsArn(region, account, arnType(f.kind, "snapshot"), f.id),
        dbId: f.dbId,
        origin: originOf(account, region, f.kind, f.dbId),
        engine: f.engine ?? (f.kind === "cluster" ? "aurora-postgresql" : "postgres"),
        sizeGb: f.sizeGb ?? 20,
        type: f.type ?? "manual",
        startedAt: at,
        runsFrom: at,
        doneAt: at,
        changePercentPerHour: f.changePercentPerHour ?? DEFAULT_CHANGE_PERCENT_PER_HOUR,
        gbMoved: 0,
        fails: false,
        originalCreatedAt: at,
        ...(key ? { kmsKeyId: key.arn } : {}),
        tags: { ...(f.tags ?? {}) },
        crossRegion: false,
        crossAccount: false,
        incremental: false,
      }),
    );
  }

  /** Owned snapshots of one account and region (both kinds), in creation order. */
  ownedSnapshots(account: string, region: string): SnapRecord[] {
    return [
      ...this.snapMap(account, region, "instance").values(),
      ...this.snapMap(account, region, "cluster").values(),
    ];
  }

  /**
   * Changes whenever a snapshot of (account, region) is added, removed, retagged or re-shared; status changes that
   * come with time alone do not count (they are derived at each read).
   */
  snapshotsVersion(account: string, region: string): number {
    return this.versions.get(scopeKey(account, region)) ?? 0;
  }

  /** An owned snapshot by exact (stored, lowercase) identifier: instances first, then clusters. */
  ownedSnapshot(account: string, region: string, id: string): SnapRecord | undefined {
    return this.snapMap(account, region, "instance").get(id) ?? this.snapMap(account, region, "cluster").get(id);
  }

  /**
   * Owned snapshots of (account, region) labelled with DB `label`: the `rpl-source-db` tag when present, else the
   * DB identifier, i.e. exactly the normalized `Snapshot.dbId`. Unordered.
   */
  snapshotsLabelled(account: string, region: string, label: string): ReadonlySet<SnapRecord> {
    return this.byLabel.get(`${scopeKey(account, region)}|${label}`) ?? EMPTY_SET;
  }

  /** DBs of one account and region (both kinds). */
  ownedDbs(account: string, region: string): DbRecord[] {
    return [...this.dbMap(account, region, "instance").values(), ...this.dbMap(account, region, "cluster").values()];
  }

  /** DBSnapshot / DBClusterSnapshot view of a record, as its owner sees it. */
  view(rec: SnapRecord, now = this.deps.now()): DBSnapshot | DBClusterSnapshot {
    return rec.kind === "cluster" ? this.clusterSnapshotView(rec, false, now) : this.dbSnapshotView(rec, false, now);
  }

  // ---------------------------------------------------------------- DB instances and clusters

  describeDBInstances(account: string, region: string, input: DescribeDBInstancesCommandInput) {
    const items = this.describeDbs("instance", account, region, input.DBInstanceIdentifier, input.Filters);
    const { page, marker } = paginate(items, input);
    return {
      $metadata: META,
      DBInstances: page.map((d) => this.instanceView(d)),
      ...(marker ? { Marker: marker } : {}),
    } satisfies DescribeDBInstancesCommandOutput;
  }

  describeDBClusters(account: string, region: string, input: DescribeDBClustersCommandInput) {
    const items = this.describeDbs("cluster", account, region, input.DBClusterIdentifier, input.Filters);
    const { page, marker } = paginate(items, input);
    return {
      $metadata: META,
      DBClusters: page.map((d) => this.clusterView(d)),
      ...(marker ? { Marker: marker } : {}),
    } satisfies DescribeDBClustersCommandOutput;
  }

  createDBInstance(account: string, region: string, input: CreateDBInstanceCommandInput) {
    const id = required(input.DBInstanceIdentifier, "DBInstanceIdentifier");
    const map = this.dbMap(account, region, "instance");
    if (map.has(id)) throw dbAlreadyExists("instance", id);
    let sizeGb = input.AllocatedStorage ?? 20;
    let kmsKeyArn = input.KmsKeyId ? this.kmsFor(account, region, input.KmsKeyId).arn : undefined;
    if (input.DBClusterIdentifier) {
      const cluster = this.dbMap(account, region, "cluster").get(input.DBClusterIdentifier);
      if (!cluster) throw dbNotFound("cluster", input.DBClusterIdentifier);
      sizeGb = 0; // storage belongs to the cluster volume
      kmsKeyArn = cluster.kmsKeyArn;
    }
    const now = this.deps.now();
    const rec: DbRecord = {
      kind: "instance",
      account,
      region,
      id,
      arn: rdsArn(region, account, "db", id),
      sizeGb,
      engine: input.Engine ?? "postgres",
      tags: tagRecord(input.Tags, "Tags"),
      status: "available",
      ...(kmsKeyArn ? { kmsKeyArn } : {}),
      ...(input.DBClusterIdentifier ? { clusterId: input.DBClusterIdentifier } : {}),
      changePercentPerHour: DEFAULT_CHANGE_PERCENT_PER_HOUR,
      createdAt: now,
      readyAt: now + this.deps.timing.restoreMinutes({ sizeGb, kind: "instance" }) * MINUTE,
      busyUntil: 0,
    };
    map.set(id, rec);
    return { $metadata: META, DBInstance: this.instanceView(rec) } satisfies CreateDBInstanceCommandOutput;
  }

  deleteDBInstance(account: string, region: string, input: DeleteDBInstanceCommandInput) {
    const id = required(input.DBInstanceIdentifier, "DBInstanceIdentifier");
    const map = this.dbMap(account, region, "instance");
    const rec = map.get(id);
    if (!rec) throw dbNotFound("instance", id);
    if (rec.clusterId && input.FinalDBSnapshotIdentifier) {
      throw rdsGeneric(
        "InvalidParameterCombination",
        "FinalDBSnapshotIdentifier can't be specified for a cluster member",
      );
    }
    this.finalSnapshot("instance", account, region, rec, input.SkipFinalSnapshot, input.FinalDBSnapshotIdentifier);
    map.delete(id);
    return {
      $metadata: META,
      DBInstance: { ...this.instanceView(rec), DBInstanceStatus: "deleting" },
    } satisfies DeleteDBInstanceCommandOutput;
  }

  deleteDBCluster(account: string, region: string, input: DeleteDBClusterCommandInput) {
    const id = required(input.DBClusterIdentifier, "DBClusterIdentifier");
    const map = this.dbMap(account, region, "cluster");
    const rec = map.get(id);
    if (!rec) throw dbNotFound("cluster", id);
    const members = this.members(account, region, id);
    if (members.length > 0) {
      throw invalidDbState("cluster", `Cluster ${id} still has instances: ${members.map((m) => m.id).join(", ")}`);
    }
    this.finalSnapshot("cluster", account, region, rec, input.SkipFinalSnapshot, input.FinalDBSnapshotIdentifier);
    map.delete(id);
    return {
      $metadata: META,
      DBCluster: { ...this.clusterView(rec), Status: "deleting" },
    } satisfies DeleteDBClusterCommandOutput;
  }

  restoreDBInstanceFromDBSnapshot(account: string, region: string, input: RestoreDBInstanceFromDBSnapshotCommandInput) {
    const id = required(input.DBInstanceIdentifier, "DBInstanceIdentifier");
    const snap = this.resolveForUse(
      "instance",
      account,
      region,
      required(input.DBSnapshotIdentifier, "DBSnapshotIdentifier"),
    );
    const rec = this.restore("instance", account, region, id, snap, input.Tags, undefined, input.Engine);
    return {
      $metadata: META,
      DBInstance: this.instanceView(rec),
    } satisfies RestoreDBInstanceFromDBSnapshotCommandOutput;
  }

  restoreDBClusterFromSnapshot(account: string, region: string, input: RestoreDBClusterFromSnapshotCommandInput) {
    const id = required(input.DBClusterIdentifier, "DBClusterIdentifier");
    required(input.Engine, "Engine");
    const snap = this.resolveForUse(
      "cluster",
      account,
      region,
      required(input.SnapshotIdentifier, "SnapshotIdentifier"),
    );
    const rec = this.restore("cluster", account, region, id, snap, input.Tags, input.KmsKeyId, input.Engine);
    return { $metadata: META, DBCluster: this.clusterView(rec) } satisfies RestoreDBClusterFromSnapshotCommandOutput;
  }

  // ---------------------------------------------------------------- snapshots

  describeDBSnapshots(account: string, region: string, input: DescribeDBSnapshotsCommandInput) {
    const q = {
      id: input.DBSnapshotIdentifier,
      dbId: input.DBInstanceIdentifier,
      type: input.SnapshotType,
      includeShared: input.IncludeShared ?? false,
      filters: input.Filters,
    };
    const fast = this.dbListingViews("instance", account, region, q, input);
    if (fast !== undefined) {
      const { page, marker } = fast;
      return {
        $metadata: META,
        DBSnapshots: page as DBSnapshot[],
        ...(marker ? { Marker: marker } : {}),
      } satisfies DescribeDBSnapshotsCommandOutput;
    }
    const items = this.listSnapshots("instance", account, region, q);
    const { page, marker } = paginate(items, input);
    const now = this.deps.now();
    return {
      $metadata: META,
      DBSnapshots: page.map((l) => this.dbSnapshotView(l.rec, l.shared, now)),
      ...(marker ? { Marker: marker } : {}),
    } satisfies DescribeDBSnapshotsCommandOutput;
  }

  describeDBClusterSnapshots(account: string, region: string, input: DescribeDBClusterSnapshotsCommandInput) {
    const q = {
      id: input.DBClusterSnapshotIdentifier,
      dbId: input.DBClusterIdentifier,
      type: input.SnapshotType,
      includeShared: input.IncludeShared ?? false,
      filters: input.Filters,
    };
    const fast = this.dbListingViews("cluster", account, region, q, input);
    if (fast !== undefined) {
      const { page, marker } = fast;
      return {
        $metadata: META,
        DBClusterSnapshots: page as DBClusterSnapshot[],
        ...(marker ? { Marker: marker } : {}),
      } satisfies DescribeDBClusterSnapshotsCommandOutput;
    }
    const items = this.listSnapshots("cluster", account, region, q);
    const { page, marker } = paginate(items, input);
    const now = this.deps.now();
    return {
      $metadata: META,
      DBClusterSnapshots: page.map((l) => this.clusterSnapshotView(l.rec, l.shared, now)),
      ...(marker ? { Marker: marker } : {}),
    } satisfies DescribeDBClusterSnapshotsCommandOutput;
  }

  createDBSnapshot(account: string, region: string, input: CreateDBSnapshotCommandInput) {
    const rec = this.createSnapshot(
      "instance",
      account,
      region,
      required(input.DBInstanceIdentifier, "DBInstanceIdentifier"),
      required(input.DBSnapshotIdentifier, "DBSnapshotIdentifier"),
      input.Tags,
    );
    return { $metadata: META, DBSnapshot: this.dbSnapshotView(rec, false) } satisfies CreateDBSnapshotCommandOutput;
  }

  createDBClusterSnapshot(account: string, region: string, input: CreateDBClusterSnapshotCommandInput) {
    const rec = this.createSnapshot(
      "cluster",
      account,
      region,
      required(input.DBClusterIdentifier, "DBClusterIdentifier"),
      required(input.DBClusterSnapshotIdentifier, "DBClusterSnapshotIdentifier"),
      input.Tags,
    );
    return {
      $metadata: META,
      DBClusterSnapshot: this.clusterSnapshotView(rec, false),
    } satisfies CreateDBClusterSnapshotCommandOutput;
  }

  copyDBSnapshot(account: string, region: string, input: CopyDBSnapshotCommandInput) {
    const rec = this.copySnapshot("instance", account, region, {
      source: required(input.SourceDBSnapshotIdentifier, "SourceDBSnapshotIdentifier"),
      target: required(input.TargetDBSnapshotIdentifier, "TargetDBSnapshotIdentifier"),
      kmsKeyId: input.KmsKeyId,
      tags: input.Tags,
      copyTags: input.CopyTags ?? false,
    });
    return { $metadata: META, DBSnapshot: this.dbSnapshotView(rec, false) } satisfies CopyDBSnapshotCommandOutput;
  }

  copyDBClusterSnapshot(account: string, region: string, input: CopyDBClusterSnapshotCommandInput) {
    const rec = this.copySnapshot("cluster", account, region, {
      source: required(input.SourceDBClusterSnapshotIdentifier, "SourceDBClusterSnapshotIdentifier"),
      target: required(input.TargetDBClusterSnapshotIdentifier, "TargetDBClusterSnapshotIdentifier"),
      kmsKeyId: input.KmsKeyId,
      tags: input.Tags,
      copyTags: input.CopyTags ?? false,
    });
    return {
      $metadata: META,
      DBClusterSnapshot: this.clusterSnapshotView(rec, false),
    } satisfies CopyDBClusterSnapshotCommandOutput;
  }

  deleteDBSnapshot(account: string, region: string, input: DeleteDBSnapshotCommandInput) {
    const rec = this.deleteSnapshot(
      "instance",
      account,
      region,
      required(input.DBSnapshotIdentifier, "DBSnapshotIdentifier"),
    );
    const out = {
      $metadata: META,
      DBSnapshot: { ...this.dbSnapshotView(rec, false), Status: "deleted" },
    } satisfies DeleteDBSnapshotCommandOutput;
    forget(rec);
    return out;
  }

  deleteDBClusterSnapshot(account: string, region: string, input: DeleteDBClusterSnapshotCommandInput) {
    const id = required(input.DBClusterSnapshotIdentifier, "DBClusterSnapshotIdentifier");
    const rec = this.deleteSnapshot("cluster", account, region, id);
    const out = {
      $metadata: META,
      DBClusterSnapshot: { ...this.clusterSnapshotView(rec, false), Status: "deleted" },
    } satisfies DeleteDBClusterSnapshotCommandOutput;
    forget(rec);
    return out;
  }

  describeDBSnapshotAttributes(account: string, region: string, input: DescribeDBSnapshotAttributesCommandInput) {
    const rec = this.owned("instance", account, region, required(input.DBSnapshotIdentifier, "DBSnapshotIdentifier"));
    return {
      $metadata: META,
      DBSnapshotAttributesResult: { DBSnapshotIdentifier: rec.id, DBSnapshotAttributes: attributes(rec) },
    } satisfies DescribeDBSnapshotAttributesCommandOutput;
  }

  describeDBClusterSnapshotAttributes(
    account: string,
    region: string,
    input: DescribeDBClusterSnapshotAttributesCommandInput,
  ) {
    const id = required(input.DBClusterSnapshotIdentifier, "DBClusterSnapshotIdentifier");
    const rec = this.owned("cluster", account, region, id);
    return {
      $metadata: META,
      DBClusterSnapshotAttributesResult: {
        DBClusterSnapshotIdentifier: rec.id,
        DBClusterSnapshotAttributes: attributes(rec),
      },
    } satisfies DescribeDBClusterSnapshotAttributesCommandOutput;
  }

  modifyDBSnapshotAttribute(account: string, region: string, input: ModifyDBSnapshotAttributeCommandInput) {
    const rec = this.modifyAttribute("instance", account, region, {
      id: required(input.DBSnapshotIdentifier, "DBSnapshotIdentifier"),
      name: required(input.AttributeName, "AttributeName"),
      add: input.ValuesToAdd ?? [],
      remove: input.ValuesToRemove ?? [],
    });
    return {
      $metadata: META,
      DBSnapshotAttributesResult: { DBSnapshotIdentifier: rec.id, DBSnapshotAttributes: attributes(rec) },
    } satisfies ModifyDBSnapshotAttributeCommandOutput;
  }

  modifyDBClusterSnapshotAttribute(
    account: string,
    region: string,
    input: ModifyDBClusterSnapshotAttributeCommandInput,
  ) {
    const rec = this.modifyAttribute("cluster", account, region, {
      id: required(input.DBClusterSnapshotIdentifier, "DBClusterSnapshotIdentifier"),
      name: required(input.AttributeName, "AttributeName"),
      add: input.ValuesToAdd ?? [],
      remove: input.ValuesToRemove ?? [],
    });
    return {
      $metadata: META,
      DBClusterSnapshotAttributesResult: {
        DBClusterSnapshotIdentifier: rec.id,
        DBClusterSnapshotAttributes: attributes(rec),
      },
    } satisfies ModifyDBClusterSnapshotAttributeCommandOutput;
  }

  // ---------------------------------------------------------------- tags and account

  addTagsToResource(account: string, region: string, input: AddTagsToResourceCommandInput) {
    const target = this.taggable(account, region, required(input.ResourceName, "ResourceName"));
    const add = tagRecord(input.Tags, "Tags");
    const merged = { ...target.tags, ...add };
    if (Object.keys(merged).length > 50) throw invalidParameter("Tags", Object.keys(merged).length, "exceeds 50 tags");
    this.setTags(target, merged);
    return { $metadata: META } satisfies AddTagsToResourceCommandOutput;
  }

  removeTagsFromResource(account: string, region: string, input: RemoveTagsFromResourceCommandInput) {
    const target = this.taggable(account, region, required(input.ResourceName, "ResourceName"));
    const next = { ...target.tags };
    for (const k of input.TagKeys ?? []) delete next[k];
    this.setTags(target, next);
    return { $metadata: META } satisfies RemoveTagsFromResourceCommandOutput;
  }

  listTagsForResource(account: string, region: string, input: ListTagsForResourceCommandInput) {
    const target = this.taggable(account, region, required(input.ResourceName, "ResourceName"));
    return { $metadata: META, TagList: recordToTags(target.tags) } satisfies ListTagsForResourceCommandOutput;
  }

  describeAccountAttributes(account: string, region: string) {
    const count = (kind: DbKind) => this.manualCount(account, region, kind);
    return {
      $metadata: META,
      AccountQuotas: [
        { AccountQuotaName: "ManualSnapshots", Used: count("instance"), Max: this.deps.quotas.manualSnapshots },
        {
          AccountQuotaName: "ManualClusterSnapshots",
          Used: count("cluster"),
          Max: this.deps.quotas.manualClusterSnapshots,
        },
      ],
    } satisfies DescribeAccountAttributesCommandOutput;
  }

  // ---------------------------------------------------------------- internals: snapshots

  private createSnapshot(
    kind: DbKind,
    account: string,
    region: string,
    dbId: string,
    rawId: string,
    tags: Tag[] | undefined,
  ): SnapRecord {
    const idField = kind === "cluster" ? "DBClusterSnapshotIdentifier" : "DBSnapshotIdentifier";
    const id = checkSnapshotId(kind, rawId, idField);
    const db = this.dbMap(account, region, kind).get(dbId);
    if (!db) throw dbNotFound(kind, dbId);
    const now = this.deps.now();
    if (db.clusterId) {
      throw invalidDbState(
        "instance",
        `DB instance ${dbId} is a member of cluster ${db.clusterId}; snapshot the cluster`,
      );
    }
    const status = dbStatus(db, now);
    if (status !== "available") {
      throw invalidDbState(
        kind,
        `${kind === "cluster" ? "DB cluster" : "DB instance"} ${dbId} is not available (${status})`,
      );
    }
    if (this.snapMap(account, region, kind).has(id)) throw snapshotAlreadyExists(kind, id);
    const tagRec = tagRecord(tags, "Tags");
    this.checkManualQuota(kind, account, region);
    const origin = originOf(account, region, kind, dbId);
    const incremental = this.hasAvailable(account, region, origin, () => true, now);
    const minutes = this.deps.timing.snapshotMinutes({ sizeGb: db.sizeGb, kind, incremental });
    const rec = newSnapRecord({
      kind,
      account,
      region,
      id,
      arn: rdsArn(region, account, arnType(kind, "snapshot"), id),
      dbId,
      origin,
      engine: db.engine,
      sizeGb: db.sizeGb,
      type: "manual",
      startedAt: now,
      runsFrom: now,
      doneAt: now + minutes * MINUTE,
      changePercentPerHour: db.changePercentPerHour,
      gbMoved: 0,
      fails: false,
      originalCreatedAt: now,
      ...(db.kmsKeyArn ? { kmsKeyId: db.kmsKeyArn } : {}),
      tags: tagRec,
      crossRegion: false,
      crossAccount: false,
      incremental,
    });
    this.insert(rec);
    // A single-AZ instance shows `backing-up` while RDS takes the snapshot; clusters stay `available`.
    if (kind === "instance") db.busyUntil = Math.max(db.busyUntil, rec.doneAt);
    return rec;
  }

  private copySnapshot(
    kind: DbKind,
    account: string,
    region: string,
    p: { source: string; target: string; kmsKeyId?: string; tags?: Tag[]; copyTags: boolean },
  ): SnapRecord {
    const targetField = kind === "cluster" ? "TargetDBClusterSnapshotIdentifier" : "TargetDBSnapshotIdentifier";
    const id = checkSnapshotId(kind, p.target, targetField);
    const src = this.resolveForUse(kind, account, region, p.source);
    const now = this.deps.now();
    const srcStatus = snapStatus(src, now);
    if (srcStatus !== "available") {
      throw invalidSnapshotState(kind, `Snapshot ${src.arn} is not in available state (${srcStatus})`);
    }
    const crossRegion = src.region !== region;
    const crossAccount = src.account !== account;
    // Rule CLUSTER-COPY-ONE-HOP: a DB cluster snapshot crosses accounts only inside one region, so a shared
    // cluster snapshot can't be copied into another region in one step (Aurora user guide).
    if (kind === "cluster" && crossRegion && crossAccount) {
      throw rdsGeneric(
        "InvalidParameterCombination",
        `DB cluster snapshot ${src.arn} is owned by another account and is in another region: copy it into ` +
          `${src.region} first, then copy that copy to ${region}`,
      );
    }
    if (this.snapMap(account, region, kind).has(id)) throw snapshotAlreadyExists(kind, id);
    const tags = {
      ...(p.copyTags && !crossAccount ? src.tags : {}),
      ...tagRecord(p.tags, "Tags"),
    };

    // Key rules (CopyDBSnapshot API reference, KmsKeyId): a shared encrypted snapshot or a cross-region copy
    // needs a KmsKeyId in the destination; the copying account must be allowed to use the source key.
    let destKeyArn: string | undefined;
    if (src.kmsKeyId) {
      const srcKey = this.deps.kms.resolve(src.account, src.region, src.kmsKeyId);
      const denied = this.deps.faults().copyKeyDenied?.({
        account,
        region,
        sourceAccount: src.origin.split("|")[0] ?? "",
        dbId: src.dbId,
        now: new Date(now),
      });
      if (!srcKey || !this.deps.kms.canUse(srcKey, account) || denied) {
        throw kmsKeyNotAccessible(
          `The source snapshot KMS key [${src.kmsKeyId}] does not exist, is not enabled or you do not have permissions to access it.`,
        );
      }
      if ((crossAccount || crossRegion) && !p.kmsKeyId) {
        throw kmsKeyNotAccessible(
          "The target KMS key [None] does not exist, is not enabled or you do not have permissions to access it.",
        );
      }
      destKeyArn = p.kmsKeyId ? this.kmsFor(account, region, p.kmsKeyId).arn : srcKey.arn;
    } else if (p.kmsKeyId) {
      destKeyArn = this.kmsFor(account, region, p.kmsKeyId).arn;
    }

    this.checkManualQuota(kind, account, region);
    const inFlight = this.copiesInFlight(account, region, now);
    const maxCopies = this.deps.quotas.copiesInFlightPerRegion;
    if (inFlight >= maxCopies) {
      throw snapshotQuotaExceeded(
        crossRegion
          ? `Cannot copy more than ${maxCopies} snapshots across regions`
          : `Cannot have more than ${maxCopies} snapshot copies in progress in ${region}`,
      );
    }

    // Rule COPY-QUEUE-SAME-DB: the copy starts once earlier copies of the same source DB are complete; rules INC-*
    // and AURORA-COPY-FULL decide, as of that start, whether it is incremental; COPY-BYTES sizes it.
    const runsFrom = this.queueStart(src.origin, now);
    const inc = this.incrementalBase(kind, account, region, src, destKeyArn, runsFrom);
    const incremental = inc.base !== undefined;
    const gbMoved = inc.base ? changedGb(src, inc.base) : src.sizeGb;
    const faults = this.deps.faults();
    const failRate = faults.failCopyRate ?? 0;
    const fails = failRate > 0 && (faults.random ?? half)() < failRate;
    const minutes = this.deps.timing.copyMinutes({ sizeGb: src.sizeGb, kind, incremental, crossRegion, gbMoved });
    const rec = newSnapRecord({
      kind,
      account,
      region,
      id,
      arn: rdsArn(region, account, arnType(kind, "snapshot"), id),
      dbId: src.dbId,
      origin: src.origin,
      engine: src.engine,
      sizeGb: src.sizeGb,
      type: "manual",
      startedAt: now,
      runsFrom,
      doneAt: runsFrom + minutes * MINUTE,
      changePercentPerHour: src.changePercentPerHour,
      gbMoved,
      ...(inc.reason ? { fullReason: inc.reason } : {}),
      fails,
      originalCreatedAt: src.originalCreatedAt,
      ...(destKeyArn ? { kmsKeyId: destKeyArn } : {}),
      tags,
      source: src,
      crossRegion,
      crossAccount,
      incremental,
    });
    src.copies.add(rec);
    this.insert(rec);
    getOrCreate(this.pendingByOrigin, rec.origin, () => new Set()).add(rec);
    return rec;
  }

  private deleteSnapshot(kind: DbKind, account: string, region: string, ref: string): SnapRecord {
    const rec = this.owned(kind, account, region, ref);
    const now = this.deps.now();
    if (rec.type === "automated") {
      throw invalidSnapshotState(
        kind,
        `Automated snapshot ${rec.id} can't be deleted; it expires with the retention period`,
      );
    }
    if (snapStatus(rec, now) === "creating") {
      throw invalidSnapshotState(kind, `Snapshot ${rec.id} is being created and can't be deleted yet`);
    }
    // Rule DELETE-SOURCE-TERMINATES-COPY: deleting a snapshot that is being copied terminates the copy.
    for (const c of rec.copies) {
      if (snapStatus(c, now) === "creating") this.terminateCopy(c, now);
    }
    this.remove(rec);
    this.deletions.push({
      account: rec.account,
      region: rec.region,
      kind: rec.kind,
      id: rec.id,
      tags: rec.tags,
      doneAt: rec.doneAt,
      deletedAt: now,
    });
    return rec;
  }

  /**
   * Ends a copy whose source was deleted while the copy was queued or running: it shows `failed` from `now` on
   * (assumption TERMINATED_COPY_STATUS, config/assumptions.ts: AWS says only that the copy is terminated), and the
   * copies of the same DB queued behind it move up the queue (their incremental decision is kept).
   */
  private terminateCopy(c: SnapRecord, now: number): void {
    if (!c.fails) this.countCopy(c, -1);
    c.doneAt = now;
    c.runsFrom = Math.min(c.runsFrom, now);
    c.fails = TERMINATED_COPY_STATUS === "failed";
    if (!c.fails) this.countCopy(c, 1);
    this.touch(c);
    const pending = [...(this.pendingByOrigin.get(c.origin) ?? [])]
      .filter((p) => p !== c && p.runsFrom > now)
      .sort((a, b) => a.runsFrom - b.runsFrom || a.startedAt - b.startedAt);
    let free = now;
    for (const p of this.pendingByOrigin.get(c.origin) ?? []) {
      if (p !== c && p.runsFrom <= now && p.doneAt > free) free = p.doneAt;
    }
    for (const p of pending) {
      const minutes = p.doneAt - p.runsFrom;
      const start = Math.max(p.startedAt, free);
      if (start < p.runsFrom) {
        p.runsFrom = start;
        p.doneAt = start + minutes;
        this.touch(p);
      }
      free = Math.max(free, p.doneAt);
    }
    // Completion times moved: which copy completed last is found again where it is next needed.
    for (const copies of this.copiesByOrigin.values()) copies.newest = undefined;
  }

  private modifyAttribute(
    kind: DbKind,
    account: string,
    region: string,
    p: { id: string; name: string; add: string[]; remove: string[] },
  ): SnapRecord {
    const rec = this.owned(kind, account, region, p.id);
    if (p.name !== "restore") throw invalidParameter("AttributeName", p.name, "must be restore");
    for (const v of [...p.add, ...p.remove]) {
      if (v !== "all" && !ACCOUNT_ID.test(v))
        throw invalidParameter("ValuesToAdd", v, "must be 12-digit account ids or all");
    }
    if (rec.type !== "manual") throw invalidSnapshotState(kind, `Only manual snapshots can be shared (${rec.id})`);
    const status = snapStatus(rec, this.deps.now());
    if (p.add.length > 0 && status !== "available") {
      throw invalidSnapshotState(kind, `Snapshot ${rec.id} must be available to be shared (${status})`);
    }
    if (p.add.length > 0 && rec.kmsKeyId) {
      const key = this.deps.kms.resolve(account, region, rec.kmsKeyId);
      // Sharing user guide: snapshots encrypted with the default AWS managed key can't be shared.
      if (key?.managed === "AWS") {
        throw invalidParameter(
          "DBSnapshotIdentifier",
          rec.id,
          "is encrypted with the AWS managed key and can't be shared",
        );
      }
      if (p.add.includes("all"))
        throw invalidParameter("ValuesToAdd", "all", "can't make an encrypted snapshot public");
    }
    const next = new Set(rec.sharedWith);
    for (const v of p.remove) next.delete(v);
    for (const v of p.add) next.add(v);
    const accounts = [...next].filter((v) => v !== "all");
    if (accounts.length > MAX_SHARED_ACCOUNTS) {
      throw sharedSnapshotQuotaExceeded(
        `A snapshot can be shared with at most ${MAX_SHARED_ACCOUNTS} accounts (would be ${accounts.length})`,
      );
    }
    for (const v of rec.sharedWith) this.unshare(v, rec);
    rec.sharedWith.clear();
    this.touch(rec);
    for (const v of next) {
      rec.sharedWith.add(v);
      if (v !== "all") this.share(v, rec);
    }
    return rec;
  }

  /**
   * The whole listing (before paging) of a Describe*Snapshots call restricted to some DB identifiers through the
   * per-DB index with nothing else to filter (the Copier's, Checker's and sweeps' reads), as the SDK views a page
   * shows: the same objects, in the same order, as {@link RdsModel.computeListing} mapped through
   * {@link RdsModel.dbSnapshotView} / {@link RdsModel.clusterSnapshotView} at `now` (owned snapshots of each DB in
   * turn, DBs in the order of {@link indexedDbIds}, then the shared ones likewise). A finished snapshot's frozen view
   * is read from {@link dbViews}, which drops it whenever the record changes ({@link RdsModel.touch}); a snapshot in
   * progress is viewed anew at every call. Undefined when the query is not of that form (by snapshot identifier,
   * other filters, an ARN, another type): the caller lists as before.
   */
  private dbListingViews(
    kind: DbKind,
    account: string,
    region: string,
    q: { id?: string; dbId?: string; type?: string; includeShared: boolean; filters?: Filter[] },
    input: { MaxRecords?: number; Marker?: string },
  ): { page: (DBSnapshot | DBClusterSnapshot)[]; marker?: string } | undefined {
    if (q.id !== undefined) return undefined;
    const type = q.type;
    if (type !== undefined && type !== "manual" && type !== "automated" && type !== "shared") return undefined;
    let sides: ({ owned: ViewSide; shared: ViewSide } | undefined)[];
    if (q.dbId === undefined && (q.filters === undefined || q.filters.length === 0)) {
      sides = [this.regionViews.get(kindKey(account, region, kind))];
    } else {
      if (q.dbId !== undefined ? q.filters !== undefined && q.filters.length > 0 : q.filters?.length !== 1) {
        return undefined;
      }
      const dbIds = indexedDbIds(kind, q);
      if (dbIds === undefined) return undefined;
      sides = dbIds.map((id) => this.dbViews.get(dbKey(account, region, kind, id)));
    }
    // The listing cannot fail from here on: the page parameters are checked where paginate checks them.
    const { start, max } = pageBounds(input);
    const now = this.deps.now();
    const owned = type !== "shared";
    const shared = type === "shared" || (type === undefined && q.includeShared);
    const manual = type === undefined || type === "shared" ? undefined : type === "manual";
    if (sides.length === 1 && owned !== shared) {
      // One side (a DB's or the region's own snapshots, or those shared with the account): the page last made of it,
      // while still what it would make now.
      const s = sides[0];
      if (s === undefined) return { page: [] };
      const c = this.sidePage(shared ? s.shared : s.owned, manual, shared, start, start + max, now);
      return c.more ? { page: c.page, marker: String(start + max) } : { page: c.page };
    }
    const w: PageWindow = { from: start, to: start + max, n: 0, page: [] };
    if (owned) {
      for (const s of sides) if (s !== undefined && w.n <= w.to) this.sideViews(s.owned, manual, false, now, w);
    }
    if (shared) {
      for (const s of sides) if (s !== undefined && w.n <= w.to) this.sideViews(s.shared, undefined, true, now, w);
    }
    return w.to < w.n ? { page: w.page, marker: String(w.to) } : { page: w.page };
  }

  /**
   * The page of entries `from` to `to` of one side (only manual or only automated snapshots when `manual` is set) at
   * `now`, and whether an entry follows it: {@link RdsModel.sideViews} over that side alone, kept on the side and
   * handed out again (frozen, like the views in it) while the side is unchanged ({@link ViewSide.version}) and every
   * snapshot of the page that was in progress still is, at the same percent done (the views of the page are then the
   * ones sideViews would return: a finished view does not change, an in-progress one only with its percent done).
   */
  private sidePage(
    side: ViewSide,
    manual: boolean | undefined,
    shared: boolean,
    from: number,
    to: number,
    now: number,
  ): SidePage {
    const pages = side.pages;
    let c: SidePage | undefined;
    for (let k = 0; k < pages.length; k++) {
      const p = pages[k]!;
      if (p.manual === manual && p.shared === shared && p.from === from && p.to === to) {
        c = p;
        break;
      }
    }
    if (c !== undefined && c.version === side.version && stillInProgress(c, side, now)) return c;
    const w: PageWindow = { from, to, n: 0, page: [] };
    const progressAt: number[] = [];
    const inProgress: number[] = [];
    this.sideViews(side, manual, shared, now, w, { inProgress, progressAt });
    const made: SidePage = {
      manual,
      shared,
      from,
      to,
      version: side.version,
      page: Object.freeze(w.page) as (DBSnapshot | DBClusterSnapshot)[],
      more: w.to < w.n,
      inProgress,
      progressAt,
    };
    if (c !== undefined) pages[pages.indexOf(c)] = made;
    else {
      if (pages.length >= SIDE_PAGES) pages.shift();
      pages.push(made);
    }
    return made;
  }

  /**
   * Counts the entries of `side` (only manual or only automated snapshots when `manual` is set) into `w`, and adds the
   * views at `now` of those inside its window to its page.
   */
  private sideViews(
    side: ViewSide,
    manual: boolean | undefined,
    shared: boolean,
    now: number,
    w: PageWindow,
    progress?: { readonly inProgress: number[]; readonly progressAt: number[] },
  ): void {
    const { recs, views, doneAt } = side;
    const base = w.n;
    let i = 0;
    // A paginator's next page starts where the previous one stopped counting, while the side is unchanged.
    if (
      side.resumeVersion === side.version &&
      side.resumeManual === manual &&
      side.resumeCount > 0 &&
      base + side.resumeCount <= w.from
    ) {
      i = side.resumeAt;
      w.n = base + side.resumeCount;
    }
    for (; i < recs.length; i++) {
      const rec = recs[i];
      if (rec === undefined || (manual !== undefined && side.manual[i] !== manual)) continue;
      const n = w.n++;
      // One entry past the page is all the marker needs: the rest is not counted.
      if (n >= w.to) {
        // Entries before position i count n - base.
        side.resumeVersion = side.version;
        side.resumeManual = manual;
        side.resumeAt = i;
        side.resumeCount = n - base;
        return;
      }
      if (n < w.from) continue;
      let v = views[i];
      if (v === undefined || now < doneAt[i]!) {
        v = rec.kind === "cluster" ? this.clusterSnapshotView(rec, shared, now) : this.dbSnapshotView(rec, shared, now);
        // Kept once finished, as dbSnapshotView keeps it; undefined again after a touch.
        if (now < doneAt[i]!) {
          views[i] = undefined;
          if (progress !== undefined) {
            progress.inProgress.push(i);
            progress.progressAt.push(snapProgress(rec, now));
          }
        } else views[i] = v;
      }
      w.page.push(v);
    }
  }

  /**
   * Own snapshots of (account, region) of `kind` in creation order, as an index whose `derived` slots the world keeps
   * its normalized snapshots in (cleared whenever the record changes). Read-only for the caller but for `derived`.
   */
  ownedSide(account: string, region: string, kind: DbKind): ViewSide | undefined {
    return this.regionViews.get(kindKey(account, region, kind))?.owned;
  }

  private viewSides(key: string): { owned: ViewSide; shared: ViewSide } {
    return getOrCreate(this.dbViews, key, () => ({ owned: newViewSide(), shared: newViewSide() }));
  }

  private regionSides(account: string, region: string, kind: DbKind): { owned: ViewSide; shared: ViewSide } {
    return getOrCreate(this.regionViews, kindKey(account, region, kind), () => ({
      owned: newViewSide(),
      shared: newViewSide(),
    }));
  }

  /**
   * {@link RdsModel.computeListing}, reused while no snapshot of that kind there was added or removed (and, for shared
   * ones, none shared or unshared): a paginator asks for every page of the same listing in turn, and filtering every
   * snapshot again for each page made a listing cost pages x snapshots. What a listing holds depends on no status,
   * tag or attribute, so neither time nor a retag invalidates it (at 1,000 DBs the Copier's tags and the Sharer's
   * attribute changes land between the pages of most listings).
   */
  private listSnapshots(
    kind: DbKind,
    account: string,
    region: string,
    q: { id?: string; dbId?: string; type?: string; includeShared: boolean; filters?: Filter[] },
  ): Listed[] {
    // By identifier, or some DBs' snapshots through the index: cheap enough to compute for every page.
    if (q.id !== undefined || indexedDbIds(kind, q) !== undefined) return this.computeListing(kind, account, region, q);
    const key = JSON.stringify([kind, account, region, q.dbId, q.type, q.includeShared, q.filters]);
    const shared = q.type === "shared" || (q.type === undefined && q.includeShared);
    const version = `${this.membership.get(kindKey(account, region, kind)) ?? 0}/${
      shared ? (this.sharedVersions.get(kindKey(account, region, kind)) ?? 0) : "-"
    }`;
    const hit = this.listingCache.get(key);
    if (hit && hit.version === version) return hit.items;
    const items = this.computeListing(kind, account, region, q);
    if (this.listingCache.size >= LISTING_CACHE_SIZE) this.listingCache.clear();
    this.listingCache.set(key, { version, items });
    return items;
  }

  private computeListing(
    kind: DbKind,
    account: string,
    region: string,
    q: { id?: string; dbId?: string; type?: string; includeShared: boolean; filters?: Filter[] },
  ): Listed[] {
    const type = q.type;
    if (type !== undefined && !["manual", "automated", "shared", "public", "awsbackup"].includes(type)) {
      throw invalidParameter("SnapshotType", type, "must be one of manual, automated, shared, public, awsbackup");
    }
    if (q.id !== undefined && q.dbId === undefined && (q.filters === undefined || q.filters.length === 0)) {
      // By identifier alone (the Checker's reads): what `keep` below keeps, with nothing to filter.
      const l = this.lookupVisible(kind, account, region, q.id);
      if (!l) throw snapshotNotFound(kind, q.id);
      return [l];
    }
    const matchers = snapshotFilters(kind, q.filters);
    const dbIdMatches = (rec: SnapRecord) =>
      q.dbId === undefined ||
      rec.dbId === q.dbId ||
      q.dbId === rdsArn(rec.region, rec.account, arnType(kind, "db"), rec.dbId);
    const keep = (l: Listed) => dbIdMatches(l.rec) && matchers.every((m) => m(l));

    if (q.id !== undefined) {
      const l = this.lookupVisible(kind, account, region, q.id);
      if (!l) throw snapshotNotFound(kind, q.id);
      return keep(l) ? [l] : [];
    }
    const out: Listed[] = [];
    // Candidates: the named DBs' snapshots when the query names DB identifiers (a DB's in creation order, DBs in
    // the order of the values, a stable order for the Marker of the next page), else the region's; `keep` decides.
    const dbIds = indexedDbIds(kind, q);
    // The index already holds only snapshots of the named DBs: when the query names nothing else (no DB parameter,
    // one filter, the one the index answered), every candidate matches and `keep` need not run.
    const keepAll = dbIds !== undefined && q.dbId === undefined && q.filters?.length === 1;
    if (type === undefined || type === "manual" || type === "automated") {
      const owned =
        dbIds === undefined
          ? [this.snapMap(account, region, kind).values()]
          : dbIds.map((id) => (this.ownedByDb.get(dbKey(account, region, kind, id)) ?? EMPTY_MAP).values());
      for (const recs of owned) {
        for (const rec of recs) {
          if (type !== undefined && rec.type !== type) continue;
          const l = memoOf(rec).owned;
          if (keepAll || keep(l)) out.push(l);
        }
      }
    }
    if (type === "shared" || (type === undefined && q.includeShared)) {
      const shared =
        dbIds === undefined
          ? [this.sharedSet(account, region, kind)]
          : dbIds.map((id) => this.sharedByDb.get(dbKey(account, region, kind, id)) ?? EMPTY_SET);
      for (const recs of shared) {
        for (const rec of recs) {
          const l = memoOf(rec).sharedEntry;
          if (keepAll || keep(l)) out.push(l);
        }
      }
    }
    return out;
  }

  /** Finds a snapshot the caller can see in its region by id (own) or ARN (own or shared with it). */
  private lookupVisible(kind: DbKind, account: string, region: string, ref: string): Listed | undefined {
    if (!ref.startsWith("arn:")) {
      const rec = this.snapMap(account, region, kind).get(normalizeId(kind, ref));
      return rec ? memoOf(rec).owned : undefined;
    }
    const rec = this.byArn(kind, ref);
    if (!rec || rec.region !== region) return undefined;
    if (rec.account === account) return memoOf(rec).owned;
    return rec.sharedWith.has(account) ? memoOf(rec).sharedEntry : undefined;
  }

  /** Finds a copy/restore source: own id, own ARN, or the ARN of a snapshot shared with the caller (any region). */
  private resolveForUse(kind: DbKind, account: string, region: string, ref: string): SnapRecord {
    if (!ref.startsWith("arn:")) {
      const rec = this.snapMap(account, region, kind).get(normalizeId(kind, ref));
      if (!rec) throw snapshotNotFound(kind, ref);
      return rec;
    }
    const rec = this.byArn(kind, ref);
    if (!rec || (rec.account !== account && !rec.sharedWith.has(account) && !rec.sharedWith.has("all"))) {
      throw snapshotNotFound(kind, ref);
    }
    return rec;
  }

  /** An owned snapshot by id or own ARN. */
  private owned(kind: DbKind, account: string, region: string, ref: string): SnapRecord {
    const rec = ref.startsWith("arn:")
      ? this.byArn(kind, ref)
      : this.snapMap(account, region, kind).get(normalizeId(kind, ref));
    if (!rec || rec.account !== account || rec.region !== region) throw snapshotNotFound(kind, ref);
    return rec;
  }

  private byArn(kind: DbKind, arn: string): SnapRecord | undefined {
    // `arn:aws:rds:<region>:<account>:<type>:<id>`, the id being the rest (colons and all): the fields splitting on
    // every colon gives, found with indexOf (no array per lookup).
    const c0 = arn.indexOf(":");
    const c1 = c0 < 0 ? -1 : arn.indexOf(":", c0 + 1);
    const c2 = c1 < 0 ? -1 : arn.indexOf(":", c1 + 1);
    const c3 = c2 < 0 ? -1 : arn.indexOf(":", c2 + 1);
    const c4 = c3 < 0 ? -1 : arn.indexOf(":", c3 + 1);
    const c5 = c4 < 0 ? -1 : arn.indexOf(":", c4 + 1);
    if (c5 < 0 || arn.slice(c4 + 1, c5) !== arnType(kind, "snapshot")) return undefined;
    return this.snapMap(arn.slice(c3 + 1, c4), arn.slice(c2 + 1, c3), kind).get(arn.slice(c5 + 1));
  }

  private checkManualQuota(kind: DbKind, account: string, region: string): void {
    const max = kind === "cluster" ? this.deps.quotas.manualClusterSnapshots : this.deps.quotas.manualSnapshots;
    const used = this.manualCount(account, region, kind);
    if (used >= max) throw snapshotQuotaExceeded(`Cannot create more than ${max} manual snapshots`);
  }

  /** Manual snapshots of `kind` that (account, region) holds, in any status (the count the quota applies to). */
  manualCount(account: string, region: string, kind: DbKind): number {
    return this.manualCounts.get(kindKey(account, region, kind)) ?? 0;
  }

  /**
   * Copies into (account, region) still running at `now`. Kept as a set pruned as copies finish, so a copy costs
   * O(copies in flight), not O(snapshots held); rebuilt from scratch if the clock ever goes back.
   */
  private copiesInFlight(account: string, region: string, now: number): number {
    const k = scopeKey(account, region);
    let e = this.inFlight.get(k);
    if (!e || now < e.at) {
      e = { at: now, copies: new Set() };
      for (const kind of ["instance", "cluster"] as const) {
        for (const s of this.snapMap(account, region, kind).values()) if (s.source && now < s.doneAt) e.copies.add(s);
      }
      this.inFlight.set(k, e);
      return e.copies.size;
    }
    for (const s of e.copies) if (now >= s.doneAt) e.copies.delete(s);
    e.at = now;
    return e.copies.size;
  }

  /**
   * When a copy of a snapshot of DB `origin` requested at `now` starts: after every unfinished copy of that DB, in
   * any destination (rule COPY-QUEUE-SAME-DB; the guide says copies "for the same source DB instance" are queued).
   */
  private queueStart(origin: string, now: number): number {
    const pending = this.pendingByOrigin.get(origin);
    if (!pending) return now;
    let start = now;
    for (const c of pending) {
      if (c.doneAt <= now) pending.delete(c);
      else start = Math.max(start, c.doneAt);
    }
    return start;
  }

  /**
   * The copy an incremental copy of `src` into (account, region) under `destKey`, starting at `start`, builds on; or
   * why the copy is full. Rules AURORA-COPY-FULL, INC-SOURCE-NOT-COPY, INC-SAME-KMS-KEY, INC-PREVIOUS-COPY and
   * INC-MOST-RECENT-DELETED (RDS user guide, "Incremental snapshot copying").
   */
  private incrementalBase(
    kind: DbKind,
    account: string,
    region: string,
    src: SnapRecord,
    destKey: string | undefined,
    start: number,
  ): { base?: SnapRecord; reason?: string } {
    if (kind === "cluster") return { reason: "Aurora DB cluster snapshot copies are always full" };
    if (src.source) return { reason: "the source snapshot is itself a copy" };
    const key = `${scopeKey(account, region)}|${src.origin}`;
    let base: SnapRecord | undefined;
    const copies = this.copiesByOrigin.get(key);
    if (copies !== undefined && copies.count > 0) {
      // What a scan of every snapshot of the DB held there decides, from the index: a copy under another key decides
      // it; else the copy that completed last (the first held of those that completed then) is the base when it
      // completed by `start` (always, unless a copy was queued behind one not yet started), else the scan decides.
      for (const [k, n] of copies.byKey) {
        if (n > 0 && k !== destKey) return { reason: "a copy of this DB in the destination uses another KMS key" };
      }
      const newest = copies.newest !== undefined ? copies.newest : this.newestCopyOf(key, copies);
      if (newest && newest.doneAt <= start) base = newest;
      else base = this.scanForBase(key, start);
    }
    if (!base) return { reason: "no earlier completed copy of this DB in the destination" };
    const deleted = this.deletedCopyAt.get(key);
    if (deleted !== undefined && deleted >= base.doneAt) return { reason: "the most recent copy was deleted" };
    return { base };
  }

  /**
   * The base {@link RdsModel.incrementalBase} picks among the copies held under `key` that have not failed (their
   * keys already checked): the one that completed last by `start`, the first held of those that completed then.
   */
  private scanForBase(key: string, start: number): SnapRecord | undefined {
    let base: SnapRecord | undefined;
    for (const s of this.byOrigin.get(key) ?? []) {
      if (!s.source || s.fails) continue;
      if (s.doneAt <= start && (!base || s.doneAt > base.doneAt)) base = s;
    }
    return base;
  }

  /** {@link CopiesOf.newest} of `key`, found again. */
  private newestCopyOf(key: string, copies: CopiesOf): SnapRecord | undefined {
    const newest = this.scanForBase(key, Number.POSITIVE_INFINITY);
    copies.newest = newest ?? null;
    return newest;
  }

  /** Counts a copy that has not failed into {@link RdsModel.copiesByOrigin} (`delta` 1), or out of it (-1). */
  private countCopy(rec: SnapRecord, delta: 1 | -1): void {
    const key = `${scopeKey(rec.account, rec.region)}|${rec.origin}`;
    let c = this.copiesByOrigin.get(key);
    if (c === undefined) {
      c = { count: 0, byKey: new Map(), newest: null };
      this.copiesByOrigin.set(key, c);
    }
    c.count += delta;
    c.byKey.set(rec.kmsKeyId, (c.byKey.get(rec.kmsKeyId) ?? 0) + delta);
    if (delta > 0) {
      // Held after every copy counted so far: it replaces the newest only when it completes strictly later.
      if (c.newest === null || (c.newest !== undefined && rec.doneAt > c.newest.doneAt)) c.newest = rec;
    } else if (c.newest === rec) c.newest = undefined;
  }

  private hasAvailable(
    account: string,
    region: string,
    origin: string,
    pred: (s: SnapRecord) => boolean,
    now: number,
  ): boolean {
    for (const s of this.byOrigin.get(`${scopeKey(account, region)}|${origin}`) ?? []) {
      if (snapStatus(s, now) === "available" && pred(s)) return true;
    }
    return false;
  }

  private insert(rec: SnapRecord): void {
    const map = this.snapMap(rec.account, rec.region, rec.kind);
    if (map.has(rec.id)) throw new Error(`snapshot ${rec.id} already exists in ${rec.account}/${rec.region}`);
    map.set(rec.id, rec);
    const dk = dbKey(rec.account, rec.region, rec.kind, rec.dbId);
    getOrCreate(this.ownedByDb, dk, () => new Map()).set(rec.id, rec);
    sideAdd(this.viewSides(dk).owned, rec);
    sideAdd(this.regionSides(rec.account, rec.region, rec.kind).owned, rec);
    getOrCreate(this.byOrigin, `${scopeKey(rec.account, rec.region)}|${rec.origin}`, () => new Set()).add(rec);
    if (rec.source && !rec.fails) this.countCopy(rec, 1);
    getOrCreate(this.byLabel, labelKey(rec, rec.tags), () => new Set()).add(rec);
    if (rec.type === "manual") this.countManual(rec, 1);
    const flight = this.inFlight.get(scopeKey(rec.account, rec.region));
    if (flight && rec.source && flight.at < rec.doneAt) flight.copies.add(rec);
    this.bumpMembership(rec);
    this.bump(rec.account, rec.region);
    this.notify(rec);
  }

  private countManual(rec: SnapRecord, delta: number): void {
    const k = kindKey(rec.account, rec.region, rec.kind);
    this.manualCounts.set(k, (this.manualCounts.get(k) ?? 0) + delta);
  }

  private remove(rec: SnapRecord): void {
    if (rec.source && snapStatus(rec, this.deps.now()) === "available") {
      const k = `${scopeKey(rec.account, rec.region)}|${rec.origin}`;
      this.deletedCopyAt.set(k, Math.max(this.deletedCopyAt.get(k) ?? rec.doneAt, rec.doneAt));
    }
    this.pendingByOrigin.get(rec.origin)?.delete(rec);
    this.snapMap(rec.account, rec.region, rec.kind).delete(rec.id);
    const dk = dbKey(rec.account, rec.region, rec.kind, rec.dbId);
    this.ownedByDb.get(dk)?.delete(rec.id);
    const sides = this.dbViews.get(dk);
    if (sides !== undefined) sideDelete(sides.owned, rec);
    const inRegion = this.regionViews.get(kindKey(rec.account, rec.region, rec.kind));
    if (inRegion !== undefined) sideDelete(inRegion.owned, rec);
    if (
      this.byOrigin.get(`${scopeKey(rec.account, rec.region)}|${rec.origin}`)?.delete(rec) &&
      rec.source &&
      !rec.fails
    )
      this.countCopy(rec, -1);
    this.byLabel.get(labelKey(rec, rec.tags))?.delete(rec);
    if (rec.type === "manual") this.countManual(rec, -1);
    this.inFlight.get(scopeKey(rec.account, rec.region))?.copies.delete(rec);
    for (const v of rec.sharedWith) this.unshare(v, rec);
    rec.source?.copies.delete(rec);
    this.bumpMembership(rec);
    this.bump(rec.account, rec.region);
    this.notify(rec);
  }

  /** Replaces the tags of a snapshot or DB, keeping the snapshot indexes current. */
  private setTags(target: DbRecord | SnapRecord, tags: Record<string, string>): void {
    if (!isSnapRecord(target)) {
      target.tags = tags;
      return;
    }
    this.byLabel.get(labelKey(target, target.tags))?.delete(target);
    target.tags = tags;
    getOrCreate(this.byLabel, labelKey(target, tags), () => new Set()).add(target);
    this.touch(target);
  }

  /** Marks a snapshot as changed (tags, sharing) so cached views of it are rebuilt. */
  private touch(rec: SnapRecord): void {
    rec.rev++;
    const owner = this.dbViews.get(dbKey(rec.account, rec.region, rec.kind, rec.dbId));
    if (owner !== undefined) sideTouch(owner.owned, rec);
    const inRegion = this.regionViews.get(kindKey(rec.account, rec.region, rec.kind));
    if (inRegion !== undefined) sideTouch(inRegion.owned, rec);
    for (const v of rec.sharedWith) {
      const viewer = this.dbViews.get(dbKey(v, rec.region, rec.kind, rec.dbId));
      if (viewer !== undefined) sideTouch(viewer.shared, rec);
      const viewerRegion = this.regionViews.get(kindKey(v, rec.region, rec.kind));
      if (viewerRegion !== undefined) sideTouch(viewerRegion.shared, rec);
    }
    this.bump(rec.account, rec.region);
    this.notify(rec);
  }

  private bumpMembership(rec: SnapRecord): void {
    const k = kindKey(rec.account, rec.region, rec.kind);
    this.membership.set(k, (this.membership.get(k) ?? 0) + 1);
  }

  private bump(account: string, region: string): void {
    const k = scopeKey(account, region);
    this.versions.set(k, (this.versions.get(k) ?? 0) + 1);
  }

  // ---------------------------------------------------------------- internals: DBs

  private describeDbs(
    kind: DbKind,
    account: string,
    region: string,
    ref: string | undefined,
    filters: Filter[] | undefined,
  ): DbRecord[] {
    const map = this.dbMap(account, region, kind);
    if (ref !== undefined) {
      const id = ref.startsWith("arn:") ? ref.split(":").slice(6).join(":") : ref;
      const rec = map.get(id);
      if (!rec || (ref.startsWith("arn:") && rec.arn !== ref)) throw dbNotFound(kind, ref);
      return [rec];
    }
    const idFilter = kind === "cluster" ? "db-cluster-id" : "db-instance-id";
    const matchers: ((d: DbRecord) => boolean)[] = [];
    for (const f of filters ?? []) {
      const values = f.Values ?? [];
      if (f.Name === idFilter) matchers.push((d) => values.includes(d.id) || values.includes(d.arn));
      else if (f.Name === "engine") matchers.push((d) => values.includes(d.engine));
      else if (kind === "instance" && f.Name === "db-cluster-id")
        matchers.push((d) => d.clusterId !== undefined && values.includes(d.clusterId));
      else throw invalidParameter("Filters.Name", f.Name, "is not a filter the model supports");
    }
    return [...map.values()].filter((d) => matchers.every((m) => m(d)));
  }

  private restore(
    kind: DbKind,
    account: string,
    region: string,
    id: string,
    snap: SnapRecord,
    tags: Tag[] | undefined,
    kmsKeyId: string | undefined,
    engine: string | undefined,
  ): DbRecord {
    const map = this.dbMap(account, region, kind);
    if (map.has(id)) throw dbAlreadyExists(kind, id);
    const now = this.deps.now();
    const status = snapStatus(snap, now);
    if (status !== "available") throw invalidSnapshotState(kind, `Snapshot ${snap.arn} is not available (${status})`);
    let keyArn = snap.kmsKeyId;
    if (snap.kmsKeyId) {
      const key = this.deps.kms.resolve(snap.account, snap.region, snap.kmsKeyId);
      if (!key || !this.deps.kms.canUse(key, account)) {
        throw kmsKeyNotAccessible(`The snapshot KMS key [${snap.kmsKeyId}] is not accessible to ${account}`);
      }
    }
    if (kmsKeyId) keyArn = this.kmsFor(account, region, kmsKeyId).arn;
    const rec: DbRecord = {
      kind,
      account,
      region,
      id,
      arn: rdsArn(region, account, arnType(kind, "db"), id),
      sizeGb: snap.sizeGb,
      engine: engine ?? snap.engine,
      tags: tagRecord(tags, "Tags"),
      status: "available",
      ...(keyArn ? { kmsKeyArn: keyArn } : {}),
      changePercentPerHour: snap.changePercentPerHour,
      createdAt: now,
      readyAt: now + this.deps.timing.restoreMinutes({ sizeGb: snap.sizeGb, kind }) * MINUTE,
      busyUntil: 0,
    };
    map.set(id, rec);
    return rec;
  }

  private finalSnapshot(
    kind: DbKind,
    account: string,
    region: string,
    db: DbRecord,
    skip: boolean | undefined,
    finalId: string | undefined,
  ): void {
    if (skip && finalId) {
      throw rdsGeneric("InvalidParameterCombination", "FinalDBSnapshotIdentifier can't be used with SkipFinalSnapshot");
    }
    if (!skip && !finalId && !db.clusterId) {
      throw rdsGeneric("InvalidParameterCombination", "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot");
    }
    if (finalId) this.createSnapshot(kind, account, region, db.id, finalId, undefined);
  }

  private members(account: string, region: string, clusterId: string): DbRecord[] {
    return [...this.dbMap(account, region, "instance").values()].filter((d) => d.clusterId === clusterId);
  }

  private kmsFor(account: string, region: string, ref: string) {
    const key = this.deps.kms.resolve(account, region, ref);
    if (!key || key.region !== region || !this.deps.kms.canUse(key, account)) {
      throw kmsKeyNotAccessible(
        `Specified KMS key [${ref}] does not exist, is not enabled or you do not have permissions to access it.`,
      );
    }
    return key;
  }

  private taggable(account: string, region: string, arn: string): DbRecord | SnapRecord {
    const parts = arn.split(":");
    const [type, id] = [parts[5] ?? "", parts.slice(6).join(":")];
    const mine = parts[4] === account && parts[3] === region;
    switch (type) {
      case "snapshot":
      case "cluster-snapshot": {
        const kind: DbKind = type === "snapshot" ? "instance" : "cluster";
        const rec = mine ? this.snapMap(account, region, kind).get(id) : undefined;
        if (!rec) throw snapshotNotFound(kind, arn);
        return rec;
      }
      case "db":
      case "cluster": {
        const kind: DbKind = type === "db" ? "instance" : "cluster";
        const rec = mine ? this.dbMap(account, region, kind).get(id) : undefined;
        if (!rec) throw dbNotFound(kind, arn);
        return rec;
      }
      default:
        throw invalidParameter("ResourceName", arn, "is not an RDS snapshot, DB instance or DB cluster ARN");
    }
  }

  // ---------------------------------------------------------------- views

  /** `now` is the caller's clock reading, read once per call rather than once per snapshot of a page. */
  private dbSnapshotView(rec: SnapRecord, shared: boolean, now = this.deps.now()): DBSnapshot {
    if (now < rec.doneAt) {
      const p = snapProgress(rec, now);
      return (
        (inProgressView(rec, shared, p) as DBSnapshot | undefined) ??
        storeInProgressView(rec, shared, p, this.buildDbSnapshotView(rec, shared, now))
      );
    }
    return (
      (cachedView(rec, shared) as DBSnapshot | undefined) ??
      storeView(rec, shared, this.buildDbSnapshotView(rec, shared, now))
    );
  }

  private clusterSnapshotView(rec: SnapRecord, shared: boolean, now = this.deps.now()): DBClusterSnapshot {
    if (now < rec.doneAt) {
      const p = snapProgress(rec, now);
      return (
        (inProgressView(rec, shared, p) as DBClusterSnapshot | undefined) ??
        storeInProgressView(rec, shared, p, this.buildClusterSnapshotView(rec, shared, now))
      );
    }
    return (
      (cachedView(rec, shared) as DBClusterSnapshot | undefined) ??
      storeView(rec, shared, this.buildClusterSnapshotView(rec, shared, now))
    );
  }

  private buildDbSnapshotView(rec: SnapRecord, shared: boolean, now: number): DBSnapshot {
    return {
      // Shared snapshots are listed with their ARN as identifier (boto/boto3#2335) and without tags:
      // tags belong to the owner account and do not travel with a share.
      DBSnapshotIdentifier: shared ? rec.arn : rec.id,
      DBInstanceIdentifier: rec.dbId,
      SnapshotCreateTime: new Date(rec.startedAt),
      OriginalSnapshotCreateTime: new Date(rec.originalCreatedAt),
      Engine: rec.engine,
      AllocatedStorage: rec.sizeGb,
      Status: snapStatus(rec, now),
      PercentProgress: snapProgress(rec, now),
      SnapshotType: shared ? "shared" : rec.type,
      Encrypted: rec.kmsKeyId !== undefined,
      ...(rec.kmsKeyId ? { KmsKeyId: rec.kmsKeyId } : {}),
      DBSnapshotArn: rec.arn,
      // API reference: only cross-account or cross-Region copies carry the source ARN.
      ...(rec.source && (rec.crossAccount || rec.crossRegion) ? { SourceDBSnapshotIdentifier: rec.source.arn } : {}),
      ...(rec.source && rec.crossRegion ? { SourceRegion: rec.source.region } : {}),
      TagList: shared ? [] : recordToTags(rec.tags),
    };
  }

  private buildClusterSnapshotView(rec: SnapRecord, shared: boolean, now: number): DBClusterSnapshot {
    return {
      DBClusterSnapshotIdentifier: shared ? rec.arn : rec.id,
      DBClusterIdentifier: rec.dbId,
      SnapshotCreateTime: new Date(rec.startedAt),
      Engine: rec.engine,
      AllocatedStorage: rec.sizeGb,
      Status: snapStatus(rec, now),
      PercentProgress: snapProgress(rec, now),
      SnapshotType: shared ? "shared" : rec.type,
      StorageEncrypted: rec.kmsKeyId !== undefined,
      ...(rec.kmsKeyId ? { KmsKeyId: rec.kmsKeyId } : {}),
      DBClusterSnapshotArn: rec.arn,
      ...(rec.source ? { SourceDBClusterSnapshotArn: rec.source.arn } : {}),
      TagList: shared ? [] : recordToTags(rec.tags),
    };
  }

  private instanceView(d: DbRecord): DBInstance {
    return {
      DBInstanceIdentifier: d.id,
      DBInstanceArn: d.arn,
      DBInstanceStatus: dbStatus(d, this.deps.now()),
      Engine: d.engine,
      AllocatedStorage: d.sizeGb,
      InstanceCreateTime: new Date(d.createdAt),
      StorageEncrypted: d.kmsKeyArn !== undefined,
      ...(d.kmsKeyArn ? { KmsKeyId: d.kmsKeyArn } : {}),
      ...(d.clusterId ? { DBClusterIdentifier: d.clusterId } : {}),
      ...(this.deps.now() >= d.readyAt ? { Endpoint: { Address: endpointOf(d), Port: portOf(d.engine) } } : {}),
      TagList: recordToTags(d.tags),
    };
  }

  private clusterView(d: DbRecord): DBCluster {
    return {
      DBClusterIdentifier: d.id,
      DBClusterArn: d.arn,
      Status: dbStatus(d, this.deps.now()),
      Engine: d.engine,
      AllocatedStorage: d.sizeGb,
      ClusterCreateTime: new Date(d.createdAt),
      StorageEncrypted: d.kmsKeyArn !== undefined,
      ...(d.kmsKeyArn ? { KmsKeyId: d.kmsKeyArn } : {}),
      DBClusterMembers: this.members(d.account, d.region, d.id).map((m, i) => ({
        DBInstanceIdentifier: m.id,
        IsClusterWriter: i === 0,
      })),
      ...(this.deps.now() >= d.readyAt
        ? {
            Endpoint: endpointOf(d, "cluster-"),
            ReaderEndpoint: endpointOf(d, "cluster-ro-"),
            Port: portOf(d.engine),
          }
        : {}),
      TagList: recordToTags(d.tags),
    };
  }

  // ---------------------------------------------------------------- maps

  private dbMap(account: string, region: string, kind: DbKind): Map<string, DbRecord> {
    return getOrCreate(this.dbs, kindKey(account, region, kind), () => new Map());
  }

  private snapMap(account: string, region: string, kind: DbKind): Map<string, SnapRecord> {
    return getOrCreate(this.snaps, kindKey(account, region, kind), () => new Map());
  }

  private sharedSet(viewer: string, region: string, kind: DbKind): Set<SnapRecord> {
    return getOrCreate(this.sharedIn, kindKey(viewer, region, kind), () => new Set());
  }

  /** Shares `rec` with account `viewer` in the snapshot's region (the shared-with indexes). */
  private share(viewer: string, rec: SnapRecord): void {
    const inRegion = this.sharedSet(viewer, rec.region, rec.kind);
    if (!inRegion.has(rec)) sideAdd(this.regionSides(viewer, rec.region, rec.kind).shared, rec);
    inRegion.add(rec);
    const dk = dbKey(viewer, rec.region, rec.kind, rec.dbId);
    const set = getOrCreate(this.sharedByDb, dk, () => new Set());
    // A Set keeps a member where it is when added again; so does the views index.
    if (!set.has(rec)) sideAdd(this.viewSides(dk).shared, rec);
    set.add(rec);
    this.bumpShared(viewer, rec);
  }

  /** Takes `rec` out of what `viewer` sees shared (no-op when it was not shared with it). */
  private unshare(viewer: string, rec: SnapRecord): void {
    if (this.sharedSet(viewer, rec.region, rec.kind).delete(rec)) {
      const inRegion = this.regionViews.get(kindKey(viewer, rec.region, rec.kind));
      if (inRegion !== undefined) sideDelete(inRegion.shared, rec);
    }
    const dk = dbKey(viewer, rec.region, rec.kind, rec.dbId);
    if (this.sharedByDb.get(dk)?.delete(rec)) {
      const sides = this.dbViews.get(dk);
      if (sides !== undefined) sideDelete(sides.shared, rec);
    }
    this.bumpShared(viewer, rec);
  }

  private bumpShared(viewer: string, rec: SnapRecord): void {
    const k = kindKey(viewer, rec.region, rec.kind);
    this.sharedVersions.set(k, (this.sharedVersions.get(k) ?? 0) + 1);
  }
}

function half(): number {
  return 0.5;
}

/**
 * The cached view of a finished snapshot (its status no longer changes), while its tags are unchanged: a sweep lists
 * every snapshot on every run, and rebuilding hundreds of views per call dominated simulator time. Views are deeply
 * frozen and handed out as they are, like an immutable response: a caller that tried to change one would throw
 * instead of corrupting later responses.
 */
function cachedView(rec: SnapRecord, shared: boolean): object | undefined {
  const m = rec.memo;
  if (m === undefined || m.viewTags !== rec.tags) return undefined;
  return shared ? m.shared : m.owner;
}

function storeView<T extends DBSnapshot | DBClusterSnapshot>(rec: SnapRecord, shared: boolean, view: T): T {
  const m = memoOf(rec);
  if (m.viewTags !== rec.tags) {
    m.viewTags = rec.tags;
    m.owner = undefined;
    m.shared = undefined;
  }
  // Finished: the views of the snapshot in progress are not handed out again (a finished snapshot stays finished;
  // should it show in progress again, they are rebuilt as before), so they are let go rather than kept for the
  // snapshot's lifetime.
  if (m.progTags !== undefined) {
    m.progTags = undefined;
    m.progOwner = undefined;
    m.progOwnerAt = -1;
    m.progShared = undefined;
    m.progSharedAt = -1;
  }
  deepFreeze(view);
  if (shared) m.shared = view;
  else m.owner = view;
  return view;
}

function deepFreeze(view: DBSnapshot | DBClusterSnapshot): void {
  // An empty memo slot for what a reader derives from this frozen view (functions/lib/model.ts NORMALIZED_SLOT): not
  // part of the response (non-enumerable symbol: JSON and spreads skip it), and itself left unfrozen.
  Object.defineProperty(view, NORMALIZED_SLOT, { value: {} });
  for (const t of view.TagList ?? []) Object.freeze(t);
  if (view.TagList) Object.freeze(view.TagList);
  Object.freeze(view);
}

/**
 * The view of a snapshot in progress last built, when it was built from the record's current tags at percent done
 * `progress`: all that changes such a view while it is in progress (its status is `creating` throughout; a change of
 * the times it runs comes with its percent done). Frozen and handed out again like a finished one's.
 */
function inProgressView(rec: SnapRecord, shared: boolean, progress: number): object | undefined {
  const m = rec.memo;
  if (m === undefined || m.progTags !== rec.tags) return undefined;
  if (shared) return m.progSharedAt === progress ? m.progShared : undefined;
  return m.progOwnerAt === progress ? m.progOwner : undefined;
}

function storeInProgressView<T extends DBSnapshot | DBClusterSnapshot>(
  rec: SnapRecord,
  shared: boolean,
  progress: number,
  view: T,
): T {
  const m = memoOf(rec);
  if (m.progTags !== rec.tags) {
    m.progTags = rec.tags;
    m.progOwner = undefined;
    m.progOwnerAt = -1;
    m.progShared = undefined;
    m.progSharedAt = -1;
  }
  deepFreeze(view);
  if (shared) {
    m.progShared = view;
    m.progSharedAt = progress;
  } else {
    m.progOwner = view;
    m.progOwnerAt = progress;
  }
  return view;
}

const EMPTY_SET: ReadonlySet<SnapRecord> = new Set();
const EMPTY_MAP: ReadonlyMap<string, SnapRecord> = new Map();

/** Key of the per-DB indexes: `account|region|kind|dbId`. */
function dbKey(account: string, region: string, kind: DbKind, dbId: string): string {
  const m = keysOf(account, region).db[kind];
  let k = m.get(dbId);
  if (k === undefined) {
    k = `${scope(account, region)}|${kind}|${dbId}`;
    // Identifiers a query names that match no DB are not kept past a bound.
    if (m.size < 10_000) m.set(dbId, k);
  }
  return k;
}

/** The keys of one account and region, made once ({@link keysOf}). */
interface ScopeKeys {
  /** `account|region`. */
  readonly scope: string;
  /** `account|region|kind`. */
  readonly instance: string;
  readonly cluster: string;
  /** DB identifier -> `account|region|kind|dbId`. */
  readonly db: { readonly instance: Map<string, string>; readonly cluster: Map<string, string> };
}

/**
 * Key strings of the model's maps, made once per account and region (and kind, DB identifier) and handed out again:
 * a lookup then hashes a string whose hash is already known, instead of building and hashing a new one for every map
 * read of every call. Strings only, so one table serves every model.
 */
const SCOPE_KEYS = new Map<string, Map<string, ScopeKeys>>();

function keysOf(account: string, region: string): ScopeKeys {
  let regions = SCOPE_KEYS.get(account);
  if (regions === undefined) {
    regions = new Map();
    SCOPE_KEYS.set(account, regions);
  }
  let k = regions.get(region);
  if (k === undefined) {
    const s = scope(account, region);
    k = {
      scope: s,
      instance: `${s}|instance`,
      cluster: `${s}|cluster`,
      db: { instance: new Map(), cluster: new Map() },
    };
    regions.set(region, k);
  }
  return k;
}

/** `account|region`, made once. */
function scopeKey(account: string, region: string): string {
  return keysOf(account, region).scope;
}

/** `account|region|kind`, made once. */
function kindKey(account: string, region: string, kind: DbKind): string {
  return keysOf(account, region)[kind];
}

/**
 * The DB identifiers a snapshot listing is restricted to, when the per-DB index can answer it: the
 * `DBInstanceIdentifier` / `DBClusterIdentifier` parameter (an identifier, not an ARN), else the values of a
 * `db-instance-id` / `db-cluster-id` filter when none is an ARN (deduplicated, sorted: the candidates' order).
 * Undefined: list from the region's snapshots (`keep` still applies every filter).
 */
function indexedDbIds(kind: DbKind, q: { dbId?: string; filters?: Filter[] }): readonly string[] | undefined {
  if (q.dbId !== undefined) return q.dbId.startsWith("arn:") ? undefined : [q.dbId];
  const name = kind === "cluster" ? "db-cluster-id" : "db-instance-id";
  for (const f of q.filters ?? []) {
    const values = f.Values;
    if (f.Name !== name || values === undefined) continue;
    // One value (the Copier's and Checker's one-DB reads): that value, with no set or sort to make.
    if (values.length === 1) {
      if (values[0]!.startsWith("arn:")) continue;
      return values;
    }
    if (values.some((v) => v.startsWith("arn:"))) continue;
    return [...new Set(values)].sort();
  }
  return undefined;
}
/** Listings kept by {@link RdsModel} between the pages of a paginated call. */
const LISTING_CACHE_SIZE = 64;
/**
 * One side (owned, or shared with the account) of the snapshots of a DB identifier ({@link RdsModel.dbViews}) or of a
 * region ({@link RdsModel.regionViews}): the records in listing order, with what a listing reads of each kept in
 * arrays beside them, so a listing visits no record: the frozen view once finished (undefined until built and after
 * a change), `doneAt`, whether it is manual, and a slot for what the world derives from it (`derived`, same rule). A
 * removed record leaves a hole (undefined) until holes are half the arrays, then they are compacted in order.
 */
export interface ViewSide {
  /** Bumped whenever a record is added, removed or changed ({@link RdsModel.sidePage}). */
  version: number;
  /** Pages recently made of this side ({@link RdsModel.sidePage}), at most {@link SIDE_PAGES}. */
  readonly pages: SidePage[];
  /**
   * Where the last listing that stopped early stopped ({@link RdsModel.sideViews}): at side version `resumeVersion`,
   * with the same `manual` filter, `resumeCount` entries come before position `resumeAt`.
   */
  resumeVersion: number;
  resumeManual: boolean | undefined;
  resumeAt: number;
  resumeCount: number;
  readonly recs: (SnapRecord | undefined)[];
  readonly views: (DBSnapshot | DBClusterSnapshot | undefined)[];
  readonly derived: (object | undefined)[];
  readonly doneAt: number[];
  readonly manual: boolean[];
  /** Position of each record in the arrays. */
  readonly pos: Map<SnapRecord, number>;
  holes: number;
}

function newViewSide(): ViewSide {
  return {
    version: 0,
    pages: [],
    resumeVersion: -1,
    resumeManual: undefined,
    resumeAt: 0,
    resumeCount: 0,
    recs: [],
    views: [],
    derived: [],
    doneAt: [],
    manual: [],
    pos: new Map(),
    holes: 0,
  };
}

/** Pages kept per side (a paginator's pages, or the one page of a one-DB read with each type). */
const SIDE_PAGES = 4;

/** A page made of one side ({@link RdsModel.sidePage}). */
interface SidePage {
  readonly manual: boolean | undefined;
  readonly shared: boolean;
  readonly from: number;
  readonly to: number;
  /** {@link ViewSide.version} it was made at. */
  readonly version: number;
  readonly page: (DBSnapshot | DBClusterSnapshot)[];
  /** An entry follows the page (the listing has a Marker). */
  readonly more: boolean;
  /** Positions in the side of the page's snapshots that were in progress, and their percent done then. */
  readonly inProgress: readonly number[];
  readonly progressAt: readonly number[];
}

/** Every snapshot of the page that was in progress is still in progress at `now`, at the same percent done. */
function stillInProgress(c: SidePage, side: ViewSide, now: number): boolean {
  for (let k = 0; k < c.inProgress.length; k++) {
    const i = c.inProgress[k]!;
    if (now >= side.doneAt[i]! || snapProgress(side.recs[i]!, now) !== c.progressAt[k]) return false;
  }
  return true;
}

function sideAdd(side: ViewSide, rec: SnapRecord): void {
  side.version++;
  side.pos.set(rec, side.recs.length);
  side.recs.push(rec);
  side.views.push(undefined);
  side.derived.push(undefined);
  side.doneAt.push(rec.doneAt);
  side.manual.push(rec.type === "manual");
}

function sideDelete(side: ViewSide, rec: SnapRecord): void {
  const i = side.pos.get(rec);
  if (i === undefined) return;
  side.version++;
  side.pos.delete(rec);
  side.recs[i] = undefined;
  side.views[i] = undefined;
  side.derived[i] = undefined;
  side.holes++;
  if (side.holes < 16 || side.holes * 2 < side.recs.length) return;
  let j = 0;
  for (let k = 0; k < side.recs.length; k++) {
    const r = side.recs[k];
    if (r === undefined) continue;
    side.recs[j] = r;
    side.views[j] = side.views[k];
    side.derived[j] = side.derived[k];
    side.doneAt[j] = side.doneAt[k]!;
    side.manual[j] = side.manual[k]!;
    side.pos.set(r, j);
    j++;
  }
  side.recs.length = j;
  side.views.length = j;
  side.derived.length = j;
  side.doneAt.length = j;
  side.manual.length = j;
  side.holes = 0;
}

/** The record changed (tags, sharing, completion): its view and derived object are built again at the next read. */
function sideTouch(side: ViewSide, rec: SnapRecord): void {
  const i = side.pos.get(rec);
  if (i === undefined) return;
  side.version++;
  side.views[i] = undefined;
  side.derived[i] = undefined;
  side.doneAt[i] = rec.doneAt;
}

/** What {@link RdsModel.watchSnapshots} hands a reader. */
export interface SnapshotWatch {
  /** Records added, removed or changed since the reader last emptied the set (the model only adds). */
  readonly dirty: Set<SnapRecord>;
  /** The reader's own: records it saw still in progress, to look at again once their time has come. */
  readonly pending: Set<SnapRecord>;
}

/** The page a listing is counted into: entries `from` (inclusive) to `to` (exclusive) of the `n` counted so far. */
interface PageWindow {
  readonly from: number;
  readonly to: number;
  n: number;
  readonly page: (DBSnapshot | DBClusterSnapshot)[];
}

/** Index key of a snapshot by the DB it is labelled with (what `fromDbSnapshot` reports as `dbId`). */
function labelKey(rec: SnapRecord, tags: Readonly<Record<string, string>>): string {
  return `${scopeKey(rec.account, rec.region)}|${tags[TAG.sourceDb] ?? rec.dbId}`;
}

function isSnapRecord(r: DbRecord | SnapRecord): r is SnapRecord {
  return "origin" in r;
}

function getOrCreate<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}

/**
 * GB an incremental copy of `src` moves on top of `base`: the data the DB changed between the two recovery points at
 * its change rate, never more than the whole snapshot (rule COPY-BYTES).
 */
function changedGb(src: SnapRecord, base: SnapRecord): number {
  const hours = Math.abs(src.originalCreatedAt - base.originalCreatedAt) / 3_600_000;
  return Math.min(src.sizeGb, (src.sizeGb * src.changePercentPerHour * hours) / 100);
}

function originOf(account: string, region: string, kind: DbKind, dbId: string): string {
  return `${account}|${region}|${kind}|${dbId}`;
}

/** RDS stores identifiers in lowercase; lookups are case-insensitive. */
function normalizeId(_kind: DbKind, id: string): string {
  return id.toLowerCase();
}

function checkSnapshotId(kind: DbKind, id: string, field: string): string {
  if (!isValidSnapshotId(id, kind)) {
    throw invalidParameter(
      field,
      id,
      "must be 1-255 (clusters 1-63) letters, digits or hyphens, start with a letter, no double or trailing hyphen",
    );
  }
  return normalizeId(kind, id);
}

function required<T>(v: T | undefined, field: string): T {
  if (v === undefined || v === null || v === "") throw invalidParameter(field, v, "is required");
  return v;
}

function tagRecord(tags: Tag[] | undefined, field: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [i, t] of (tags ?? []).entries()) {
    if (!t.Key) throw invalidParameter(`${field}[${i}].Key`, t.Key, "is required");
    if (t.Key.toLowerCase().startsWith("aws:"))
      throw invalidParameter(`${field}[${i}].Key`, t.Key, "can't start with aws:");
    out[t.Key] = t.Value ?? "";
  }
  if (Object.keys(out).length > 50) throw invalidParameter(field, Object.keys(out).length, "exceeds 50 tags");
  return out;
}

function attributes(rec: SnapRecord) {
  return [{ AttributeName: "restore", AttributeValues: [...rec.sharedWith].sort() }];
}

function paginate<T>(items: T[], input: { MaxRecords?: number; Marker?: string }): { page: T[]; marker?: string } {
  const { start, max } = pageBounds(input);
  const page = items.slice(start, start + max);
  const next = start + max;
  return next < items.length ? { page, marker: String(next) } : { page };
}

/** First entry and size of the page a Describe* call asks for (MaxRecords 20-100, Marker from this API). */
function pageBounds(input: { MaxRecords?: number; Marker?: string }): { start: number; max: number } {
  const max = input.MaxRecords ?? MAX_RECORDS;
  if (!Number.isInteger(max) || max < MIN_RECORDS || max > MAX_RECORDS) {
    throw invalidParameter("MaxRecords", input.MaxRecords, `must be between ${MIN_RECORDS} and ${MAX_RECORDS}`);
  }
  const start = input.Marker === undefined ? 0 : Number(input.Marker);
  if (!Number.isInteger(start) || start < 0)
    throw invalidParameter("Marker", input.Marker, "is not a marker from this API");
  return { start, max };
}

/**
 * Matchers of a snapshot listing's `Filters` (DescribeDBSnapshots / DescribeDBClusterSnapshots API reference,
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBSnapshots.html: `db-instance-id` "Accepts
 * DB instance identifiers and DB instance Amazon Resource Names (ARNs)", `db-cluster-id` likewise for clusters). A
 * filter has "One or more filter values" (Filter data type, API_Filter.html) and matches a snapshot when any value
 * does; every filter must match. AWS documents no largest number of values: the model takes any number, and the
 * handlers keep to a named assumption (config/assumptions.ts SNAPSHOT_FILTER_MAX_VALUES).
 */
function snapshotFilters(kind: DbKind, filters: Filter[] | undefined): ((l: Listed) => boolean)[] {
  const dbFilter = kind === "cluster" ? "db-cluster-id" : "db-instance-id";
  const snapFilter = kind === "cluster" ? "db-cluster-snapshot-id" : "db-snapshot-id";
  return (filters ?? []).map((f) => {
    const values = f.Values ?? [];
    switch (f.Name) {
      case dbFilter: {
        const set = new Set(values);
        // A DB's ARN names the owner's account and region (the snapshot's own, shared ones included).
        const arns = values.some((v) => v.startsWith("arn:"));
        return (l: Listed) =>
          set.has(l.rec.dbId) ||
          (arns && set.has(rdsArn(l.rec.region, l.rec.account, arnType(kind, "db"), l.rec.dbId)));
      }
      case snapFilter:
        return (l: Listed) => values.includes(l.rec.id) || values.includes(l.rec.arn);
      case "snapshot-type":
        return (l: Listed) => values.includes(l.shared ? "shared" : l.rec.type);
      case "engine":
        return (l: Listed) => values.includes(l.rec.engine);
      default:
        throw invalidParameter("Filters.Name", f.Name, "is not a filter the model supports");
    }
  });
}

/**
 * A DB's DNS endpoint in the RDS form `<id>.<unique id>.<region>.rds.amazonaws.com` (clusters: `cluster-` /
 * `cluster-ro-` before the unique id); the model's unique id is the account's. Only once the DB exists: RDS shows
 * no endpoint while a DB is being created.
 */
function endpointOf(d: DbRecord, kind = ""): string {
  return `${d.id}.${kind}c${d.account}.${d.region}.rds.amazonaws.com`;
}

/** Default port of an engine (PostgreSQL 5432, MySQL/MariaDB 3306, SQL Server 1433, Oracle 1521). */
function portOf(engine: string): number {
  if (engine.includes("postgres")) return 5432;
  if (engine.startsWith("sqlserver")) return 1433;
  if (engine.startsWith("oracle")) return 1521;
  return 3306;
}

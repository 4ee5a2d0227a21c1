/**
 * The normalized view of RDS that every planner works on. Instances and Aurora clusters, and their snapshots,
 * are mapped into one shape so that each planner is written once for both kinds.
 */
import type { DBCluster, DBClusterSnapshot, DBInstance, DBSnapshot } from "@aws-sdk/client-rds";
import { BoundedCache } from "./boundedCache";
import { isOwned, type Stage, TAG, tagsToRecord } from "./tags";

/** `instance` for RDS DB instances, `cluster` for Aurora (and Multi-AZ) DB clusters. */
export type DbKind = "instance" | "cluster";

/** A DB instance or cluster. */
export interface Db {
  readonly kind: DbKind;
  readonly id: string;
  readonly arn: string;
  readonly status: string;
  readonly engine: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Allocated storage in GiB (instances; 0 when unknown). */
  readonly sizeGb: number;
  /** Set for instances that are members of a cluster; the cluster is snapshotted instead. */
  readonly clusterId?: string;
}

/** A DB snapshot or DB cluster snapshot, from a Describe response (tags come from its `TagList`). */
export interface Snapshot {
  readonly kind: DbKind;
  readonly id: string;
  readonly arn: string;
  /** Identifier of the DB the snapshot is of (for copies: the original DB, from our tag when present). */
  readonly dbId: string;
  /** `creating`, `available`, `copying`, `failed`, ... (lowercase as RDS returns it). */
  readonly status: string;
  /** `manual`, `automated`, `shared`, `awsbackup`, `public`. */
  readonly type: string;
  /** `SnapshotCreateTime` (UTC). Undefined while RDS has not set it yet. */
  readonly createdAt?: Date;
  readonly encrypted: boolean;
  readonly kmsKeyId?: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Region the snapshot lives in (from its ARN). */
  readonly region: string;
  /** Account that owns the snapshot (from its ARN). */
  readonly account: string;
  /** Source snapshot ARN/identifier for copies (`SourceDBSnapshotIdentifier` / `SourceDBClusterSnapshotArn`). */
  readonly copiedFrom?: string;
  /** Percent of the create or copy done (0-100). */
  readonly progress: number;
  readonly sizeGb: number;
}

/** `arn:aws:rds:eu-west-1:111122223333:snapshot:x` -> `{ partition, region, account, resourceType, name }`. */
export function parseArn(arn: string): { partition: string; region: string; account: string; resource: string } {
  // The first five colons split off partition, service, region and account; the resource is the rest, colons and all
  // (what splitting on every colon and joining the parts after the fifth gives, without the array per part).
  const c0 = arn.indexOf(":");
  const c1 = c0 < 0 ? -1 : arn.indexOf(":", c0 + 1);
  const c2 = c1 < 0 ? -1 : arn.indexOf(":", c1 + 1);
  const c3 = c2 < 0 ? -1 : arn.indexOf(":", c2 + 1);
  const c4 = c3 < 0 ? -1 : arn.indexOf(":", c3 + 1);
  if (c4 < 0 || c0 !== 3 || !arn.startsWith("arn")) throw new Error(`not an ARN: ${arn}`);
  return {
    partition: arn.slice(c0 + 1, c1),
    region: arn.slice(c2 + 1, c3),
    account: arn.slice(c3 + 1, c4),
    resource: arn.slice(c4 + 1),
  };
}

/**
 * Snapshot name from a Describe response. For snapshots shared from another account RDS returns the full ARN in
 * `DBSnapshotIdentifier` / `DBClusterSnapshotIdentifier` (boto/boto3#2335); the name is the ARN's last part.
 */
export function snapshotName(identifier: string | undefined): string {
  const id = identifier ?? "";
  if (!id.startsWith("arn:")) return id;
  const resource = parseArn(id).resource; // "snapshot:<name>" or "cluster-snapshot:<name>"
  return resource.slice(resource.indexOf(":") + 1);
}

/** The recovery point a snapshot represents: our tag on copies, else its own create time. */
export function recoveryPointOf(s: Snapshot): Date | undefined {
  const tagged = s.tags[TAG.recoveryPoint];
  if (tagged) {
    const ms = parsedTime(tagged);
    if (!Number.isNaN(ms)) return new Date(ms);
  }
  return s.createdAt;
}

/** {@link recoveryPointOf} in ms since the epoch, without making a `Date` (for planners reading thousands). */
export function recoveryTimeOf(s: Snapshot): number | undefined {
  const tagged = s.tags[TAG.recoveryPoint];
  if (tagged) {
    const ms = parsedTime(tagged);
    if (!Number.isNaN(ms)) return ms;
  }
  return s.createdAt?.getTime();
}

/**
 * `new Date(text).getTime()`, remembered per text: parsing a date string is the costliest step of a planner run over
 * thousands of snapshots, and the Taker stamps every snapshot of one run with the same recovery-point text. The
 * cache only ever holds what `Date` itself parsed, and is emptied when it grows past {@link PARSED_TIMES_MAX}.
 */
function parsedTime(text: string): number {
  return parsedTimes.get(text, parseTime);
}
const parseTime = (text: string): number => new Date(text).getTime();
const PARSED_TIMES_MAX = 100_000;
const parsedTimes = new BoundedCache<string, number>(PARSED_TIMES_MAX);

/** Pipeline stage of an owned snapshot (undefined for foreign ones). */
export function stageOf(s: Snapshot): Stage | undefined {
  if (!isOwned(s.tags)) return undefined;
  const v = s.tags[TAG.stage];
  return v === "source" || v === "dr" || v === "dr-region" ? v : undefined;
}

/** Maps a `DBInstance` from DescribeDBInstances. */
export function fromDbInstance(d: DBInstance): Db {
  return {
    kind: "instance",
    id: d.DBInstanceIdentifier ?? "",
    arn: d.DBInstanceArn ?? "",
    status: (d.DBInstanceStatus ?? "unknown").toLowerCase(),
    engine: d.Engine ?? "",
    tags: tagsToRecord(d.TagList),
    sizeGb: d.AllocatedStorage ?? 0,
    ...(d.DBClusterIdentifier ? { clusterId: d.DBClusterIdentifier } : {}),
  };
}

/** Maps a `DBCluster` from DescribeDBClusters. */
export function fromDbCluster(c: DBCluster): Db {
  return {
    kind: "cluster",
    id: c.DBClusterIdentifier ?? "",
    arn: c.DBClusterArn ?? "",
    status: (c.Status ?? "unknown").toLowerCase(),
    engine: c.Engine ?? "",
    tags: tagsToRecord(c.TagList),
    sizeGb: c.AllocatedStorage ?? 0,
  };
}

/**
 * Normalized snapshots of *frozen* Describe items, by item. A frozen item (and its frozen `TagList`) cannot change, so
 * its normalized form is computed once and handed out frozen. The SDK never freezes what it returns, so a Lambda never
 * hits this; the simulator's RDS model does (sim/aws/rds.ts hands out one frozen item per finished snapshot), and
 * there the same snapshot is listed and normalized thousands of times (issue 10, docs/performance.md).
 */
const normalizedFrozen = new WeakMap<object, Snapshot>();

function isFrozenItem(s: { TagList?: readonly unknown[] }): boolean {
  return Object.isFrozen(s) && (s.TagList === undefined || Object.isFrozen(s.TagList));
}

function remembered<T extends { TagList?: readonly unknown[] }>(s: T, map: (s: T) => Snapshot): Snapshot {
  // Only frozen items are ever stored, and a frozen item stays frozen (its TagList too: a frozen item cannot be given
  // another), so a hit needs no freeze test; `Object.isFrozen` walks every property of a frozen object.
  let snap = normalizedFrozen.get(s);
  if (snap === undefined) {
    if (!isFrozenItem(s)) return map(s);
    snap = map(s);
    Object.freeze(snap.tags);
    Object.freeze(snap);
    normalizedFrozen.set(s, snap);
  }
  return snap;
}

/** Maps a `DBSnapshot` from DescribeDBSnapshots. */
export function fromDbSnapshot(s: DBSnapshot): Snapshot {
  return remembered(s, mapDbSnapshot);
}

/**
 * The last frozen pages of Describe items normalized, with their snapshots, by each page's first item and by its last
 * item (one set per mapper). The simulator's RDS model hands out frozen pages (sim/aws/rds.ts `sidePage`): the same
 * page while a listing is unchanged, and otherwise a page that mostly holds the same frozen items as the listing's last
 * one (a snapshot added at the end, removed at the start, one in progress with a new percent done). A scoped Copier or
 * Checker run lists the same DB's pages again and again, and the look-up of each item's remembered snapshot in
 * {@link normalizedFrozen} was the costliest step of normalizing them (issue 10). Here an item at the same place in an
 * earlier page (or one further, after an item removed or replaced) is recognised by identity and given the snapshot it
 * had there, which is its remembered one; only the other items are looked up. Which earlier page: the same one, else
 * one with the same first and last items (the same listing, changed in the middle), else the one with the same first
 * item and the closest length, else one with the same last item. The SDK never freezes a page, so a Lambda never gets
 * here.
 */
interface PageMemo {
  readonly page: readonly object[];
  /** Per item of `page`: its remembered snapshot, or undefined when it has none (not frozen). */
  readonly snaps: readonly (Snapshot | undefined)[];
  /** The snapshots of `page`, frozen, when every item has a remembered one. */
  readonly all: readonly Snapshot[] | undefined;
}
interface PageMemos {
  /** Up to {@link PAGES_PER_ITEM} pages per first item, the latest first. */
  readonly byFirst: WeakMap<object, PageMemo[]>;
  readonly byLast: WeakMap<object, PageMemo>;
}
const PAGES_PER_ITEM = 4;
const instancePages: PageMemos = { byFirst: new WeakMap(), byLast: new WeakMap() };
const clusterPages: PageMemos = { byFirst: new WeakMap(), byLast: new WeakMap() };
const NO_SNAPSHOTS: readonly Snapshot[] = Object.freeze([]);

/** The earlier page to align `page` with (see {@link PageMemos}), or undefined. */
function earlierPage(page: readonly object[], byFirst: readonly PageMemo[] | undefined, memos: PageMemos) {
  const n = page.length;
  const lastItem = page[n - 1] as object;
  if (byFirst !== undefined) {
    let closest: PageMemo | undefined;
    for (let m = 0; m < byFirst.length; m++) {
      const memo = byFirst[m] as PageMemo;
      if (memo.page === page || memo.page[memo.page.length - 1] === lastItem) return memo;
      if (closest === undefined || Math.abs(memo.page.length - n) < Math.abs(closest.page.length - n)) closest = memo;
    }
    if (closest !== undefined) return closest;
  }
  return memos.byLast.get(lastItem);
}

function rememberedPage<T extends { TagList?: readonly unknown[] }>(
  page: readonly T[] | undefined,
  memos: PageMemos,
  map: (s: T) => Snapshot,
): readonly Snapshot[] {
  if (page === undefined || page.length === 0) return NO_SNAPSHOTS;
  const n = page.length;
  if (!Object.isFrozen(page)) {
    const out: Snapshot[] = new Array(n);
    for (let k = 0; k < n; k++) out[k] = remembered(page[k] as T, map);
    return out;
  }
  const first = page[0] as T;
  const byFirst = memos.byFirst.get(first);
  const memo = earlierPage(page, byFirst, memos);
  if (memo !== undefined && memo.page === page && memo.all !== undefined) return memo.all;
  const last = memo?.page ?? NO_ITEMS;
  const lastSnaps = memo?.snaps ?? NO_ITEMS;
  // Each item's remembered snapshot (undefined for an item without one), which is the page's snapshots when every
  // item has one; otherwise `out` holds the page's snapshots, made from the first item without one on.
  const snaps: (Snapshot | undefined)[] = new Array(n);
  let out: Snapshot[] | undefined;
  let j = 0;
  for (let k = 0; k < n; k++) {
    const item = page[k] as T;
    let snap: Snapshot | undefined;
    if (last[j] === item) snap = lastSnaps[j++] as Snapshot | undefined;
    else if (last[j + 1] === item) {
      snap = lastSnaps[j + 1] as Snapshot | undefined;
      j += 2;
    }
    if (snap === undefined) {
      // remembered(), also noting whether the item's snapshot is the remembered one.
      snap = normalizedFrozen.get(item);
      if (snap === undefined) {
        const made = remembered(item, map);
        if (normalizedFrozen.get(item) === made) snap = made;
        else {
          if (out === undefined) out = snaps.slice(0, k) as Snapshot[];
          out[k] = made;
          snaps[k] = undefined;
          continue;
        }
      }
    }
    snaps[k] = snap;
    if (out !== undefined) out[k] = snap;
  }
  const made: PageMemo = { page, snaps, all: out === undefined ? Object.freeze(snaps as Snapshot[]) : undefined };
  // The new page comes first among its first item's pages, in place of an earlier version of the same listing (same
  // first and last items), else of the least recent one when there are already as many as kept.
  if (byFirst === undefined) memos.byFirst.set(first, [made]);
  else {
    const same = memo !== undefined && memo.page[memo.page.length - 1] === page[n - 1] ? byFirst.indexOf(memo) : -1;
    if (same >= 0) byFirst.splice(same, 1);
    else if (byFirst.length >= PAGES_PER_ITEM) byFirst.pop();
    byFirst.unshift(made);
  }
  memos.byLast.set(page[n - 1] as T, made);
  return out ?? (made.all as readonly Snapshot[]);
}
const NO_ITEMS: readonly never[] = Object.freeze([]);

/**
 * A page of `DBSnapshot`s mapped with {@link fromDbSnapshot}, in order. The list is shared (and frozen) when the page
 * and its items are frozen: copy it before changing it.
 */
export function fromDbSnapshotPage(page: readonly DBSnapshot[] | undefined): readonly Snapshot[] {
  return rememberedPage(page, instancePages, mapDbSnapshot);
}

/** {@link fromDbSnapshotPage} for `DBClusterSnapshot`s ({@link fromDbClusterSnapshot}). */
export function fromDbClusterSnapshotPage(page: readonly DBClusterSnapshot[] | undefined): readonly Snapshot[] {
  return rememberedPage(page, clusterPages, mapDbClusterSnapshot);
}

/*
 * Both mappers build every snapshot with the same properties in the same order (an absent optional field is present
 * with the value `undefined`), so all normalized snapshots share one V8 hidden class: the planners' loops over
 * thousands of them then read each field with a monomorphic load instead of a lookup across several shapes (issue 10).
 * `JSON.stringify` and `toEqual` treat such a field as absent, as before.
 */
function mapDbSnapshot(s: DBSnapshot): Snapshot {
  const arn = s.DBSnapshotArn ?? "";
  const { region, account } = arn ? parseArn(arn) : { region: "", account: "" };
  const tags = tagsToRecord(s.TagList);
  return {
    kind: "instance",
    id: snapshotName(s.DBSnapshotIdentifier),
    arn,
    dbId: tags[TAG.sourceDb] ?? s.DBInstanceIdentifier ?? "",
    status: (s.Status ?? "unknown").toLowerCase(),
    type: (s.SnapshotType ?? "manual").toLowerCase(),
    createdAt: s.SnapshotCreateTime ? new Date(s.SnapshotCreateTime) : undefined,
    encrypted: s.Encrypted ?? false,
    kmsKeyId: s.KmsKeyId ? s.KmsKeyId : undefined,
    tags,
    region,
    account,
    copiedFrom: s.SourceDBSnapshotIdentifier ? s.SourceDBSnapshotIdentifier : undefined,
    progress: s.PercentProgress ?? 0,
    sizeGb: s.AllocatedStorage ?? 0,
  };
}

/** Maps a `DBClusterSnapshot` from DescribeDBClusterSnapshots. */
export function fromDbClusterSnapshot(s: DBClusterSnapshot): Snapshot {
  return remembered(s, mapDbClusterSnapshot);
}

function mapDbClusterSnapshot(s: DBClusterSnapshot): Snapshot {
  const arn = s.DBClusterSnapshotArn ?? "";
  const { region, account } = arn ? parseArn(arn) : { region: "", account: "" };
  const tags = tagsToRecord(s.TagList);
  return {
    kind: "cluster",
    id: snapshotName(s.DBClusterSnapshotIdentifier),
    arn,
    dbId: tags[TAG.sourceDb] ?? s.DBClusterIdentifier ?? "",
    status: (s.Status ?? "unknown").toLowerCase(),
    type: (s.SnapshotType ?? "manual").toLowerCase(),
    createdAt: s.SnapshotCreateTime ? new Date(s.SnapshotCreateTime) : undefined,
    encrypted: s.StorageEncrypted ?? false,
    kmsKeyId: s.KmsKeyId ? s.KmsKeyId : undefined,
    tags,
    region,
    account,
    copiedFrom: s.SourceDBClusterSnapshotArn ? s.SourceDBClusterSnapshotArn : undefined,
    progress: s.PercentProgress ?? 0,
    sizeGb: s.AllocatedStorage ?? 0,
  };
}

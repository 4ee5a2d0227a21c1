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

/**
 * Key of a memo slot a frozen Describe item may carry: a plain, unfrozen object (`{}`), non-enumerable, that the
 * item's maker set before freezing it (sim/aws/rds.ts does, for the views it hands out again and again). The first
 * normalization stores its result there, and later ones read it with one property load: the same memo as
 * {@link normalizedFrozen}, without a WeakMap lookup per listed snapshot (4.7 million of them in the 20 DB x 7 day
 * simulation, ~1 s of CPU with the WeakMap; issue 10). `Symbol.for`, so the model needs no import from here.
 */
export const NORMALIZED_SLOT: unique symbol = Symbol.for("rds-pilot-light.normalized") as never;

interface NormalizedSlot {
  snap?: Snapshot;
}

function isFrozenItem(s: { TagList?: readonly unknown[] }): boolean {
  return Object.isFrozen(s) && (s.TagList === undefined || Object.isFrozen(s.TagList));
}

function remembered<T extends { TagList?: readonly unknown[] }>(s: T, map: (s: T) => Snapshot): Snapshot {
  return rememberedFrozen(s, map) ?? map(s);
}

/**
 * The remembered (frozen) normalized snapshot of a frozen item, or undefined when the item is not frozen (its
 * normalized form may change with it, so it is never remembered).
 */
function rememberedFrozen<T extends { TagList?: readonly unknown[] }>(
  s: T,
  map: (s: T) => Snapshot,
): Snapshot | undefined {
  const slot = (s as { [NORMALIZED_SLOT]?: NormalizedSlot })[NORMALIZED_SLOT];
  // A slot is only trusted on a frozen item (its TagList too): only then can the item not change after the memo.
  if (slot !== undefined) {
    if (slot.snap !== undefined) return slot.snap;
    if (!isFrozenItem(s)) return undefined;
    slot.snap = frozenSnapshot(map(s));
    return slot.snap;
  }
  // Only frozen items are ever stored, and a frozen item stays frozen (its TagList too: a frozen item cannot be given
  // another), so a hit needs no freeze test; `Object.isFrozen` walks every property of a frozen object.
  let snap = normalizedFrozen.get(s);
  if (snap === undefined) {
    if (!isFrozenItem(s)) return undefined;
    snap = frozenSnapshot(map(s));
    normalizedFrozen.set(s, snap);
  }
  return snap;
}

function frozenSnapshot(snap: Snapshot): Snapshot {
  Object.freeze(snap.tags);
  return Object.freeze(snap);
}

/** Where a snapshot lives, when its ARN gives none. */
const NO_PLACE = { region: "", account: "" };

/**
 * Region and account of a snapshot ARN, each as one shared string per distinct value ({@link shared}): every
 * normalized snapshot of a region then holds the same region string (and of an account, the same account string),
 * so the planners' comparisons of those fields over thousands of snapshots compare one string with itself, and read
 * no string of a snapshot's own (issue 10). Equal to what {@link parseArn} returns.
 */
function arnPlace(arn: string): { region: string; account: string } {
  const { region, account } = parseArn(arn);
  return { region: shared(region), account: shared(account) };
}

/**
 * One string instance per distinct value (regions and accounts: a handful), kept while there are few: an unexpected
 * flood of distinct values stops sharing rather than growing the table.
 */
function shared(text: string): string {
  const known = sharedStrings.get(text);
  if (known !== undefined) return known;
  if (sharedStrings.size < SHARED_STRINGS_MAX) sharedStrings.set(text, text);
  return text;
}
const SHARED_STRINGS_MAX = 10_000;
const sharedStrings = new Map<string, string>();

/**
 * Facts a planner derives from one normalized snapshot, remembered per *frozen* snapshot (frozen tags too: the ones
 * {@link remembered} hands out for the simulator's frozen Describe items, listed to run after run; issue 10). An
 * unfrozen snapshot (every Lambda's: the SDK returns plain objects) is read into `scratch` every time, allocating
 * nothing, so the caller must use the result before it asks again. `read` fills every field of the facts object it
 * is given. Takes a snapshot's `createdAt` Date as never set again (nothing does).
 */
export function factsOfSnapshot<F>(
  memo: WeakMap<Snapshot, F>,
  s: Snapshot,
  scratch: F,
  fresh: () => F,
  read: (s: Snapshot, into: F) => void,
): F {
  const known = memo.get(s);
  if (known !== undefined) return known;
  const frozen = Object.isFrozen(s) && Object.isFrozen(s.tags);
  const f = frozen ? fresh() : scratch;
  read(s, f);
  if (frozen) memo.set(s, f);
  return f;
}

/** Maps a `DBSnapshot` from DescribeDBSnapshots. */
export function fromDbSnapshot(s: DBSnapshot): Snapshot {
  return remembered(s, mapDbSnapshot);
}

/**
 * {@link fromDbSnapshot} of a frozen item (its `TagList` too): the same frozen snapshot for the same item. Undefined
 * for an item that is not frozen (lib/rds.ts then normalizes it with {@link fromDbSnapshot} and remembers nothing).
 */
export function fromFrozenDbSnapshot(s: DBSnapshot): Snapshot | undefined {
  return rememberedFrozen(s, mapDbSnapshot);
}

/*
 * Both mappers build every snapshot with the same properties in the same order (an absent optional field is present
 * with the value `undefined`), so all normalized snapshots share one V8 hidden class: the planners' loops over
 * thousands of them then read each field with a monomorphic load instead of a lookup across several shapes (issue 10).
 * `JSON.stringify` and `toEqual` treat such a field as absent, as before.
 */
function mapDbSnapshot(s: DBSnapshot): Snapshot {
  const arn = s.DBSnapshotArn ?? "";
  const { region, account } = arn ? arnPlace(arn) : NO_PLACE;
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

/** {@link fromDbClusterSnapshot} of a frozen item; undefined for one that is not frozen (see {@link fromFrozenDbSnapshot}). */
export function fromFrozenDbClusterSnapshot(s: DBClusterSnapshot): Snapshot | undefined {
  return rememberedFrozen(s, mapDbClusterSnapshot);
}

function mapDbClusterSnapshot(s: DBClusterSnapshot): Snapshot {
  const arn = s.DBClusterSnapshotArn ?? "";
  const { region, account } = arn ? arnPlace(arn) : NO_PLACE;
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

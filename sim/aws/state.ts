/**
 * In-memory state of the RDS/KMS model: plain records in maps keyed by id. Status is never stored for work in
 * progress: a snapshot or DB knows when it started and when it completes, and its status is derived from the
 * clock at each read, so advancing a virtual clock costs nothing.
 */
import { copyMinutesFor, DEFAULT_COPY_THROUGHPUT } from "../../config/assumptions";
import type { DbKind } from "../../functions/lib/model";

/** Timing of long-running operations, in minutes of virtual time. */
export interface ModelTiming {
  snapshotMinutes(i: { sizeGb: number; kind: DbKind; incremental: boolean }): number;
  /**
   * Minutes a copy runs once it starts. `gbMoved` is what the model decided the copy moves: the snapshot's allocated
   * size for a full copy, the data changed since the base copy for an incremental one (rule COPY-BYTES).
   */
  copyMinutes(i: { sizeGb: number; kind: DbKind; incremental: boolean; crossRegion: boolean; gbMoved: number }): number;
  /** Restore or create of a DB until `available` (additive, optional; default 20 + 0.2 * sizeGb). */
  restoreMinutes?(i: { sizeGb: number; kind: DbKind }): number;
}

/**
 * Defaults: snapshot 5 + 0.05*GB full / 3 incremental; copy: `copyMinutesFor(gbMoved, crossRegion)` with the default
 * throughput assumptions of config/assumptions.ts, without jitter.
 */
export const DEFAULT_TIMING: Required<ModelTiming> = {
  snapshotMinutes: ({ sizeGb, incremental }) => (incremental ? 3 : 5 + 0.05 * sizeGb),
  copyMinutes: ({ gbMoved, crossRegion }) => copyMinutesFor(gbMoved, crossRegion, DEFAULT_COPY_THROUGHPUT),
  restoreMinutes: ({ sizeGb }) => 20 + 0.2 * sizeGb,
};

/** Fault injection. Every random decision uses `random`, so a seeded PRNG makes a run reproducible. */
export interface ModelFaults {
  /** Injected PRNG in [0, 1). Default `() => 0.5` (never `Math.random`, so runs stay deterministic). */
  random?: () => number;
  /**
   * Probability that an *attempt* (each try of the SDK's retry strategy) throws `Throttling` / `ThrottlingException`:
   * one rate for every service, or one per service.
   */
  throttleRate?: number | Partial<Record<"rds" | "kms" | "events", number>>;
  /** Probability that a started copy ends `failed`. */
  failCopyRate?: number;
  /** Return true to make the call throw `AccessDenied` / `AccessDeniedException`. */
  accessDenied?: (call: { account: string; region: string; command: string }) => boolean;
  /** Return true to make the call throw `InternalFailure`. */
  outage?: (call: { account: string; region: string; command: string; now: Date }) => boolean;
  /**
   * Return true to make a copy into `account`/`region` of a snapshot of source DB `sourceAccount`/`dbId` fail with
   * `KMSKeyNotAccessibleFault`, as when a key policy or grant stops the copying account from using the source key
   * (a scheduled fault, sim/faults.ts).
   */
  copyKeyDenied?: (copy: {
    account: string;
    region: string;
    sourceAccount: string;
    dbId: string;
    now: Date;
  }) => boolean;
}

/** A DB instance or cluster. */
export interface DbRecord {
  readonly kind: DbKind;
  readonly account: string;
  readonly region: string;
  readonly id: string;
  readonly arn: string;
  readonly sizeGb: number;
  readonly engine: string;
  tags: Record<string, string>;
  /** Status once any creation is over (`available`, `stopped`, ...). */
  status: string;
  readonly kmsKeyArn?: string;
  readonly clusterId?: string;
  /** Percent of the DB's data changed per hour (drives the size of incremental copies). */
  readonly changePercentPerHour: number;
  readonly createdAt: number;
  /** Epoch ms when a restore/create finishes (status `creating` until then). */
  readonly readyAt: number;
  /** Epoch ms until which an instance shows `backing-up` (a snapshot of it is being taken). */
  busyUntil: number;
}

/** A DB snapshot or DB cluster snapshot (original or copy). */
export interface SnapRecord {
  readonly kind: DbKind;
  readonly account: string;
  readonly region: string;
  readonly id: string;
  readonly arn: string;
  /** Identifier of the DB the data comes from (the original DB, also on copies). */
  readonly dbId: string;
  /** `account|region|kind|dbId` of the original DB: copies of copies keep it, for the incremental rule. */
  readonly origin: string;
  readonly engine: string;
  readonly sizeGb: number;
  readonly type: "manual" | "automated";
  /** When the snapshot or copy was requested (`SnapshotCreateTime`). */
  readonly startedAt: number;
  /** When the work really starts: later than `startedAt` for a copy queued behind copies of the same DB. */
  runsFrom: number;
  doneAt: number;
  /** Percent of the DB's data changed per hour, carried from the DB to its snapshots and their copies. */
  readonly changePercentPerHour: number;
  /** GB the copy moved (0 for snapshots that are not copies). */
  readonly gbMoved: number;
  /** Why a copy is full (undefined for incremental copies and for snapshots that are not copies). */
  readonly fullReason?: string;
  /** Decided when the copy starts (failCopyRate); shown once `doneAt` has passed. */
  fails: boolean;
  /** Create time of the original snapshot (`OriginalSnapshotCreateTime`). */
  readonly originalCreatedAt: number;
  readonly kmsKeyId?: string;
  tags: Record<string, string>;
  /** Accounts in the `restore` attribute (`all` = public). */
  readonly sharedWith: Set<string>;
  /** The snapshot this one was copied from. */
  readonly source?: SnapRecord;
  readonly crossRegion: boolean;
  readonly crossAccount: boolean;
  readonly incremental: boolean;
  /** Copies made from this snapshot (deleting it terminates those still queued or running). */
  readonly copies: Set<SnapRecord>;
  /** Bumped on every change of tags or sharing (cached views compare it). */
  rev: number;
  /** What the model derived from this record and reuses ({@link memoOf}); never state, never read as such. */
  memo?: SnapMemo;
}

/**
 * Objects the model derives from a snapshot record and hands out again while they are still what it would build:
 * kept on the record itself (a property read) rather than in WeakMaps keyed by it, which cost a hash lookup for every
 * snapshot of every listing.
 */
export interface SnapMemo {
  /** The record's entry in its owner's listings, and in the listings of accounts it is shared with. */
  readonly owned: { readonly rec: SnapRecord; readonly shared: false };
  readonly sharedEntry: { readonly rec: SnapRecord; readonly shared: true };
  /** The `tags` object {@link SnapMemo.owner} and {@link SnapMemo.shared} were built from (a retag replaces it). */
  viewTags?: object;
  /** Frozen SDK views of the finished snapshot, as its owner and as an account it is shared with see it. */
  owner?: object;
  shared?: object;
  /** The normalized snapshot of sim/aws/rdsModel.ts, built from `snapTags` at revision `snapRev` once finished. */
  snapTags?: object;
  snapRev?: number;
  snap?: object;
  /**
   * While the snapshot is in progress, what it shows depends on the clock only through its percent done (status
   * `creating` throughout): the frozen SDK views (as owner, as an account it is shared with) and the normalized
   * snapshot last built, each with the `tags` object (and, for the normalized one, the revision) and the percent done
   * it was built at.
   */
  progTags?: object;
  progOwner?: object;
  progOwnerAt: number;
  progShared?: object;
  progSharedAt: number;
  progSnapTags?: object;
  progSnapRev: number;
  progSnapAt: number;
  progSnap?: object;
}

/**
 * A snapshot record with every field, optional ones included, set in one fixed order: every record then has the same
 * hidden class, so the model's reads of its fields, done for every snapshot of every listing, stay monomorphic.
 */
export function newSnapRecord(f: Omit<SnapRecord, "sharedWith" | "copies" | "rev" | "memo">): SnapRecord {
  return {
    kind: f.kind,
    account: f.account,
    region: f.region,
    id: f.id,
    arn: f.arn,
    dbId: f.dbId,
    origin: f.origin,
    engine: f.engine,
    sizeGb: f.sizeGb,
    type: f.type,
    startedAt: f.startedAt,
    runsFrom: f.runsFrom,
    doneAt: f.doneAt,
    changePercentPerHour: f.changePercentPerHour,
    gbMoved: f.gbMoved,
    fullReason: f.fullReason,
    fails: f.fails,
    originalCreatedAt: f.originalCreatedAt,
    kmsKeyId: f.kmsKeyId,
    tags: f.tags,
    sharedWith: new Set(),
    source: f.source,
    crossRegion: f.crossRegion,
    crossAccount: f.crossAccount,
    incremental: f.incremental,
    copies: new Set(),
    rev: 0,
    memo: undefined,
  };
}

/** The record's {@link SnapMemo}, made on first use. */
export function memoOf(rec: SnapRecord): SnapMemo {
  let m = rec.memo;
  if (m === undefined) {
    m = {
      owned: { rec, shared: false },
      sharedEntry: { rec, shared: true },
      viewTags: undefined,
      owner: undefined,
      shared: undefined,
      snapTags: undefined,
      snapRev: undefined,
      snap: undefined,
      progTags: undefined,
      progOwner: undefined,
      progOwnerAt: -1,
      progShared: undefined,
      progSharedAt: -1,
      progSnapTags: undefined,
      progSnapRev: -1,
      progSnapAt: -1,
      progSnap: undefined,
    };
    rec.memo = m;
  }
  return m;
}

/** A KMS key. */
export interface KeyRecord {
  readonly arn: string;
  readonly id: string;
  readonly account: string;
  readonly region: string;
  readonly managed: "AWS" | "CUSTOMER";
  readonly aliases: Set<string>;
  /** Other accounts the key policy lets use the key (`kms:CreateGrant`, `kms:Decrypt`, ...). */
  readonly allowAccounts: Set<string>;
}

/** Derived status of a snapshot at `now`. */
export function snapStatus(s: SnapRecord, now: number): string {
  if (now < s.doneAt) return "creating";
  return s.fails ? "failed" : "available";
}

/** Percent done at `now` (0-100). */
export function snapProgress(s: SnapRecord, now: number): number {
  if (now >= s.doneAt) return 100;
  // A queued copy shows no progress until it starts (RDS user guide, "Latency and multiple copy requests").
  if (now < s.runsFrom) return 0;
  const span = s.doneAt - s.runsFrom;
  return span <= 0 ? 100 : Math.floor((100 * (now - s.runsFrom)) / span);
}

/** Derived status of a DB at `now`. */
export function dbStatus(d: DbRecord, now: number): string {
  if (now < d.readyAt) return "creating";
  if (d.kind === "instance" && d.status === "available" && now < d.busyUntil) return "backing-up";
  return d.status;
}

/** Key of per-account, per-region maps. */
export function scope(account: string, region: string): string {
  return `${account}|${region}`;
}

/** `arn:aws:rds:<region>:<account>:<type>:<id>`. */
export function rdsArn(region: string, account: string, type: string, id: string): string {
  return `arn:aws:rds:${region}:${account}:${type}:${id}`;
}

/** ARN resource type of a snapshot or DB of `kind`. */
export function arnType(kind: DbKind, what: "snapshot" | "db"): string {
  if (what === "snapshot") return kind === "cluster" ? "cluster-snapshot" : "snapshot";
  return kind === "cluster" ? "cluster" : "db";
}

/**
 * Fixtures for the Copier/Checker tests: raw Describe* items (as RDS returns them) and the same items mapped to
 * the model, so unit and handler tests describe one world.
 */
import type { DBClusterSnapshot, DBSnapshot } from "@aws-sdk/client-rds";
import type { CopyConfig } from "../../functions/copy/config";
import { sourceSnapshotId } from "../../functions/lib/identifiers";
import { type DbKind, fromDbClusterSnapshot, fromDbSnapshot, type Snapshot } from "../../functions/lib/model";
import { recordToTags } from "../../functions/lib/tags";

export const HOME = "eu-west-1";
export const DR = "eu-central-1";
export const DR_ACCOUNT = "999988887777";
export const SRC_A = "111122223333";
export const SRC_B = "444455556666";
export const HOME_KEY = `arn:aws:kms:${HOME}:${DR_ACCOUNT}:key/11111111-home`;
export const REGION_KEY = `arn:aws:kms:${DR}:${DR_ACCOUNT}:key/22222222-region`;
/** The production key of a source account: must never appear as KmsKeyId on a copy. */
export const SOURCE_KEY = `arn:aws:kms:${HOME}:${SRC_A}:key/33333333-source`;

/** The source CMK of a single-account stack (the DR account's own Taker key). */
export const OWN_SOURCE_KEY = `arn:aws:kms:${HOME}:${DR_ACCOUNT}:key/44444444-own-source`;

/** Environment of a two-step Copier with a DR region. */
export const ENV: Readonly<Record<string, string>> = {
  AWS_REGION: HOME,
  RPL_SOURCE_ACCOUNTS: `${SRC_A},${SRC_B}`,
  RPL_DR_KMS_KEY_ARN: HOME_KEY,
  RPL_DR_REGION: DR,
  RPL_DR_REGION_KMS_KEY_ARN: REGION_KEY,
};

/** A parsed config (two-step, DR region, limit 5, no deletes, 24-hour copy window) with overrides. */
export function config(over: Partial<CopyConfig> = {}): CopyConfig {
  return {
    region: HOME,
    sourceAccounts: [SRC_A, SRC_B],
    drKmsKeyArn: HOME_KEY,
    drRegion: DR,
    drRegionKmsKeyArn: REGION_KEY,
    mode: "two-step",
    maxCopiesInFlight: 5,
    deleteIntermediate: false,
    copyWindowHours: 24,
    ...over,
  };
}

export interface RawSnap {
  readonly kind: DbKind;
  readonly raw: DBSnapshot | DBClusterSnapshot;
}

const arnOf = (kind: DbKind, region: string, account: string, id: string) =>
  `arn:aws:rds:${region}:${account}:${kind === "instance" ? "snapshot" : "cluster-snapshot"}:${id}`;

function raw(
  kind: DbKind,
  o: {
    region: string;
    account: string;
    id: string;
    dbId: string;
    at: string;
    status: string;
    type: string;
    encrypted: boolean;
    kmsKeyId?: string;
    tags?: Record<string, string>;
    sourceId?: string;
  },
): RawSnap {
  const arn = arnOf(kind, o.region, o.account, o.id);
  const common = {
    Status: o.status,
    SnapshotType: o.type,
    SnapshotCreateTime: new Date(o.at),
    PercentProgress: o.status === "available" ? 100 : 10,
    AllocatedStorage: 20,
    ...(o.kmsKeyId ? { KmsKeyId: o.kmsKeyId } : {}),
    ...(o.tags ? { TagList: recordToTags(o.tags) } : { TagList: [] }),
  };
  if (kind === "instance") {
    return {
      kind,
      raw: {
        ...common,
        DBSnapshotIdentifier: o.id,
        DBSnapshotArn: arn,
        DBInstanceIdentifier: o.dbId,
        Encrypted: o.encrypted,
        ...(o.sourceId ? { SourceDBSnapshotIdentifier: o.sourceId } : {}),
      } satisfies DBSnapshot,
    };
  }
  return {
    kind,
    raw: {
      ...common,
      DBClusterSnapshotIdentifier: o.id,
      DBClusterSnapshotArn: arn,
      DBClusterIdentifier: o.dbId,
      StorageEncrypted: o.encrypted,
      ...(o.sourceId ? { SourceDBClusterSnapshotArn: o.sourceId } : {}),
    } satisfies DBClusterSnapshot,
  };
}

/** A snapshot the Sharer shared from `account` (as the DR account lists it: no tags). */
export function rawShared(o: {
  account: string;
  dbId: string;
  at: string;
  kind?: DbKind;
  status?: string;
  encrypted?: boolean;
  id?: string;
  region?: string;
}): RawSnap {
  const at = new Date(o.at);
  return raw(o.kind ?? "instance", {
    region: o.region ?? HOME,
    account: o.account,
    id: o.id ?? sourceSnapshotId(o.dbId, at),
    dbId: o.dbId,
    at: o.at,
    status: o.status ?? "available",
    type: "shared",
    encrypted: o.encrypted ?? true,
    kmsKeyId: SOURCE_KEY,
  });
}

/**
 * A snapshot our Taker made in the DR account itself (single-account stack, role `both`): manual, in HOME, owned by
 * `DR_ACCOUNT`, tagged as take/plan.ts tags it (stage `source`, recovery point = the Taker's run time).
 */
export function rawOwnSource(o: {
  dbId: string;
  at: string;
  kind?: DbKind;
  status?: string;
  encrypted?: boolean;
  /** `rpl-recovery-point`; defaults to `at`. */
  recoveryPoint?: string;
  /** Overrides of the Taker's tags. */
  tags?: Record<string, string>;
  /** Taker tags to leave out. */
  omit?: string[];
}): RawSnap {
  const kind = o.kind ?? "instance";
  const tags: Record<string, string> = {
    "rpl-managed-by": "rds-pilot-light",
    "rpl-source-db": o.dbId,
    "rpl-source-kind": kind,
    "rpl-source-account": DR_ACCOUNT,
    "rpl-source-region": HOME,
    "rpl-recovery-point": o.recoveryPoint ?? o.at,
    "rpl-stage": "source",
    ...o.tags,
  };
  for (const k of o.omit ?? []) delete tags[k];
  return raw(kind, {
    region: HOME,
    account: DR_ACCOUNT,
    id: sourceSnapshotId(o.dbId, new Date(o.at)),
    dbId: o.dbId,
    at: o.at,
    status: o.status ?? "available",
    type: "manual",
    encrypted: o.encrypted ?? true,
    kmsKeyId: OWN_SOURCE_KEY,
    tags,
  });
}

/** One of our copies (stage `dr` in HOME or `dr-region` in DR), tagged as the Copier tags it. */
export function rawCopy(o: {
  id: string;
  kind?: DbKind;
  stage: "dr" | "dr-region";
  status?: string;
  account?: string;
  dbId?: string;
  at?: string;
  copiedFrom?: string;
  owned?: boolean;
  recoveryPoint?: string;
}): RawSnap {
  const kind = o.kind ?? "instance";
  const region = o.stage === "dr" ? HOME : DR;
  const at = o.at ?? "2026-01-01T00:00:00.000Z";
  const copiedFrom = o.copiedFrom ?? "arn:aws:rds:eu-west-1:111122223333:snapshot:unknown";
  const tags: Record<string, string> =
    o.owned === false
      ? {}
      : {
          "rpl-managed-by": "rds-pilot-light",
          "rpl-source-db": o.dbId ?? "db",
          "rpl-source-kind": kind,
          "rpl-source-account": o.account ?? SRC_A,
          "rpl-source-region": HOME,
          "rpl-recovery-point": o.recoveryPoint ?? at,
          "rpl-stage": o.stage,
          "rpl-copied-from": copiedFrom,
        };
  return raw(kind, {
    region,
    account: DR_ACCOUNT,
    id: o.id,
    dbId: o.dbId ?? "db",
    at,
    status: o.status ?? "available",
    type: "manual",
    encrypted: true,
    kmsKeyId: o.stage === "dr" ? HOME_KEY : REGION_KEY,
    tags,
    sourceId: copiedFrom,
  });
}

/** Maps a raw item as lib/rds does. */
export function model(r: RawSnap): Snapshot {
  return r.kind === "instance"
    ? fromDbSnapshot(r.raw as DBSnapshot)
    : fromDbClusterSnapshot(r.raw as DBClusterSnapshot);
}

/** ARN of a raw item. */
export function arnOfRaw(r: RawSnap): string {
  return r.kind === "instance"
    ? (r.raw as DBSnapshot).DBSnapshotArn!
    : (r.raw as DBClusterSnapshot).DBClusterSnapshotArn!;
}

/** The ARN our home-region copy `id` has. */
export function homeCopyArn(id: string, kind: DbKind = "instance"): string {
  return arnOf(kind, HOME, DR_ACCOUNT, id);
}

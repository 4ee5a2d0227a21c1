/**
 * Fixtures for the Janitor tests: raw Describe* items (as RDS returns them) and the same items mapped through the
 * real model functions, so planner and handler tests describe one world.
 */
import type { DBClusterSnapshot, DBSnapshot } from "@aws-sdk/client-rds";
import type { ExpireConfig } from "../../functions/expire/config";
import { type DbKind, fromDbClusterSnapshot, fromDbSnapshot, type Snapshot } from "../../functions/lib/model";
import { DEFAULT_RETENTION, type RetentionPolicy } from "../../functions/lib/retention";
import { recordToTags, type Stage, TAG } from "../../functions/lib/tags";

export const HOME = "eu-west-1";
export const DR = "eu-central-1";
export const ACCOUNT = "999988887777";
export const SRC_A = "111122223333";
export const SRC_B = "444455556666";

/** A policy with every tier off and `minKeep` 1, overridden field by field: each test names what it relies on. */
export function policy(over: Partial<RetentionPolicy> = {}): RetentionPolicy {
  return { allHours: 0, dailyDays: 0, weeklyWeeks: 0, monthlyMonths: 0, minKeep: 1, ...over };
}

export function config(over: Partial<ExpireConfig> = {}): ExpireConfig {
  return { region: HOME, stage: "dr", regions: [HOME, DR], retention: DEFAULT_RETENTION, ...over };
}

export const arnOf = (kind: DbKind, region: string, account: string, id: string) =>
  `arn:aws:rds:${region}:${account}:${kind === "instance" ? "snapshot" : "cluster-snapshot"}:${id}`;

/** Options of one snapshot; everything defaults to "an available DR copy of orders-db that we own". */
export interface SnapOpts {
  /** Recovery point (ISO). Also the create time unless `createdAt` is given. */
  at?: string;
  id?: string;
  kind?: DbKind;
  region?: string;
  account?: string;
  dbId?: string;
  sourceAccount?: string;
  stage?: Stage | "none";
  owned?: boolean;
  type?: string;
  status?: string;
  /** Create time (ISO) or `null` for none; defaults to `at`. */
  createdAt?: string | null;
  /** Write the `rpl-recovery-point` tag (default true). */
  recoveryTag?: boolean;
  copiedFrom?: string;
  copiedFromTag?: string;
}

/** Identifier from the DB and time (like the real ids), unless given. */
function defaultId(o: SnapOpts): string {
  const slug = (o.at ?? "none").replace(/[-:.TZ]/g, "").slice(0, 12);
  return `rpl-${o.sourceAccount ?? SRC_A}-${o.dbId ?? "orders-db"}-${slug}${o.kind === "cluster" ? "-c" : ""}${o.stage ? `-${o.stage}` : ""}`;
}

/** The raw RDS item for `o`. */
export function rawSnap(o: SnapOpts = {}): { kind: DbKind; raw: DBSnapshot | DBClusterSnapshot } {
  const kind = o.kind ?? "instance";
  const region = o.region ?? HOME;
  const account = o.account ?? ACCOUNT;
  const id = o.id ?? defaultId(o);
  const dbId = o.dbId ?? "orders-db";
  const stage = o.stage ?? "dr";
  const tags: Record<string, string> = {};
  if (o.owned !== false) tags[TAG.managedBy] = "rds-pilot-light";
  tags[TAG.sourceDb] = dbId;
  tags[TAG.sourceKind] = kind;
  tags[TAG.sourceAccount] = o.sourceAccount ?? SRC_A;
  if (stage !== "none") tags[TAG.stage] = stage;
  if (o.at && o.recoveryTag !== false) tags[TAG.recoveryPoint] = o.at;
  if (o.copiedFromTag) tags[TAG.copiedFrom] = o.copiedFromTag;
  const created = o.createdAt === null ? undefined : (o.createdAt ?? o.at);
  const common = {
    SnapshotType: o.type ?? "manual",
    Status: o.status ?? "available",
    ...(created ? { SnapshotCreateTime: new Date(created) } : {}),
    TagList: recordToTags(tags),
  };
  if (kind === "instance") {
    return {
      kind,
      raw: {
        ...common,
        DBSnapshotIdentifier: id,
        DBSnapshotArn: arnOf(kind, region, account, id),
        DBInstanceIdentifier: dbId,
        Encrypted: true,
        ...(o.copiedFrom ? { SourceDBSnapshotIdentifier: o.copiedFrom } : {}),
      } satisfies DBSnapshot,
    };
  }
  return {
    kind,
    raw: {
      ...common,
      DBClusterSnapshotIdentifier: id,
      DBClusterSnapshotArn: arnOf(kind, region, account, id),
      DBClusterIdentifier: dbId,
      StorageEncrypted: true,
      ...(o.copiedFrom ? { SourceDBClusterSnapshotArn: o.copiedFrom } : {}),
    } satisfies DBClusterSnapshot,
  };
}

/** The model snapshot for `o`, mapped by the real model functions. */
export function snap(o: SnapOpts = {}): Snapshot {
  const r = rawSnap(o);
  return r.kind === "instance"
    ? fromDbSnapshot(r.raw as DBSnapshot)
    : fromDbClusterSnapshot(r.raw as DBClusterSnapshot);
}

/** Snapshots of one DB at each ISO time (same options otherwise). */
export function series(times: readonly string[], o: SnapOpts = {}): Snapshot[] {
  return times.map((at) => snap({ ...o, at }));
}

/** ISO times from `from` (inclusive) to `to` (exclusive) every `stepMinutes`. */
export function every(from: string, to: string, stepMinutes: number): string[] {
  const out: string[] = [];
  for (let t = Date.parse(from); t < Date.parse(to); t += stepMinutes * 60_000) out.push(new Date(t).toISOString());
  return out;
}

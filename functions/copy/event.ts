/**
 * The Copier's and Checker's input: a scope (one shared snapshot, or one DB) or nothing (sweep everything).
 * Accepts the plain scope the state machine passes, the "RDS Pilot Light Snapshot Shared" event the Sharer puts on
 * the DR bus (docs/CONTRACTS.md "Event contract between accounts"), and any other event (a schedule) as a sweep.
 */
import { ConfigError } from "../lib/errors";
import type { DbKind } from "../lib/model";
import { parseDbKind, parseDbsScope } from "../lib/sweep";

/** Detail-type of the event the Sharer sends to the DR account's bus. */
export const SHARED_DETAIL_TYPE = "RDS Pilot Light Snapshot Shared";

/** What one run works on. */
export type CopyScope =
  | { readonly kind: "sweep" }
  | { readonly kind: "snapshot"; readonly snapshotArn: string }
  | { readonly kind: "db"; readonly dbId: string; readonly dbKind?: DbKind }
  /** A sweep's multi-DB item (functions/lib/sweep.ts packSweepItems): identifiers lowercased, as `db`'s. */
  | { readonly kind: "dbs"; readonly dbIds: readonly string[]; readonly dbKind?: DbKind };

const SNAPSHOT_ARN = /^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:(snapshot|cluster-snapshot):[A-Za-z][A-Za-z0-9-]*$/;

/** Parses the handler input into a scope; throws a ConfigError naming the bad field. */
export function parseCopyScope(event: unknown): CopyScope {
  if (event === undefined || event === null) return { kind: "sweep" };
  if (typeof event !== "object" || Array.isArray(event)) {
    throw new ConfigError(
      `copy input must be an object (a scope or an EventBridge event), got ${JSON.stringify(event)}`,
    );
  }
  const e = event as Record<string, unknown>;
  if ("detail" in e || "detail-type" in e) {
    const detail = (e.detail ?? {}) as Record<string, unknown>;
    if (e["detail-type"] === SHARED_DETAIL_TYPE || "snapshotArn" in detail) {
      return { kind: "snapshot", snapshotArn: snapshotArnOf(detail.snapshotArn, "detail.snapshotArn") };
    }
    // Any other event (e.g. a schedule) carries no scope.
    return { kind: "sweep" };
  }
  if (e.snapshotArn !== undefined) {
    if (e.dbId !== undefined || e.dbIds !== undefined) {
      throw new ConfigError("copy input sets both snapshotArn and dbId; set at most one");
    }
    return { kind: "snapshot", snapshotArn: snapshotArnOf(e.snapshotArn, "snapshotArn") };
  }
  // A sweep's multi-DB item: its `dbIds` (its `dbId` only names it in the sweep's report).
  const dbs = parseDbsScope(e, "copy");
  if (dbs) {
    return {
      kind: "dbs",
      dbIds: [...new Set(dbs.dbIds.map((id) => id.toLowerCase()))],
      ...(dbs.dbKind ? { dbKind: dbs.dbKind } : {}),
    };
  }
  if (e.dbId !== undefined) {
    if (typeof e.dbId !== "string" || !/^[A-Za-z][A-Za-z0-9-]{0,62}$/.test(e.dbId)) {
      throw new ConfigError(
        `copy input dbId must be a DB instance or cluster identifier (got ${JSON.stringify(e.dbId)})`,
      );
    }
    // A sweep's Map item may name the DB's kind (functions/lib/sweep.ts): its listings then read that kind only.
    const dbKind = parseDbKind(e, "copy");
    return { kind: "db", dbId: e.dbId.toLowerCase(), ...(dbKind ? { dbKind } : {}) };
  }
  return { kind: "sweep" };
}

function snapshotArnOf(value: unknown, field: string): string {
  if (typeof value !== "string" || !SNAPSHOT_ARN.test(value)) {
    throw new ConfigError(
      `copy input ${field} must be the ARN of a shared DB snapshot or DB cluster snapshot, such as ` +
        `arn:aws:rds:eu-west-1:111122223333:snapshot:rpl-db-20260101-0000 (got ${JSON.stringify(value)})`,
    );
  }
  return value;
}

/**
 * The recovery point a "snapshot shared" event names (docs/CONTRACTS.md "Event contract between accounts"): the
 * Sharer puts the DB, its kind and the recovery point (the share's `SnapshotCreateTime`, which the Copier names
 * copies after) next to the ARN, so a run can work out the DR copy identifier without reading the share first.
 */
export interface NamedRecoveryPoint {
  readonly snapshotArn: string;
  readonly kind: "instance" | "cluster";
  /** Owner of the shared snapshot, from its ARN (the Copier names copies after the ARN's account). */
  readonly sourceAccount: string;
  readonly dbId: string;
  readonly recoveryPoint: Date;
}

/**
 * The recovery point an event names, or undefined when it names none (a sweep, a `{ dbId }` or plain
 * `{ snapshotArn }` scope, or an event whose `detail.recoveryPoint` is empty because the Sharer did not know it).
 * A field that is present but malformed is a ConfigError naming it; the kind must match the ARN's resource type.
 */
export function namedRecoveryPoint(event: unknown): NamedRecoveryPoint | undefined {
  const scope = parseCopyScope(event);
  if (scope.kind !== "snapshot") return undefined;
  const e = event as Record<string, unknown>;
  const detail = (e.detail ?? e) as Record<string, unknown>;
  const where = e.detail ? "detail." : "";
  const { recoveryPoint, dbId, kind } = detail;
  if (recoveryPoint === undefined || recoveryPoint === "") return undefined;
  const at = typeof recoveryPoint === "string" ? new Date(recoveryPoint) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime())) {
    throw new ConfigError(
      `copy input ${where}recoveryPoint must be an ISO-8601 time such as 2026-01-01T00:00:00.000Z (got ${JSON.stringify(recoveryPoint)})`,
    );
  }
  if (typeof dbId !== "string" || !/^[A-Za-z][A-Za-z0-9-]{0,62}$/.test(dbId)) {
    throw new ConfigError(
      `copy input ${where}dbId must be the DB instance or cluster identifier of the shared snapshot (got ${JSON.stringify(dbId)})`,
    );
  }
  const parts = scope.snapshotArn.split(":");
  const arnKind = parts[5] === "cluster-snapshot" ? "cluster" : "instance";
  if (kind !== arnKind) {
    throw new ConfigError(
      `copy input ${where}kind must be "${arnKind}" for ${scope.snapshotArn} (got ${JSON.stringify(kind)})`,
    );
  }
  return { snapshotArn: scope.snapshotArn, kind: arnKind, sourceAccount: parts[4] ?? "", dbId, recoveryPoint: at };
}

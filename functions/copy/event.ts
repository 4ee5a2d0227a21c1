/**
 * The Copier's and Checker's input: a scope (one shared snapshot, or one DB) or nothing (sweep everything).
 * Accepts the plain scope the state machine passes, the "RDS Pilot Light Snapshot Shared" event the Sharer puts on
 * the DR bus (docs/CONTRACTS.md "Event contract between accounts"), and any other event (a schedule) as a sweep.
 */
import { ConfigError } from "../lib/errors";

/** Detail-type of the event the Sharer sends to the DR account's bus. */
export const SHARED_DETAIL_TYPE = "RDS Pilot Light Snapshot Shared";

/** What one run works on. */
export type CopyScope =
  | { readonly kind: "sweep" }
  | { readonly kind: "snapshot"; readonly snapshotArn: string }
  | { readonly kind: "db"; readonly dbId: string };

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
    if (e.dbId !== undefined) throw new ConfigError("copy input sets both snapshotArn and dbId; set at most one");
    return { kind: "snapshot", snapshotArn: snapshotArnOf(e.snapshotArn, "snapshotArn") };
  }
  if (e.dbId !== undefined) {
    if (typeof e.dbId !== "string" || !/^[A-Za-z][A-Za-z0-9-]{0,62}$/.test(e.dbId)) {
      throw new ConfigError(
        `copy input dbId must be a DB instance or cluster identifier (got ${JSON.stringify(e.dbId)})`,
      );
    }
    return { kind: "db", dbId: e.dbId.toLowerCase() };
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

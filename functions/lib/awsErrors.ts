/**
 * RDS error names the handlers react to, in one place (STYLE.md: match SDK errors by `name`). Each set lists the
 * SDK v3 modeled class name (with `Fault`) and the wire error code from the API reference (without it), because
 * the SDK reports the former and older SDKs and fakes the latter (`@aws-sdk/client-rds` models/errors).
 */

/** The snapshot identifier is taken already (our own create/copy from an earlier or overlapping run). */
export const SNAPSHOT_ALREADY_EXISTS: ReadonlySet<string> = new Set([
  "DBSnapshotAlreadyExistsFault",
  "DBSnapshotAlreadyExists",
  "DBClusterSnapshotAlreadyExistsFault",
  "DBClusterSnapshotAlreadyExists",
]);

/** The snapshot does not exist (any more). */
export const SNAPSHOT_NOT_FOUND: ReadonlySet<string> = new Set([
  "DBSnapshotNotFoundFault",
  "DBSnapshotNotFound",
  "DBClusterSnapshotNotFoundFault",
  "DBClusterSnapshotNotFound",
]);

/** The snapshot's state forbids the call now (creating, being copied, shared or restored from). */
export const SNAPSHOT_INVALID_STATE: ReadonlySet<string> = new Set([
  "InvalidDBSnapshotStateFault",
  "InvalidDBSnapshotState",
  "InvalidDBClusterSnapshotStateFault",
  "InvalidDBClusterSnapshotState",
]);

/** The account's manual snapshot quota (or the copies-in-flight limit, reported the same way) is used up. */
export const SNAPSHOT_QUOTA_EXCEEDED: ReadonlySet<string> = new Set([
  "SnapshotQuotaExceededFault",
  "SnapshotQuotaExceeded",
]);

/** A snapshot is shared with as many accounts as RDS allows (20). */
export const SHARED_SNAPSHOT_QUOTA_EXCEEDED: ReadonlySet<string> = new Set([
  "SharedSnapshotQuotaExceededFault",
  "SharedSnapshotQuotaExceeded",
]);

/** RDS could not use a KMS key (usually a key policy that does not allow this account). */
export const KMS_KEY_NOT_ACCESSIBLE: ReadonlySet<string> = new Set(["KMSKeyNotAccessibleFault", "KMSKeyNotAccessible"]);

/** The DB changed state (stopped, modifying, deleting ...) between the listing and the call. */
export const DB_INVALID_STATE: ReadonlySet<string> = new Set([
  "InvalidDBInstanceStateFault",
  "InvalidDBInstanceState",
  "InvalidDBClusterStateFault",
  "InvalidDBClusterState",
]);

import { PilotLightError } from "../lib/errors";

/**
 * A DB was not snapshotted because the manual snapshot quota (or the headroom kept below it) is used up. Not
 * retried: it needs a quota increase or shorter retention.
 */
export class SnapshotQuotaError extends PilotLightError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SnapshotQuotaError";
  }
}

/** AWS error names (SDK v3 `name`) meaning the snapshot identifier already exists. */
export const ALREADY_EXISTS: ReadonlySet<string> = new Set([
  "DBSnapshotAlreadyExistsFault",
  "DBClusterSnapshotAlreadyExistsFault",
  // Wire codes, as some fakes and older SDKs report them.
  "DBSnapshotAlreadyExists",
]);

/** AWS error names meaning the DB changed state (stopped, modifying, ...) between the listing and the create. */
export const INVALID_DB_STATE: ReadonlySet<string> = new Set([
  "InvalidDBInstanceStateFault",
  "InvalidDBClusterStateFault",
  "InvalidDBInstanceState",
]);

/** AWS error names meaning the manual snapshot quota is exhausted. */
export const QUOTA_EXCEEDED: ReadonlySet<string> = new Set(["SnapshotQuotaExceededFault", "SnapshotQuotaExceeded"]);

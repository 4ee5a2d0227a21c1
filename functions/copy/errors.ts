/**
 * Copier-specific errors and the mapping of RDS error names onto them (STYLE.md: match SDK errors by `name`).
 * Names are listed with and without the `Fault` suffix: the SDK's modeled classes carry it, while the wire error
 * codes in the API reference (e.g. `DBSnapshotAlreadyExists`, `SnapshotQuotaExceeded`) do not.
 */
import { errorMessage, errorName, isTransient, PilotLightError, TransientAwsError } from "../lib/errors";

/** The target identifier exists already: our copy was started before (a retried or overlapping run). */
export const ALREADY_EXISTS_ERRORS: ReadonlySet<string> = new Set([
  "DBSnapshotAlreadyExistsFault",
  "DBSnapshotAlreadyExists",
  "DBClusterSnapshotAlreadyExistsFault",
]);

/** Manual-snapshot (or shared-snapshot) quota of the destination region is full: starting more copies is futile. */
export const QUOTA_ERRORS: ReadonlySet<string> = new Set([
  "SnapshotQuotaExceededFault",
  "SnapshotQuotaExceeded",
  "SharedSnapshotQuotaExceededFault",
  "SharedSnapshotQuotaExceeded",
]);

/** RDS could not use a KMS key: usually the source key's policy does not let the DR account use it. */
export const KMS_ERRORS: ReadonlySet<string> = new Set(["KMSKeyNotAccessibleFault", "KMSKeyNotAccessible"]);

/** The snapshot to delete is gone already. */
export const NOT_FOUND_ERRORS: ReadonlySet<string> = new Set([
  "DBSnapshotNotFoundFault",
  "DBSnapshotNotFound",
  "DBClusterSnapshotNotFoundFault",
]);

/** The snapshot is in a state that forbids the call (e.g. it is the source of a copy we cannot see yet). */
export const INVALID_STATE_ERRORS: ReadonlySet<string> = new Set([
  "InvalidDBSnapshotStateFault",
  "InvalidDBSnapshotState",
  "InvalidDBClusterSnapshotStateFault",
]);

/** RDS cannot use a KMS key for the copy; the operator must fix a key policy. Not retried. */
export class KmsKeyNotAccessibleError extends PilotLightError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "KmsKeyNotAccessibleError";
  }
}

/** The destination region's snapshot quota is full; copies resume after Expire frees room or the quota is raised. */
export class SnapshotQuotaError extends PilotLightError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SnapshotQuotaError";
  }
}

/** What a copy attempt was, for the error message. */
export interface CopyAttempt {
  readonly sourceArn: string;
  readonly targetId: string;
  readonly region: string;
  readonly kmsKeyId: string;
}

/** Maps an error of CopyDBSnapshot / CopyDBClusterSnapshot to a typed error with an actionable message. */
export function mapCopyError(err: unknown, a: CopyAttempt): Error {
  const name = errorName(err);
  if (KMS_ERRORS.has(name)) {
    const sourceAccount = a.sourceArn.split(":")[4] ?? "the source account";
    return new KmsKeyNotAccessibleError(
      `RDS cannot use a KMS key to copy ${a.sourceArn} to ${a.targetId} in ${a.region} (${name}). ` +
        `The key policy of the KMS key that encrypts the source snapshot (in account ${sourceAccount}) must allow ` +
        "this DR account kms:DescribeKey, kms:CreateGrant, kms:Decrypt, kms:ReEncrypt* and kms:GenerateDataKey*; " +
        `and the DR key ${a.kmsKeyId} must allow this role. Fix the source key policy and the copy is retried on the next run.`,
      { cause: err },
    );
  }
  if (QUOTA_ERRORS.has(name)) {
    return new SnapshotQuotaError(
      `${a.region} has no room for another manual snapshot (${name}) while copying ${a.targetId}; ` +
        "no more copies are started there this run. Raise the RDS manual snapshot quota or shorten DR retention.",
      { cause: err },
    );
  }
  if (isTransient(err)) {
    return new TransientAwsError(`copying ${a.targetId} to ${a.region} was throttled: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  return err instanceof Error ? err : new Error(errorMessage(err));
}

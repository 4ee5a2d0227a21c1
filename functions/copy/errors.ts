/**
 * Copier-specific errors and the mapping of RDS error names onto them (STYLE.md: match SDK errors by `name`).
 * Names are listed with and without the `Fault` suffix: the SDK's modeled classes carry it, while the wire error
 * codes in the API reference (e.g. `DBSnapshotAlreadyExists`, `SnapshotQuotaExceeded`) do not.
 */
import { KMS_KEY_NOT_ACCESSIBLE, SHARED_SNAPSHOT_QUOTA_EXCEEDED, SNAPSHOT_QUOTA_EXCEEDED } from "../lib/awsErrors";
import {
  errorMessage,
  errorName,
  isTransient,
  PilotLightError,
  SnapshotQuotaError,
  TransientAwsError,
} from "../lib/errors";

/** Quota errors on a copy: the destination's manual-snapshot quota or copies-in-flight limit, or the share quota. */
export const COPY_QUOTA_ERRORS: ReadonlySet<string> = new Set([
  ...SNAPSHOT_QUOTA_EXCEEDED,
  ...SHARED_SNAPSHOT_QUOTA_EXCEEDED,
]);

/** RDS cannot use a KMS key for the copy; the operator must fix a key policy. Not retried. */
export class KmsKeyNotAccessibleError extends PilotLightError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "KmsKeyNotAccessibleError";
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
  if (KMS_KEY_NOT_ACCESSIBLE.has(name)) {
    const sourceAccount = a.sourceArn.split(":")[4] ?? "the source account";
    return new KmsKeyNotAccessibleError(
      `RDS cannot use a KMS key to copy ${a.sourceArn} to ${a.targetId} in ${a.region} (${name}). ` +
        `The key policy of the KMS key that encrypts the source snapshot (in account ${sourceAccount}) must allow ` +
        "this DR account kms:DescribeKey, kms:CreateGrant, kms:Decrypt, kms:ReEncrypt* and kms:GenerateDataKey*; " +
        `and the DR key ${a.kmsKeyId} must allow this role. Fix the source key policy and the copy is retried on the next run.`,
      { cause: err },
    );
  }
  if (COPY_QUOTA_ERRORS.has(name)) {
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

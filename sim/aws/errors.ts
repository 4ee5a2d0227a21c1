/**
 * Errors the model throws, built from the SDK's own exception classes so that `name`, `$fault` and `instanceof`
 * match what a handler sees from real AWS. Names were checked against
 * node_modules/@aws-sdk/client-rds/dist-types/models/errors.d.ts (client-rds 3.1169).
 */
import { EventBridgeServiceException } from "@aws-sdk/client-eventbridge";
import { KMSServiceException, NotFoundException } from "@aws-sdk/client-kms";
import {
  DBClusterAlreadyExistsFault,
  DBClusterNotFoundFault,
  DBClusterSnapshotAlreadyExistsFault,
  DBClusterSnapshotNotFoundFault,
  DBInstanceAlreadyExistsFault,
  DBInstanceNotFoundFault,
  DBSnapshotAlreadyExistsFault,
  DBSnapshotNotFoundFault,
  InvalidDBClusterSnapshotStateFault,
  InvalidDBClusterStateFault,
  InvalidDBInstanceStateFault,
  InvalidDBSnapshotStateFault,
  KMSKeyNotAccessibleFault,
  RDSServiceException,
  SharedSnapshotQuotaExceededFault,
  SnapshotQuotaExceededFault,
} from "@aws-sdk/client-rds";
import type { DbKind } from "../../functions/lib/model";

/** Which service's exception family to use (the wire protocols name the same condition differently). */
export type ServiceName = "rds" | "kms" | "events";

/** Fresh per error: the SDK's retry middleware writes the attempt count into an error's `$metadata`. */
const meta = () => ({ httpStatusCode: 400 });
const serverMeta = () => ({ httpStatusCode: 500 });

/** An RDS error without a modeled class (`InvalidParameterValue`, `InvalidParameterCombination`, ...). */
export function rdsGeneric(name: string, message: string): RDSServiceException {
  return new RDSServiceException({ name, $fault: "client", message, $metadata: meta() });
}

/** `Throttling` (RDS query protocol) or `ThrottlingException` (KMS, EventBridge JSON protocols). */
export function throttling(service: ServiceName): Error {
  const message = "Rate exceeded";
  const $retryable = { throttling: true };
  if (service === "rds") {
    return Object.assign(
      new RDSServiceException({ name: "Throttling", $fault: "client", message, $metadata: meta() }),
      {
        $retryable,
      },
    );
  }
  const Ex = service === "kms" ? KMSServiceException : EventBridgeServiceException;
  return Object.assign(new Ex({ name: "ThrottlingException", $fault: "client", message, $metadata: meta() }), {
    $retryable,
  });
}

/** `AccessDenied` (RDS) or `AccessDeniedException` (KMS, EventBridge). */
export function accessDenied(service: ServiceName, account: string, command: string): Error {
  const message = `User: arn:aws:sts::${account}:assumed-role/model/model is not authorized to perform: ${command}`;
  if (service === "rds") return rdsGeneric("AccessDenied", message);
  const Ex = service === "kms" ? KMSServiceException : EventBridgeServiceException;
  return new Ex({ name: "AccessDeniedException", $fault: "client", message, $metadata: meta() });
}

/** `InternalFailure`, a 500 that AWS asks callers to retry. */
export function internalFailure(service: ServiceName): Error {
  const message = "An internal error has occurred. Please try your query again at a later time.";
  const Ex =
    service === "rds" ? RDSServiceException : service === "kms" ? KMSServiceException : EventBridgeServiceException;
  return new Ex({ name: "InternalFailure", $fault: "server", message, $metadata: serverMeta() });
}

/** `InvalidParameterValue` naming the offending parameter. */
export function invalidParameter(field: string, value: unknown, why: string): RDSServiceException {
  return rdsGeneric("InvalidParameterValue", `${field} ${why} (got ${JSON.stringify(value)})`);
}

export function snapshotNotFound(kind: DbKind, id: string): Error {
  const message = `${kind === "cluster" ? "DBClusterSnapshot" : "DBSnapshot"} ${id} not found.`;
  return kind === "cluster"
    ? new DBClusterSnapshotNotFoundFault({ message, $metadata: meta() })
    : new DBSnapshotNotFoundFault({ message, $metadata: meta() });
}

export function snapshotAlreadyExists(kind: DbKind, id: string): Error {
  const message = `Cannot create the snapshot because a snapshot with the identifier ${id} already exists.`;
  return kind === "cluster"
    ? new DBClusterSnapshotAlreadyExistsFault({ message, $metadata: meta() })
    : new DBSnapshotAlreadyExistsFault({ message, $metadata: meta() });
}

export function invalidSnapshotState(kind: DbKind, message: string): Error {
  return kind === "cluster"
    ? new InvalidDBClusterSnapshotStateFault({ message, $metadata: meta() })
    : new InvalidDBSnapshotStateFault({ message, $metadata: meta() });
}

export function dbNotFound(kind: DbKind, id: string): Error {
  return kind === "cluster"
    ? new DBClusterNotFoundFault({ message: `DBCluster ${id} not found.`, $metadata: meta() })
    : new DBInstanceNotFoundFault({ message: `DBInstance ${id} not found.`, $metadata: meta() });
}

export function dbAlreadyExists(kind: DbKind, id: string): Error {
  return kind === "cluster"
    ? new DBClusterAlreadyExistsFault({ message: `DB cluster ${id} already exists`, $metadata: meta() })
    : new DBInstanceAlreadyExistsFault({ message: `DB instance ${id} already exists`, $metadata: meta() });
}

export function invalidDbState(kind: DbKind, message: string): Error {
  return kind === "cluster"
    ? new InvalidDBClusterStateFault({ message, $metadata: meta() })
    : new InvalidDBInstanceStateFault({ message, $metadata: meta() });
}

export function snapshotQuotaExceeded(message: string): Error {
  return new SnapshotQuotaExceededFault({ message, $metadata: meta() });
}

export function sharedSnapshotQuotaExceeded(message: string): Error {
  return new SharedSnapshotQuotaExceededFault({ message, $metadata: meta() });
}

export function kmsKeyNotAccessible(message: string): Error {
  return new KMSKeyNotAccessibleFault({ message, $metadata: meta() });
}

export function kmsNotFound(keyId: string): Error {
  return new NotFoundException({ message: `Key '${keyId}' does not exist`, $metadata: meta() });
}

export function eventsValidation(message: string): Error {
  return new EventBridgeServiceException({ name: "ValidationException", $fault: "client", message, $metadata: meta() });
}

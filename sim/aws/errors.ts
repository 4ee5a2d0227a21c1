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

/**
 * `new C(arg)` without capturing a stack trace: the model refuses thousands of calls a simulated day (copies over the
 * in-flight quota, identifiers not found, throttling), V8's stack capture through the SDK's and the simulator's
 * async frames was a visible share of a 1,000-DB run, and a real AWS error carries no stack from the service either
 * (the SDK's deserializer builds it). The class, name, `$fault`, message and metadata are unchanged.
 */
function noStack<A, T>(C: new (arg: A) => T, arg: A): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new C(arg);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Fresh per error: the SDK's retry middleware writes the attempt count into an error's `$metadata`. */
const meta = () => ({ httpStatusCode: 400 });
const serverMeta = () => ({ httpStatusCode: 500 });

/** An RDS error without a modeled class (`InvalidParameterValue`, `InvalidParameterCombination`, ...). */
export function rdsGeneric(name: string, message: string): RDSServiceException {
  return noStack(RDSServiceException, { name, $fault: "client", message, $metadata: meta() });
}

/** `Throttling` (RDS query protocol) or `ThrottlingException` (KMS, EventBridge JSON protocols). */
export function throttling(service: ServiceName): Error {
  const message = "Rate exceeded";
  const $retryable = { throttling: true };
  if (service === "rds") {
    return Object.assign(
      noStack(RDSServiceException, { name: "Throttling", $fault: "client", message, $metadata: meta() }),
      {
        $retryable,
      },
    );
  }
  const Ex = service === "kms" ? KMSServiceException : EventBridgeServiceException;
  return Object.assign(noStack(Ex, { name: "ThrottlingException", $fault: "client", message, $metadata: meta() }), {
    $retryable,
  });
}

/** `AccessDenied` (RDS) or `AccessDeniedException` (KMS, EventBridge). */
export function accessDenied(service: ServiceName, account: string, command: string): Error {
  const message = `User: arn:aws:sts::${account}:assumed-role/model/model is not authorized to perform: ${command}`;
  if (service === "rds") return rdsGeneric("AccessDenied", message);
  const Ex = service === "kms" ? KMSServiceException : EventBridgeServiceException;
  return noStack(Ex, { name: "AccessDeniedException", $fault: "client", message, $metadata: meta() });
}

/** `InternalFailure`, a 500 that AWS asks callers to retry. */
export function internalFailure(service: ServiceName): Error {
  const message = "An internal error has occurred. Please try your query again at a later time.";
  const Ex =
    service === "rds" ? RDSServiceException : service === "kms" ? KMSServiceException : EventBridgeServiceException;
  return noStack(Ex, { name: "InternalFailure", $fault: "server", message, $metadata: serverMeta() });
}

/** `InvalidParameterValue` naming the offending parameter. */
export function invalidParameter(field: string, value: unknown, why: string): RDSServiceException {
  return rdsGeneric("InvalidParameterValue", `${field} ${why} (got ${JSON.stringify(value)})`);
}

export function snapshotNotFound(kind: DbKind, id: string): Error {
  const message = `${kind === "cluster" ? "DBClusterSnapshot" : "DBSnapshot"} ${id} not found.`;
  return kind === "cluster"
    ? noStack(DBClusterSnapshotNotFoundFault, { message, $metadata: meta() })
    : noStack(DBSnapshotNotFoundFault, { message, $metadata: meta() });
}

export function snapshotAlreadyExists(kind: DbKind, id: string): Error {
  const message = `Cannot create the snapshot because a snapshot with the identifier ${id} already exists.`;
  return kind === "cluster"
    ? noStack(DBClusterSnapshotAlreadyExistsFault, { message, $metadata: meta() })
    : noStack(DBSnapshotAlreadyExistsFault, { message, $metadata: meta() });
}

export function invalidSnapshotState(kind: DbKind, message: string): Error {
  return kind === "cluster"
    ? noStack(InvalidDBClusterSnapshotStateFault, { message, $metadata: meta() })
    : noStack(InvalidDBSnapshotStateFault, { message, $metadata: meta() });
}

export function dbNotFound(kind: DbKind, id: string): Error {
  return kind === "cluster"
    ? noStack(DBClusterNotFoundFault, { message: `DBCluster ${id} not found.`, $metadata: meta() })
    : noStack(DBInstanceNotFoundFault, { message: `DBInstance ${id} not found.`, $metadata: meta() });
}

export function dbAlreadyExists(kind: DbKind, id: string): Error {
  return kind === "cluster"
    ? noStack(DBClusterAlreadyExistsFault, { message: `DB cluster ${id} already exists`, $metadata: meta() })
    : noStack(DBInstanceAlreadyExistsFault, { message: `DB instance ${id} already exists`, $metadata: meta() });
}

export function invalidDbState(kind: DbKind, message: string): Error {
  return kind === "cluster"
    ? noStack(InvalidDBClusterStateFault, { message, $metadata: meta() })
    : noStack(InvalidDBInstanceStateFault, { message, $metadata: meta() });
}

export function snapshotQuotaExceeded(message: string): Error {
  return noStack(SnapshotQuotaExceededFault, { message, $metadata: meta() });
}

export function sharedSnapshotQuotaExceeded(message: string): Error {
  return noStack(SharedSnapshotQuotaExceededFault, { message, $metadata: meta() });
}

export function kmsKeyNotAccessible(message: string): Error {
  return noStack(KMSKeyNotAccessibleFault, { message, $metadata: meta() });
}

export function kmsNotFound(keyId: string): Error {
  return noStack(NotFoundException, { message: `Key '${keyId}' does not exist`, $metadata: meta() });
}

export function eventsValidation(message: string): Error {
  return noStack(EventBridgeServiceException, {
    name: "ValidationException",
    $fault: "client",
    message,
    $metadata: meta(),
  });
}

/**
 * Error hierarchy shared by every handler. Step Functions `Retry`/`Catch` match on `name`
 * (the Lambda error type), so every class sets it explicitly.
 */
export class PilotLightError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PilotLightError";
  }
}

/** A configuration value (environment variable, stack config or event input) is invalid. Never retried. */
export class ConfigError extends PilotLightError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ConfigError";
  }
}

/** A snapshot named in the input does not exist (any more). */
export class SnapshotNotFoundError extends PilotLightError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SnapshotNotFoundError";
  }
}

/** Sharing would exceed the 20-accounts-per-snapshot limit, or the snapshot cannot be shared at all. */
export class ShareLimitError extends PilotLightError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ShareLimitError";
  }
}

/**
 * The manual snapshot quota (or the headroom kept below it, or the copies-in-flight limit) is used up. Not retried:
 * it needs Expire to free room, a quota increase or shorter retention.
 */
export class SnapshotQuotaError extends PilotLightError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SnapshotQuotaError";
  }
}

/** Throttling or a transient service fault that outlived the SDK's own retries; Step Functions retries it. */
export class TransientAwsError extends PilotLightError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TransientAwsError";
  }
}

/**
 * The run reached its time budget's end while it could not stop cleanly (middy's early-timeout abort, just before
 * the Lambda's own timeout). Every step is resumable (finished items are recorded as they finish), so the state
 * machines retry it like a transient error: the retry resumes where this run stopped (issue 13 item 1).
 */
export class StepTimeoutError extends PilotLightError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StepTimeoutError";
  }
}

/** One entry of a {@link PartialFailureError}: which DB (or snapshot) failed and why. */
export interface ItemFailure {
  /** DB identifier (or snapshot identifier when no DB is known). */
  readonly id: string;
  /** AWS error name or our error class name. */
  readonly error: string;
  readonly message: string;
}

/**
 * Some items failed after the run finished all the others. The message names every failed item, so the
 * Step Functions execution, its alarm and the logs all say which DBs need attention.
 */
export class PartialFailureError extends PilotLightError {
  readonly failures: readonly ItemFailure[];
  constructor(step: string, failures: readonly ItemFailure[]) {
    const list = failures.map((f) => `${f.id} (${f.error}: ${f.message})`).join("; ");
    super(`${step} failed for ${failures.length} item(s): ${list}`);
    this.name = "PartialFailureError";
    this.failures = failures;
  }
}

/** Names of AWS errors that are worth retrying (throttling and transient faults). */
export const TRANSIENT_AWS_ERRORS: ReadonlySet<string> = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "ServiceUnavailable",
  "InternalFailure",
  "InternalError",
]);

/** The `name` of an SDK error (or of any thrown value). */
export function errorName(err: unknown): string {
  if (err && typeof err === "object" && "name" in err && typeof err.name === "string") return err.name;
  return "Error";
}

/** The message of any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** True when an AWS error is throttling or another transient fault. */
export function isTransient(err: unknown): boolean {
  return TRANSIENT_AWS_ERRORS.has(errorName(err));
}

/**
 * Maps throttling and transient faults that outlived the SDK's retries to a TransientAwsError (so the state
 * machine's Retry matches it), naming what was being done; returns any other error unchanged.
 */
export function asTransient(err: unknown, doing: string): unknown {
  if (!isTransient(err)) return err;
  return new TransientAwsError(`${doing}: ${errorName(err)}: ${errorMessage(err)}`, { cause: err });
}

/**
 * The error to throw for `err`, with `doing` (step, call and item: `copy: DescribeDBSnapshots for orders-db`) in its
 * message: throttling and transient faults become a TransientAwsError (retried), our own typed errors pass unchanged
 * (they name their item already), anything else keeps its `name` (what Step Functions matches) with the context added.
 */
export function withContext(err: unknown, doing: string): unknown {
  if (isTransient(err)) return asTransient(err, `${doing} failed`);
  if (err instanceof PilotLightError) return err;
  const e = new Error(`${doing} failed: ${errorName(err)}: ${errorMessage(err)}`, { cause: err });
  e.name = errorName(err);
  return e;
}

/** Runs `fn`, rethrowing any error {@link withContext} `doing`. */
export async function inContext<T>(doing: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw withContext(err, doing);
  }
}

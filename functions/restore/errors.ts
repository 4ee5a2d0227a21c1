/**
 * Errors of the restorer. Step Functions `Catch` matches on `name`; none of these is retried, because retrying
 * cannot make an existing DB disappear or a failed restore succeed.
 */
import { PilotLightError } from "../lib/errors";

/** A DB with the target identifier already exists; the restorer never overwrites or reuses one. */
export class RestoreTargetExistsError extends PilotLightError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RestoreTargetExistsError";
  }
}

/** A restored DB reached a terminal failure state (`failed`, `incompatible-*`, `storage-full`, ...). */
export class RestoreFailedError extends PilotLightError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RestoreFailedError";
  }
}

/** EventBridge did not accept the "drill restored" event. */
export class DrillEventError extends PilotLightError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DrillEventError";
  }
}

/**
 * ASL definition of the restore state machine (failover and drills), as a pure builder. JSONPath only, so
 * aws-local-stepfunctions runs the very object the SnapshotRestorer deploys (tests/statemachines/restore*).
 *
 *   Plan -> Start -> WaitForRestore -> CheckRestore -> IsRestoreDone
 *     IsRestoreDone: done -> Finish; checks >= maxChecks (the RTO) -> RestoreTimedOut -> OnFailure; else wait again
 *   Finish -> IsDrill: restore -> RestoreSucceeded (output: result)
 *     drill -> AnnounceDrill (EventBridge event: drill id, DBs, endpoints) -> [ValidateDrill: the optional validation
 *     Lambda, with a timeout] -> RecordDrillResult (verdict, RTO metric over restore + validation) -> CleanupDrill
 *     loop -> IsDrillPassed: passed -> DrillSucceeded; failed -> DrillFailed (DrillValidationFailed)
 *   The validation Lambda's error or timeout is caught into $.validationError and recorded as a failed drill, so
 *   the clean-up runs whatever the validation says.
 *   Any Task error (after retries) -> OnFailure (state kept, error in $.error):
 *     drill   -> RecordDrillFailure -> CleanupAfterFailure loop -> DrillFailed (the original error)
 *     restore -> RestoreFailed (nothing is deleted: a half-restored production DB is evidence, not garbage)
 *
 * Each Task sends the Lambda `{ action, state }` (or `{ action: "plan", input, maxChecks }`) and its result
 * replaces the state, so the Lambda owns the state's shape (functions/restore/handler.ts `RestoreState`).
 */
import { ConfigError } from "../../functions/lib/errors";
import { DEFAULT_DRILL_VALIDATION_TIMEOUT_SECONDS, LAMBDA_FUNCTION_ARN } from "../../functions/restore/stackConfig";
import {
  type AslDefinition,
  LAMBDA_INVOKE,
  LAMBDA_SERVICE_ERRORS,
  RETRYABLE_ERRORS,
  type RetryPolicy,
  resolveRetry,
  retryFor,
} from "./stateMachines";

/** Default seconds between status checks of the restored DBs. */
export const DEFAULT_RESTORE_WAIT_SECONDS = 60;
/** Default seconds between clean-up attempts of a drill. */
export const DEFAULT_CLEANUP_WAIT_SECONDS = 60;
/**
 * Clean-up attempts on top of the RTO's worth: RDS refuses to delete a DB that is still `creating`, so a drill that
 * failed early may have to wait for its restore to finish before the delete is accepted, and Aurora instances must
 * be gone before their cluster can be deleted.
 */
export const EXTRA_CLEANUP_ATTEMPTS = 60;
/** Default seconds the drill validation Lambda may take before the drill counts as failed. */
export const DEFAULT_VALIDATION_TIMEOUT_SECONDS = DEFAULT_DRILL_VALIDATION_TIMEOUT_SECONDS;
/** Longest validation timeout: a Lambda function runs at most 900 seconds. */
export const MAX_VALIDATION_TIMEOUT_SECONDS = 900;
/** Upper bound of clean-up attempts (with at most 2000 checks, the execution stays under 25,000 history events). */
export const MAX_CLEANUP_ATTEMPTS = 1000;

/** Options of {@link buildRestoreDefinition}. */
export interface RestoreMachineOptions {
  /** ARN of the restorer Lambda. */
  functionArn: string;
  /** Recovery time objective in minutes: the status loop gives up (and a drill fails) after it. */
  rtoMinutes: number;
  /** Seconds between status checks. @defaultValue {@link DEFAULT_RESTORE_WAIT_SECONDS} */
  waitSeconds?: number;
  /** Seconds between clean-up attempts. @defaultValue {@link DEFAULT_CLEANUP_WAIT_SECONDS} */
  cleanupWaitSeconds?: number;
  /**
   * Clean-up attempts before the drill fails as "cleanup incomplete".
   * @defaultValue the RTO in clean-up waits plus {@link EXTRA_CLEANUP_ATTEMPTS}
   */
  maxCleanupAttempts?: number;
  /** Retry timing of every Task (fields left out take the shared default). */
  retry?: Partial<RetryPolicy>;
  /**
   * ARN of the drill validation Lambda (config `restore.drillValidationLambdaArn`): called with the drill id and the
   * restored endpoints once a drill's DBs are available; its `{ passed, reason? }` decides the drill. None = no
   * validation step (the drill passes once its DBs are available).
   */
  validationFunctionArn?: string;
  /** Seconds the validation Lambda may take. @defaultValue {@link DEFAULT_VALIDATION_TIMEOUT_SECONDS} */
  validationTimeoutSeconds?: number;
}

/** State names (tests, docs and the CLI's progress output use these). */
export const RESTORE_STATES = {
  plan: "Plan",
  start: "Start",
  wait: "WaitForRestore",
  check: "CheckRestore",
  isDone: "IsRestoreDone",
  timedOut: "RestoreTimedOut",
  finish: "Finish",
  isDrill: "IsDrill",
  announce: "AnnounceDrill",
  validate: "ValidateDrill",
  recordDrill: "RecordDrillResult",
  isDrillPassed: "IsDrillPassed",
  cleanup: "CleanupDrill",
  isCleanupDone: "IsCleanupDone",
  waitCleanup: "WaitForCleanup",
  drillSucceeded: "DrillSucceeded",
  restoreSucceeded: "RestoreSucceeded",
  onFailure: "OnFailure",
  recordFailure: "RecordDrillFailure",
  cleanupAfterFailure: "CleanupAfterFailure",
  isFailureCleanupDone: "IsFailureCleanupDone",
  waitFailureCleanup: "WaitForFailureCleanup",
  drillFailed: "DrillFailed",
  restoreFailed: "RestoreFailed",
  cleanupFailed: "DrillCleanupFailed",
  cleanupIncomplete: "DrillCleanupIncomplete",
} as const;

/** Number of status checks that fit in the RTO. */
export function maxChecksFor(rtoMinutes: number, waitSeconds: number): number {
  return Math.max(1, Math.ceil((rtoMinutes * 60) / waitSeconds));
}

function whole(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(
      `restore state machine: ${field} must be a whole number from ${min} to ${max} (got ${JSON.stringify(v)})`,
    );
  }
  return v;
}

/** Builds the restore state machine; throws a ConfigError naming the option when one is invalid. */
export function buildRestoreDefinition(o: RestoreMachineOptions): AslDefinition {
  for (const field of ["functionArn", "validationFunctionArn"] as const) {
    const v = o[field];
    if ((field === "functionArn" || v !== undefined) && !LAMBDA_FUNCTION_ARN.test(v ?? "")) {
      throw new ConfigError(`restore state machine: ${field} must be a Lambda function ARN (got ${JSON.stringify(v)})`);
    }
  }
  const validationTimeout = whole(
    "validationTimeoutSeconds",
    o.validationTimeoutSeconds ?? DEFAULT_VALIDATION_TIMEOUT_SECONDS,
    1,
    MAX_VALIDATION_TIMEOUT_SECONDS,
  );
  const rto = whole("rtoMinutes", o.rtoMinutes, 1, 7 * 24 * 60);
  const waitSeconds = whole("waitSeconds", o.waitSeconds ?? DEFAULT_RESTORE_WAIT_SECONDS, 1, 3600);
  const cleanupWait = whole("cleanupWaitSeconds", o.cleanupWaitSeconds ?? DEFAULT_CLEANUP_WAIT_SECONDS, 1, 3600);
  const maxChecks = maxChecksFor(rto, waitSeconds);
  // Each check loop adds about 5 history events; Standard executions allow 25,000.
  if (maxChecks > 2000) {
    throw new ConfigError(
      `restore state machine: rtoMinutes / waitSeconds allows ${maxChecks} checks (max 2000); raise waitSeconds`,
    );
  }
  const maxCleanup = whole(
    "maxCleanupAttempts",
    o.maxCleanupAttempts ?? Math.min(MAX_CLEANUP_ATTEMPTS, maxChecksFor(rto, cleanupWait) + EXTRA_CLEANUP_ATTEMPTS),
    1,
    MAX_CLEANUP_ATTEMPTS,
  );
  const policy = resolveRetry(o.retry, "restore.retry");
  const retry = retryFor(policy, RETRYABLE_ERRORS);
  // The validation Lambda's own errors are its verdict; only Lambda service faults are worth another attempt.
  const validationRetry = retryFor(policy, LAMBDA_SERVICE_ERRORS);
  const S = RESTORE_STATES;

  const task = (action: string, next: string, onError: string, payload?: Record<string, unknown>) => ({
    Type: "Task",
    Resource: LAMBDA_INVOKE,
    Parameters: { FunctionName: o.functionArn, Payload: payload ?? { action, "state.$": "$" } },
    OutputPath: "$.Payload",
    ...(retry.length > 0 ? { Retry: retry } : {}),
    Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: onError }],
    Next: next,
  });
  const isDrill = {
    And: [
      { Variable: "$.mode", IsPresent: true },
      { Variable: "$.mode", StringEquals: "drill" },
    ],
  };
  const cleanupLoop = (isDoneName: string, waitName: string, taskName: string, done: string) => ({
    [isDoneName]: {
      Type: "Choice",
      Comment: `Repeats the clean-up until nothing is pending, at most ${maxCleanup} attempts.`,
      Choices: [
        { Variable: "$.cleanup.remaining", NumericEquals: 0, Next: done },
        { Variable: "$.cleanup.attempts", NumericGreaterThanEquals: maxCleanup, Next: S.cleanupIncomplete },
      ],
      Default: waitName,
    },
    [waitName]: { Type: "Wait", Seconds: cleanupWait, Next: taskName },
  });

  return {
    Comment: `rds-pilot-light restore: restore DR copies (failover) or drill (restore, check, delete); gives up after the RTO of ${rto} min.`,
    StartAt: S.plan,
    States: {
      [S.plan]: task("plan", S.start, S.onFailure, { action: "plan", "input.$": "$", maxChecks }),
      [S.start]: task("start", S.wait, S.onFailure),
      [S.wait]: { Type: "Wait", Seconds: waitSeconds, Next: S.check },
      [S.check]: task("check", S.isDone, S.onFailure),
      [S.isDone]: {
        Type: "Choice",
        Choices: [
          { Variable: "$.done", BooleanEquals: true, Next: S.finish },
          { Variable: "$.checks", NumericGreaterThanEqualsPath: "$.maxChecks", Next: S.timedOut },
        ],
        Default: S.wait,
      },
      [S.timedOut]: {
        Type: "Pass",
        Result: {
          Error: "RestoreTimedOut",
          Cause: `The restored DBs were not all available within the RTO of ${rto} minutes.`,
        },
        ResultPath: "$.error",
        Next: S.onFailure,
      },
      [S.finish]: task("finish", S.isDrill, S.onFailure),
      [S.isDrill]: { Type: "Choice", Choices: [{ ...isDrill, Next: S.announce }], Default: S.restoreSucceeded },
      [S.announce]: task("announce", o.validationFunctionArn ? S.validate : S.recordDrill, S.onFailure),
      ...(o.validationFunctionArn
        ? {
            [S.validate]: {
              Type: "Task",
              Comment: `The drill validation Lambda checks the restored data; at most ${validationTimeout} s.`,
              Resource: LAMBDA_INVOKE,
              Parameters: {
                FunctionName: o.validationFunctionArn,
                Payload: { "drillId.$": "$.drill.id", "region.$": "$.region", "restored.$": "$.result.restored" },
              },
              TimeoutSeconds: validationTimeout,
              ResultPath: "$.validation",
              ...(validationRetry.length > 0 ? { Retry: validationRetry } : {}),
              // An error or a timeout of the validation is a failed drill, recorded (and cleaned up) like a verdict.
              Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.validationError", Next: S.recordDrill }],
              Next: S.recordDrill,
            },
          }
        : {}),
      [S.recordDrill]: task("recordDrill", S.cleanup, S.onFailure),
      [S.cleanup]: task("cleanup", S.isCleanupDone, S.cleanupFailed),
      ...cleanupLoop(S.isCleanupDone, S.waitCleanup, S.cleanup, S.isDrillPassed),
      [S.isDrillPassed]: {
        Type: "Choice",
        Comment: "The clean-up ran whatever the validation said; now the verdict decides the outcome.",
        Choices: [{ Variable: "$.drill.passed", BooleanEquals: true, Next: S.drillSucceeded }],
        Default: S.drillFailed,
      },
      [S.drillSucceeded]: { Type: "Succeed", OutputPath: "$.result" },
      [S.restoreSucceeded]: { Type: "Succeed", OutputPath: "$.result" },
      [S.onFailure]: { Type: "Choice", Choices: [{ ...isDrill, Next: S.recordFailure }], Default: S.restoreFailed },
      [S.recordFailure]: {
        ...task("recordFailure", S.cleanupAfterFailure, S.cleanupAfterFailure),
        // A failure to record the metric must not skip the clean-up, nor replace the original error.
        Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.recordError", Next: S.cleanupAfterFailure }],
      },
      [S.cleanupAfterFailure]: task("cleanup", S.isFailureCleanupDone, S.cleanupFailed),
      ...cleanupLoop(S.isFailureCleanupDone, S.waitFailureCleanup, S.cleanupAfterFailure, S.drillFailed),
      [S.drillFailed]: {
        Type: "Fail",
        Comment:
          "The drill failed (or its validation did); its temporary DBs were deleted. Error and cause are the failure's.",
        ErrorPath: "$.error.Error",
        CausePath: "$.error.Cause",
      },
      [S.restoreFailed]: {
        Type: "Fail",
        Comment: "The failover restore failed; nothing was deleted.",
        ErrorPath: "$.error.Error",
        CausePath: "$.error.Cause",
      },
      [S.cleanupFailed]: {
        Type: "Fail",
        Error: "DrillCleanupFailed",
        Cause: "Deleting the drill's temporary DBs failed; delete the rpl-drill-* DBs by hand.",
      },
      [S.cleanupIncomplete]: {
        Type: "Fail",
        Error: "DrillCleanupIncomplete",
        Cause: `The drill's temporary DBs were still not deleted after ${maxCleanup} attempts; delete the rpl-drill-* DBs by hand.`,
      },
    },
  };
}

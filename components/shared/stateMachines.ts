/**
 * Amazon States Language (ASL) definitions of the step state machines, as pure builders.
 *
 * The components serialise these with `JSON.stringify` once the Lambda ARNs resolve; the tests and the simulator run
 * the very same objects in aws-local-stepfunctions. That library supports JSONPath only (no JSONata), so every
 * definition here is JSONPath.
 *
 * Shape of every step machine:
 *
 *   <Step> (Task: lambda:invoke, Retry on transient errors, Catch States.ALL -> <Step>Failed)
 *     -> [check loop, when `check` is set]
 *     -> <Step>Succeeded
 *
 * Check loop (the copy step: copies run for minutes to hours inside RDS, so the machine polls instead of the Lambda
 * waiting). The last summary (the step's, a check's or a re-run's) is kept at `$.latest.summary`. Per poll the
 * machine runs four states: one Choice, one Pass, one Wait, one Task (before branch copyloop: nine, ~9.5 on average;
 * Standard workflows are billed per state transition):
 *
 *   Is<Step>Pending (Choice, after the step's own runs) and Has<Step>Failures (Choice, after each check or re-run),
 *   in this order, first match wins:
 *     a field the rules read is missing or not a number -> the single-field path below (Read<Step>Pending,
 *                                    Read<Step>Failures)
 *     [after a check or re-run] failed > 0               -> <Step>ItemsFailed (Fail)
 *     [after a check or re-run] checks < maxChecks and ready > 0
 *                                                        -> Count<Step>Rerun (Pass: checks + 1) -> Rerun<Step>
 *     pending > 0 and (checks >= maxChecks or waitedSeconds >= budgetSeconds)
 *                                                        -> Mark<Step>LeftPending (Pass: leftPending: true)
 *                                                           -> <Step>LeftPending (Succeed)
 *     pending <= 0                                       -> <Step>Succeeded (Pass: the output, End)
 *     otherwise: a wait by nextCheckSeconds (<= waitSeconds: WaitShort, >= maxWaitSeconds: WaitLong, else
 *     WaitAsEstimated), followed by a check, or by a re-run when waiting > 0:
 *       WaitShortFor<Step> / WaitLongFor<Step> / WaitAsEstimatedFor<Step> (Pass) -> WaitFor<Step> (Wait) -> Check<Step>
 *       WaitShortToRerun<Step> / ... (Pass) -> WaitToRerun<Step> (Wait) -> Rerun<Step>
 *   each Pass sets waitSeconds, adds it to waitedSeconds and counts the invocation it leads to (checks + 1; both with
 *   States.MathAdd), so the Choice after that invocation sees the same count as a count taken after it.
 *   Check<Step> and Rerun<Step> (Task, ResultPath $.latest) -> Has<Step>Failures.
 *
 *   The single-field path makes the same decisions one optional field per Choice, each type-tested before it is
 *   compared (no rule ever compares a missing value, which Step Functions fails with States.Runtime):
 *     Read<Step>Failures (failed) -> Is<Step>Ready (checks, ready) -> Read<Step>Pending (pending: missing or not a
 *     number -> <Step>SummaryInvalid (Fail)) -> Is<Step>Waiting (waiting) -> Time<Step>Check / Time<Step>Rerun
 *     (nextCheckSeconds: missing or not a number waits the shortest) -> the same Pass states.
 *   The Copier and the Checker always return every field as a number (`nextCheckSeconds: 0` when nothing runs, the
 *   Copier's `ready: 0`), so they take the one-Choice path; tests/statemachines/checkLoopEquivalence.test.ts checks
 *   both paths against the loop before the merge (tests/helpers/stepMachineAt7a21015) on random summaries.
 *
 * `ready` is how a read-only check says "the step could make progress now" (two-step copy: a home-region copy
 * finished, so its DR-region copy can start); the step runs again at once instead of waiting for the next schedule.
 * `waiting` is how a summary says "work should start but found no free slot (or quota)": a check after the wait
 * would only report it `ready` again (a scoped check does not count other DBs' copies in flight), so the step runs
 * again directly, one invocation per poll instead of two.
 * Check and re-run invocations both count against `maxChecks`, so the loop is bounded even if a summary kept
 * reporting `ready`.
 *
 * Waits (issue 10 items 1 and 4): the Copier and its check report `nextCheckSeconds`, about when the copies they saw
 * running should be done (functions/copy/nextCheck.ts); the loop waits that long, but never less than `waitSeconds`
 * (what bounds how late a finished copy is noticed when the estimate is short) nor more than `maxWaitSeconds` (what
 * bounds it when the estimate is long). A summary without the field waits `waitSeconds`, the fixed interval of a
 * loop without estimates. The loop's time budget is `budgetSeconds` of waiting in all: no new wait starts once
 * `waitedSeconds` reached it (the last wait may end up to `maxWaitSeconds` later). `maxChecks` still caps the
 * invocations, which bounds the execution's history whatever the waits.
 *
 * Running out of checks with work still pending is not a failure: failed items already make the Lambda throw, and
 * the work keeps running in RDS for the next event or schedule run to pick up. Lateness is what the freshness alarm
 * (RecoveryPointAgeMinutes > RPO) reports, so the execution succeeds with `leftPending: true` in its output instead of
 * firing the step-failure alarm whenever a first (full) copy outlasts a budget sized for incremental ones.
 *
 * Resume loop (every step; issue 13 item 1): a handler stops taking new work before its Lambda's deadline and reports
 * the items it did not start as `summary.leftPending`. The machine runs it again at once while that is > 0:
 *
 *   Has<Step>LeftWork (Choice on $.summary.leftPending, $.latest.summary.leftPending with a check loop)
 *     missing, not a number or <= 0  -> (the check loop, or <Step>Succeeded)
 *     runs >= maxRuns                -> (the same: the summary keeps leftPending > 0, the next run resumes)
 *     otherwise                      -> Continue<Step> (the step Lambda again) -> Count<Step>Run (runs + 1) -> Has<Step>LeftWork
 *
 * Each run records what it finished as it goes (tags, events), so a continuation starts where the last run stopped.
 *
 * State data in the check loop is `{ latest: { summary }, checks, waitedSeconds }` (plus `waitSeconds` while
 * waiting): `summary` is the last handler's JSON result (a small object such as `{ pending: 3, nextCheckSeconds: 900 }`),
 * `checks` the number of loop invocations so far, `waitedSeconds` the seconds waited so far. The output is
 * `{ summary, checks, waitedSeconds }` (plus `leftPending: true` when work was left pending). The check Lambda and
 * re-runs receive the execution's original input (`$$.Execution.Input`), so a run scoped to one DB or snapshot stays
 * in that scope.
 *
 * No Pulumi imports here: the module must load in tests, the simulator and the CLI without a Pulumi runtime.
 */
import { ConfigError, TRANSIENT_AWS_ERRORS } from "../../functions/lib/errors";

/** Retry timing of a Task state (ASL `Retry` fields). */
export interface RetryPolicy {
  /** Retries after the first attempt (ASL `MaxAttempts`; 0 disables retries). */
  maxAttempts: number;
  /** Seconds before the first retry (ASL `IntervalSeconds`). */
  intervalSeconds: number;
  /** Multiplier of the interval after each retry (ASL `BackoffRate`, >= 1). */
  backoffRate: number;
  /** Upper bound of any single retry interval, in seconds (ASL `MaxDelaySeconds`). */
  maxDelaySeconds?: number;
  /**
   * ASL `JitterStrategy`: `FULL` waits a random time between 0 and the computed interval, `NONE` the interval itself
   * (Step Functions' default when the field is left out).
   */
  jitterStrategy?: JitterStrategy;
}

/**
 * Values of a retrier's `JitterStrategy` field ("Handling errors in Step Functions workflows", Retrier fields,
 * https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html; the CDK's JitterType,
 * https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_stepfunctions.JitterType.html: `FULL` "calculates the
 * delay to be a random number between 0 and the computed backoff for the given retry attempt count").
 */
export type JitterStrategy = "FULL" | "NONE";

/** Options of {@link buildStepDefinition}. */
export interface StepMachineOptions {
  /** PascalCase step name (`Take`, `Share`, `Copy`, `Expire`, ...); every state name derives from it. */
  stepName: string;
  /** ARN of the step Lambda. */
  functionArn: string;
  /**
   * Wait/check loop run while the step's summary reports `pending > 0`: wait (the summary's `nextCheckSeconds`,
   * clamped to [`waitSeconds`, `maxWaitSeconds`]), invoke the check Lambda `functionArn` (re-running the step when the
   * check reports `ready > 0`), repeat; after `maxChecks` invocations (checks and re-runs), or once `budgetSeconds`
   * were waited, with work still pending the execution succeeds with `leftPending: true` in its output.
   */
  check?: CheckLoopOptions;
  /** Retry timing for Lambda service errors and `TransientAwsError`; fields left out take {@link DEFAULT_RETRY}. */
  retry?: Partial<RetryPolicy>;
  /**
   * Step Lambda runs per execution while its summary reports `leftPending > 0` (the first run included); default
   * {@link DEFAULT_MAX_RUNS}. What is still left after that is resumed by the next scheduled or event run.
   */
  maxRuns?: number;
}

/** The check loop of {@link StepMachineOptions.check}. */
export interface CheckLoopOptions {
  /** ARN of the check Lambda. */
  functionArn: string;
  /** Shortest wait between two checks (seconds); also the wait when a summary gives no `nextCheckSeconds`. */
  waitSeconds: number;
  /** Check and re-run invocations per execution, at most {@link MAX_CHECKS_LIMIT}. */
  maxChecks: number;
  /** Longest wait between two checks (seconds, >= `waitSeconds`). @defaultValue `waitSeconds` (a fixed interval) */
  maxWaitSeconds?: number;
  /** Seconds of waiting after which no new wait starts. @defaultValue `waitSeconds × maxChecks` */
  budgetSeconds?: number;
}

/**
 * Default of `maxRuns`: ten runs of a 300 s Lambda (about 50 minutes) per execution, enough for a 750-snapshot share
 * backlog; a larger backlog carries over to the next execution, which resumes it.
 */
export const DEFAULT_MAX_RUNS = 10;

/** Upper bound of `maxRuns`: each run adds about 10 history events, far below the 25,000 of a Standard execution. */
export const MAX_RUNS_LIMIT = 100;

/** A state machine definition (JSONPath ASL). */
export type AslDefinition = { Comment?: string; StartAt: string; States: Record<string, unknown> };

/**
 * Default retry timing: 10 retries, the n-th after a random time between 0 and min(10 s × 2^(n−1), 300 s) (full
 * jitter), so up to 10, 20, 40, 80, 160, 300, 300, 300, 300, 300 s: about 15 minutes of backing off on average, 30
 * at most.
 * The handlers' SDK clients already retry throttling with backoff (functions/lib/clients.ts); this is the slower
 * second line for what outlives them and for Lambda's own transient faults.
 *
 * Issue 10: at 1,000 DBs a snapshot round starts about 1,000 Share (and then Copy) executions within minutes, whose
 * requests exceed the account's RDS API budget for several minutes (scenarios/thousand-dbs.yaml). With fixed
 * intervals the executions that were throttled together retried together, and four retries (150 s in all) ended
 * before the burst did; full jitter spreads the retries over the interval, and ten reach well past the burst.
 */
export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 10,
  intervalSeconds: 10,
  backoffRate: 2,
  maxDelaySeconds: 300,
  jitterStrategy: "FULL",
};

/** Service integration that invokes a Lambda synchronously and returns `{ Payload, StatusCode, ... }`. */
export const LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke";

/**
 * Transient Lambda service errors, as Step Functions names them (`Lambda.<exception>`).
 * https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html lists the first four and
 * notes that hitting the invocation limit raises `Lambda.TooManyRequestsException`.
 */
export const LAMBDA_SERVICE_ERRORS: readonly string[] = [
  "Lambda.ClientExecutionTimeoutException",
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.TooManyRequestsException",
];

/**
 * Every error name a Task retries. `TransientAwsError` is what our handlers throw when throttling or a transient RDS
 * fault outlived the SDK's retries (functions/lib/errors.ts); Step Functions matches it because a Node.js Lambda
 * reports the thrown error's `name` as its error type. The raw AWS throttling/transient names
 * (`TRANSIENT_AWS_ERRORS`: `Throttling`, `InternalFailure`, ...) are retried too, so an SDK error a handler did not
 * map (for instance one thrown while listing, before any per-item mapping) is still retried, not fatal.
 */
export const RETRYABLE_ERRORS: readonly string[] = [
  ...LAMBDA_SERVICE_ERRORS,
  "TransientAwsError",
  // A run that was still busy just before its Lambda's timeout (functions/lib/lambda.ts): the steps are resumable,
  // so a retry continues from what the run recorded.
  "StepTimeoutError",
  ...TRANSIENT_AWS_ERRORS,
];

/**
 * Errors deliberately NOT retried: retrying cannot fix a bad configuration, and a PartialFailureError is thrown only
 * after the handler already finished every other item (a retry would redo them all for nothing). `Lambda.Unknown`
 * (function timeout, out of memory) is not retried either: the same input would most likely fail the same way.
 */
export const NON_RETRYABLE_ERRORS: readonly string[] = [
  "ConfigError",
  "PartialFailureError",
  "ShareLimitError",
  "Lambda.Unknown",
];

/**
 * Second retrier of the step Task (not of the check, not of the restorer): the Copier and the Sharer throw
 * `SnapshotNotFoundError` when the snapshot named by their event is not visible yet (a share shows up in the target
 * account with a delay), so they wait 30 s, 60 s, 120 s for it. A restore's "no copy to restore" must not wait: the
 * restorer uses {@link retryFor} with {@link RETRYABLE_ERRORS} only.
 */
export const NOT_YET_VISIBLE_RETRY = {
  ErrorEquals: ["SnapshotNotFoundError"],
  IntervalSeconds: 30,
  MaxAttempts: 3,
  BackoffRate: 2,
} as const;

/**
 * Upper bound of `check.maxChecks`: each loop iteration adds about 12 history events (Choice, Pass, Wait, Task with
 * its scheduled/started/succeeded events) and a Standard execution allows 25,000.
 */
export const MAX_CHECKS_LIMIT = 1000;

/** Longest `Wait` and retry interval ASL accepts, in seconds. */
const MAX_SECONDS = 99_999_999;
/** Largest `MaxDelaySeconds` Step Functions accepts (one year plus a day). */
const MAX_DELAY_SECONDS_LIMIT = 31_622_400;

/** Names of the states a step machine consists of, derived from its step name. */
export interface StepStateNames {
  readonly task: string;
  /** Entry of the check loop after the step's own runs (one Choice: done, left pending, or which wait). */
  readonly isPending: string;
  /** After each check or re-run (one Choice: failed, ready, done, left pending, or which wait). */
  readonly hasFailures: string;
  /** The Wait before a check, and the one before a re-run of the step. */
  readonly wait: string;
  readonly waitToRerun: string;
  /** Pass states setting the wait (and counting the invocation that follows it): before a check... */
  readonly waitShort: string;
  readonly waitLong: string;
  readonly waitAsEstimated: string;
  /** ...and before a re-run. */
  readonly waitShortToRerun: string;
  readonly waitLongToRerun: string;
  readonly waitAsEstimatedToRerun: string;
  /** Pass counting a re-run started at once (the check reported `ready`). */
  readonly countRerun: string;
  readonly check: string;
  readonly rerun: string;
  /** The path for a summary that leaves an optional field out (one rule each, in the order of the module comment). */
  readonly readFailures: string;
  readonly isReady: string;
  readonly readPending: string;
  readonly isWaiting: string;
  readonly timeCheck: string;
  readonly timeRerun: string;
  readonly itemsFailed: string;
  readonly succeeded: string;
  readonly failed: string;
  readonly markLeftPending: string;
  readonly leftPending: string;
  readonly summaryInvalid: string;
  readonly hasLeftWork: string;
  readonly continueStep: string;
  readonly countRun: string;
}

/** The state names of step `stepName` (so tests, alarms and docs never spell them twice). */
export function stepStateNames(stepName: string): StepStateNames {
  return {
    task: stepName,
    isPending: `Is${stepName}Pending`,
    hasFailures: `Has${stepName}Failures`,
    wait: `WaitFor${stepName}`,
    waitToRerun: `WaitToRerun${stepName}`,
    waitShort: `WaitShortFor${stepName}`,
    waitLong: `WaitLongFor${stepName}`,
    waitAsEstimated: `WaitAsEstimatedFor${stepName}`,
    waitShortToRerun: `WaitShortToRerun${stepName}`,
    waitLongToRerun: `WaitLongToRerun${stepName}`,
    waitAsEstimatedToRerun: `WaitAsEstimatedToRerun${stepName}`,
    countRerun: `Count${stepName}Rerun`,
    check: `Check${stepName}`,
    rerun: `Rerun${stepName}`,
    readFailures: `Read${stepName}Failures`,
    isReady: `Is${stepName}Ready`,
    readPending: `Read${stepName}Pending`,
    isWaiting: `Is${stepName}Waiting`,
    timeCheck: `Time${stepName}Check`,
    timeRerun: `Time${stepName}Rerun`,
    itemsFailed: `${stepName}ItemsFailed`,
    succeeded: `${stepName}Succeeded`,
    failed: `${stepName}Failed`,
    markLeftPending: `Mark${stepName}LeftPending`,
    leftPending: `${stepName}LeftPending`,
    summaryInvalid: `${stepName}SummaryInvalid`,
    hasLeftWork: `Has${stepName}LeftWork`,
    continueStep: `Continue${stepName}`,
    countRun: `Count${stepName}Run`,
  };
}

/** Fills a partial retry policy with {@link DEFAULT_RETRY} and validates it; errors name the field. */
export function resolveRetry(partial: Partial<RetryPolicy> | undefined, field = "retry"): RetryPolicy {
  const p: RetryPolicy = { ...DEFAULT_RETRY, ...stripUndefined(partial ?? {}) };
  wholeNumber(`${field}.maxAttempts`, p.maxAttempts, 0, MAX_SECONDS);
  wholeNumber(`${field}.intervalSeconds`, p.intervalSeconds, 1, MAX_SECONDS);
  if (!(Number.isFinite(p.backoffRate) && p.backoffRate >= 1)) {
    throw new ConfigError(`${field}.backoffRate must be a number >= 1 (got ${JSON.stringify(p.backoffRate)})`);
  }
  if (p.maxDelaySeconds !== undefined) {
    wholeNumber(`${field}.maxDelaySeconds`, p.maxDelaySeconds, 1, MAX_DELAY_SECONDS_LIMIT);
  }
  if (p.jitterStrategy !== undefined && p.jitterStrategy !== "FULL" && p.jitterStrategy !== "NONE") {
    throw new ConfigError(`${field}.jitterStrategy must be "FULL" or "NONE" (got ${JSON.stringify(p.jitterStrategy)})`);
  }
  return p;
}

/** ASL `Retry` for `errors` with `policy` (one retrier: the errors share one attempt budget). */
export function retryFor(policy: RetryPolicy, errors: readonly string[] = RETRYABLE_ERRORS): Record<string, unknown>[] {
  if (policy.maxAttempts === 0) return [];
  return [
    {
      ErrorEquals: [...errors],
      IntervalSeconds: policy.intervalSeconds,
      MaxAttempts: policy.maxAttempts,
      BackoffRate: policy.backoffRate,
      ...(policy.maxDelaySeconds !== undefined ? { MaxDelaySeconds: policy.maxDelaySeconds } : {}),
      ...(policy.jitterStrategy !== undefined ? { JitterStrategy: policy.jitterStrategy } : {}),
    },
  ];
}

/**
 * ASL `Catch` sending every error to `next`. The catcher's default `ResultPath` ("$") replaces the state data with
 * `{ Error, Cause }`, which {@link failWithCaughtError} passes on; it also works for non-object execution inputs.
 */
export function catchAllTo(next: string): Record<string, unknown>[] {
  return [{ ErrorEquals: ["States.ALL"], Next: next }];
}

/** A Fail state reporting the error caught by {@link catchAllTo} unchanged (its `Error` and `Cause`). */
export function failWithCaughtError(comment: string): Record<string, unknown> {
  return { Type: "Fail", Comment: comment, ErrorPath: "$.Error", CausePath: "$.Cause" };
}

/** Options of {@link lambdaTask}. */
export interface LambdaTaskOptions {
  /** ARN of the Lambda to invoke. */
  functionArn: string;
  /** JSONPath (or context path `$$...`) of the payload sent to the Lambda; default `$` (the state input). */
  payloadPath?: string;
  /** ASL `ResultSelector` applied to the invoke result (`$.Payload` is the Lambda's return value). */
  resultSelector?: Record<string, unknown>;
  /** ASL `ResultPath`; omitted = `$` (the result replaces the state data). */
  resultPath?: string;
  /** Next state; omit to end the execution after this Task. */
  next?: string;
  /** Retry timing for {@link RETRYABLE_ERRORS}; default {@link DEFAULT_RETRY}. */
  retry?: RetryPolicy;
  /** Further retriers, tried after the transient-error one. */
  extraRetry?: readonly Record<string, unknown>[];
  /** State to go to on any error once retries are exhausted; omit to let the error fail the execution. */
  catchNext?: string;
  comment?: string;
}

/** A Task state invoking a Lambda through the `lambda:invoke` integration, with our retry policy. */
export function lambdaTask(o: LambdaTaskOptions): Record<string, unknown> {
  const retry = [...retryFor(o.retry ?? DEFAULT_RETRY), ...(o.extraRetry ?? [])];
  return {
    Type: "Task",
    ...(o.comment ? { Comment: o.comment } : {}),
    Resource: LAMBDA_INVOKE,
    Parameters: { FunctionName: o.functionArn, "Payload.$": o.payloadPath ?? "$" },
    ...(o.resultSelector ? { ResultSelector: o.resultSelector } : {}),
    ...(o.resultPath !== undefined ? { ResultPath: o.resultPath } : {}),
    ...(retry.length > 0 ? { Retry: retry } : {}),
    ...(o.catchNext ? { Catch: catchAllTo(o.catchNext) } : {}),
    ...(o.next ? { Next: o.next } : { End: true }),
  };
}

/**
 * Builds the state machine of one step: invoke the step Lambda, optionally poll a check Lambda while work is
 * pending, fail with the handler's own error name when anything fails. Throws a ConfigError naming the option when
 * an option is invalid.
 */
export function buildStepDefinition(o: StepMachineOptions): AslDefinition {
  if (!/^[A-Z][A-Za-z0-9]{0,39}$/.test(o.stepName ?? "")) {
    throw new ConfigError(
      `stepName must be PascalCase letters and digits, at most 40 characters, such as "Copy" (got ${JSON.stringify(o.stepName)})`,
    );
  }
  lambdaArn("functionArn", o.functionArn);
  const retry = resolveRetry(o.retry);
  const n = stepStateNames(o.stepName);
  const step = o.stepName;

  const states: Record<string, unknown> = {};
  const terminal = {
    [n.succeeded]: { Type: "Succeed", Comment: `${step} finished; output is { summary, runs }.` },
    [n.failed]: failWithCaughtError(
      `${step} failed: the handler's error name and cause, after retries where they apply.`,
    ),
  };

  const maxRuns = o.maxRuns ?? DEFAULT_MAX_RUNS;
  wholeNumber("maxRuns", maxRuns, 1, MAX_RUNS_LIMIT);
  Object.assign(
    states,
    resumeLoop(step, n, o.functionArn, retry, maxRuns, o.check ? n.isPending : n.succeeded, !!o.check),
  );

  if (!o.check) {
    states[n.task] = lambdaTask({
      functionArn: o.functionArn,
      resultSelector: { "summary.$": "$.Payload", runs: 1 },
      next: n.hasLeftWork,
      retry,
      extraRetry: [NOT_YET_VISIBLE_RETRY],
      catchNext: n.failed,
      comment: `Runs the ${step} Lambda on the execution input.`,
    });
    return {
      Comment: `rds-pilot-light ${step}: one ${step} Lambda run with retries on transient errors.`,
      StartAt: n.task,
      States: { ...states, ...terminal },
    };
  }

  const { functionArn: checkArn, waitSeconds, maxChecks } = o.check;
  lambdaArn("check.functionArn", checkArn);
  wholeNumber("check.waitSeconds", waitSeconds, 1, MAX_SECONDS);
  wholeNumber("check.maxChecks", maxChecks, 1, MAX_CHECKS_LIMIT);
  const maxWaitSeconds = o.check.maxWaitSeconds ?? waitSeconds;
  wholeNumber("check.maxWaitSeconds", maxWaitSeconds, waitSeconds, MAX_SECONDS);
  const budgetSeconds = o.check.budgetSeconds ?? waitSeconds * maxChecks;
  wholeNumber("check.budgetSeconds", budgetSeconds, waitSeconds, MAX_SECONDS);

  states[n.task] = lambdaTask({
    functionArn: o.functionArn,
    resultSelector: { latest: { "summary.$": "$.Payload" }, checks: 0, waitedSeconds: 0, runs: 1 },
    next: n.hasLeftWork,
    retry,
    extraRetry: [NOT_YET_VISIBLE_RETRY],
    catchNext: n.failed,
    comment: `Runs the ${step} Lambda on the execution input; its summary says how much work is still pending.`,
  });
  Object.assign(
    states,
    checkLoop(step, n, o.functionArn, retry, { checkArn, waitSeconds, maxWaitSeconds, budgetSeconds, maxChecks }),
  );
  return {
    Comment: `rds-pilot-light ${step}: run the ${step} Lambda, then check while work is pending, ${waitSeconds} s to ${maxWaitSeconds} s apart as the work's progress suggests (at most ${maxChecks} checks and re-runs, ${budgetSeconds} s of waiting).`,
    StartAt: n.task,
    States: { ...states, [n.failed]: terminal[n.failed] },
  };
}

/** The resolved bounds of a check loop. */
interface LoopBounds {
  readonly checkArn: string;
  readonly waitSeconds: number;
  readonly maxWaitSeconds: number;
  readonly budgetSeconds: number;
  readonly maxChecks: number;
}

/** Where the check loop keeps the last summary (the step's, a check's or a re-run's). */
const SUMMARY = "$.latest.summary";

/** A summary field read by the loop's Choice rules. */
const field = (name: string) => `${SUMMARY}.${name}`;

/**
 * Rules sending a summary to `next` when `names` are not all present numbers (ordered single-variable rules, so that
 * no comparison ever reads a missing value). After them every field in `names` can be compared directly.
 */
function incompleteTo(names: readonly string[], next: string): Record<string, unknown>[] {
  return names.flatMap((f) => [
    { Not: { Variable: field(f), IsPresent: true }, Next: next },
    { Not: { Variable: field(f), IsNumeric: true }, Next: next },
  ]);
}

/** Fields every poll reads: a summary with all of them as numbers takes the one-Choice path. */
const ENTRY_FIELDS = ["pending", "waiting", "nextCheckSeconds"] as const;
const POLL_FIELDS = ["failed", "ready", ...ENTRY_FIELDS] as const;

/**
 * The check loop's states (see the module comment). Two one-Choice decisions for summaries that carry every field
 * as a number, and the ordered single-field Choices for summaries that leave one out; both choose among the same
 * Pass states, which set the wait and count the invocation that follows it.
 */
function checkLoop(
  step: string,
  n: StepStateNames,
  functionArn: string,
  retry: RetryPolicy,
  b: LoopBounds,
): Record<string, unknown> {
  const { waitSeconds, maxWaitSeconds, budgetSeconds, maxChecks } = b;
  const P = field("pending");
  const W = field("waiting");
  const N = field("nextCheckSeconds");
  // Pending work, all fields numbers: out of checks or budget, done, else which wait and then what.
  const decide: Record<string, unknown>[] = [
    {
      And: [
        { Variable: P, NumericGreaterThan: 0 },
        { Variable: "$.checks", NumericGreaterThanEquals: maxChecks },
      ],
      Next: n.markLeftPending,
    },
    {
      And: [
        { Variable: P, NumericGreaterThan: 0 },
        { Variable: "$.waitedSeconds", NumericGreaterThanEquals: budgetSeconds },
      ],
      Next: n.markLeftPending,
    },
    { Variable: P, NumericLessThanEquals: 0, Next: n.succeeded },
    {
      And: [
        { Variable: N, NumericLessThanEquals: waitSeconds },
        { Variable: W, NumericGreaterThan: 0 },
      ],
      Next: n.waitShortToRerun,
    },
    { Variable: N, NumericLessThanEquals: waitSeconds, Next: n.waitShort },
    {
      And: [
        { Variable: N, NumericGreaterThanEquals: maxWaitSeconds },
        { Variable: W, NumericGreaterThan: 0 },
      ],
      Next: n.waitLongToRerun,
    },
    { Variable: N, NumericGreaterThanEquals: maxWaitSeconds, Next: n.waitLong },
    { Variable: W, NumericGreaterThan: 0, Next: n.waitAsEstimatedToRerun },
  ];
  const timing = (short: string, long: string): Record<string, unknown>[] => [
    { Not: { Variable: N, IsPresent: true }, Next: short },
    { Not: { Variable: N, IsNumeric: true }, Next: short },
    { Variable: N, NumericLessThanEquals: waitSeconds, Next: short },
    { Variable: N, NumericGreaterThanEquals: maxWaitSeconds, Next: long },
  ];
  const setWait = (comment: string, seconds: number | string, next: string): Record<string, unknown> => ({
    Type: "Pass",
    Comment: comment,
    Parameters: {
      // Counted here, before the invocation the wait leads to: the Choice after it sees the same count as if the
      // invocation had been counted after it ran.
      "checks.$": "States.MathAdd($.checks, 1)",
      ...(typeof seconds === "number" ? { waitSeconds: seconds } : { "waitSeconds.$": seconds }),
      "waitedSeconds.$": `States.MathAdd($.waitedSeconds, ${seconds})`,
    },
    Next: next,
  });
  const short = `The shortest wait, ${waitSeconds} s (also when the summary gives no estimate)`;
  const long = `The longest wait, ${maxWaitSeconds} s`;
  const estimated = "The summary's estimate (a whole number of seconds between the shortest and the longest wait)";
  const invoke = (arn: string, comment: string, stepRetry: boolean) =>
    lambdaTask({
      functionArn: arn,
      // The check and re-runs see the same scope (DB, snapshot or sweep) as the step did.
      payloadPath: "$$.Execution.Input",
      resultSelector: { "summary.$": "$.Payload" },
      resultPath: "$.latest",
      next: n.hasFailures,
      retry,
      ...(stepRetry ? { extraRetry: [NOT_YET_VISIBLE_RETRY] } : {}),
      catchNext: n.failed,
      comment,
    });
  return {
    [n.isPending]: {
      Type: "Choice",
      Comment: `After the ${step} Lambda's own runs: done, or wait (${waitSeconds} s to ${maxWaitSeconds} s, as the summary's nextCheckSeconds says) and check, or re-run it when work waits for a slot; at most ${maxChecks} checks and re-runs and ${budgetSeconds} s of waiting.`,
      // A summary without every field as a number takes the single-field Choices (Read<Step>Pending on).
      Choices: [...incompleteTo(ENTRY_FIELDS, n.readPending), ...decide],
      Default: n.waitAsEstimated,
    },
    [n.hasFailures]: {
      Type: "Choice",
      Comment: `After a check or re-run: fail on failed work, re-run ${step} at once when the check says it can make progress, else as ${`Is${step}Pending`}.`,
      Choices: [
        ...incompleteTo(POLL_FIELDS, n.readFailures),
        { Variable: field("failed"), NumericGreaterThan: 0, Next: n.itemsFailed },
        {
          And: [
            { Variable: "$.checks", NumericLessThan: maxChecks },
            { Variable: field("ready"), NumericGreaterThan: 0 },
          ],
          Next: n.countRerun,
        },
        ...decide,
      ],
      Default: n.waitAsEstimated,
    },
    // The single-field path: the same decisions, one optional field per Choice.
    [n.readFailures]: {
      Type: "Choice",
      Comment: "Ends the execution failed when the check found work that failed in RDS (e.g. a copy in status failed).",
      Choices: [
        { Not: { Variable: field("failed"), IsPresent: true }, Next: n.isReady },
        { Not: { Variable: field("failed"), IsNumeric: true }, Next: n.isReady },
        { Variable: field("failed"), NumericGreaterThan: 0, Next: n.itemsFailed },
      ],
      Default: n.isReady,
    },
    [n.isReady]: {
      Type: "Choice",
      Comment: `Runs the ${step} Lambda again at once when the check says it can make progress now.`,
      Choices: [
        { Variable: "$.checks", NumericGreaterThanEquals: maxChecks, Next: n.readPending },
        { Not: { Variable: field("ready"), IsPresent: true }, Next: n.readPending },
        { Not: { Variable: field("ready"), IsNumeric: true }, Next: n.readPending },
        { Variable: field("ready"), NumericGreaterThan: 0, Next: n.countRerun },
      ],
      Default: n.readPending,
    },
    [n.readPending]: {
      Type: "Choice",
      Comment: `Loops while the last summary reports pending work, at most ${maxChecks} checks and re-runs and ${budgetSeconds} s of waiting.`,
      Choices: [
        { Not: { Variable: P, IsPresent: true }, Next: n.summaryInvalid },
        { Not: { Variable: P, IsNumeric: true }, Next: n.summaryInvalid },
        ...decide.slice(0, 2),
        { Variable: P, NumericGreaterThan: 0, Next: n.isWaiting },
      ],
      Default: n.succeeded,
    },
    [n.isWaiting]: {
      Type: "Choice",
      Comment: `After the wait, runs the ${step} Lambda again instead of the check when the last summary had work waiting for a free slot or quota.`,
      Choices: [
        { Not: { Variable: W, IsPresent: true }, Next: n.timeCheck },
        { Not: { Variable: W, IsNumeric: true }, Next: n.timeCheck },
        { Variable: W, NumericGreaterThan: 0, Next: n.timeRerun },
      ],
      Default: n.timeCheck,
    },
    [n.timeCheck]: {
      Type: "Choice",
      Comment: `Waits about as long as the running work needs (the summary's nextCheckSeconds), from ${waitSeconds} s to ${maxWaitSeconds} s, then checks.`,
      Choices: timing(n.waitShort, n.waitLong),
      Default: n.waitAsEstimated,
    },
    [n.timeRerun]: {
      Type: "Choice",
      Comment: `Waits as ${`Time${step}Check`} does, then runs the ${step} Lambda again.`,
      Choices: timing(n.waitShortToRerun, n.waitLongToRerun),
      Default: n.waitAsEstimatedToRerun,
    },
    [n.waitShort]: setWait(`${short}, then a check.`, waitSeconds, n.wait),
    [n.waitLong]: setWait(`${long}, then a check.`, maxWaitSeconds, n.wait),
    [n.waitAsEstimated]: setWait(`${estimated}, then a check.`, `${N}`, n.wait),
    [n.waitShortToRerun]: setWait(`${short}, then a re-run.`, waitSeconds, n.waitToRerun),
    [n.waitLongToRerun]: setWait(`${long}, then a re-run.`, maxWaitSeconds, n.waitToRerun),
    [n.waitAsEstimatedToRerun]: setWait(`${estimated}, then a re-run.`, `${N}`, n.waitToRerun),
    [n.wait]: {
      Type: "Wait",
      Comment: "Lets RDS make progress before the next check.",
      SecondsPath: "$.waitSeconds",
      Next: n.check,
    },
    [n.waitToRerun]: {
      Type: "Wait",
      Comment: `Lets RDS make progress before the ${step} Lambda runs again for the work that waited for a free slot or quota.`,
      SecondsPath: "$.waitSeconds",
      Next: n.rerun,
    },
    [n.countRerun]: {
      Type: "Pass",
      Comment: "Counts the re-run started at once.",
      Parameters: { "checks.$": "States.MathAdd($.checks, 1)", "waitedSeconds.$": "$.waitedSeconds" },
      Next: n.rerun,
    },
    [n.check]: invoke(
      b.checkArn,
      "Runs the check Lambda on the execution input; it reports (and may start) pending work.",
      false,
    ),
    [n.rerun]: invoke(
      functionArn,
      `Runs the ${step} Lambda again on the execution input to start the work found ready or waiting.`,
      true,
    ),
    [n.itemsFailed]: {
      Type: "Fail",
      Comment: "A check reported failed work: fail now so the alarm fires while it is fresh.",
      Error: `${step}ItemsFailed`,
      Cause: `The ${step} check reported failed work (for the Copier: a copy that ended in status failed); the check Lambda's log names each one, and the next ${step} run reports them again.`,
    },
    [n.markLeftPending]: {
      Type: "Pass",
      Comment: `Out of checks with ${step} work still pending: keep the last summary and flag it; RDS keeps working.`,
      Parameters: {
        "summary.$": SUMMARY,
        "checks.$": "$.checks",
        "waitedSeconds.$": "$.waitedSeconds",
        leftPending: true,
      },
      Next: n.leftPending,
    },
    [n.leftPending]: {
      Type: "Succeed",
      Comment:
        `${step} work was still pending after ${maxChecks} checks and re-runs or ${budgetSeconds} s of waiting (${waitSeconds} s to ${maxWaitSeconds} s between checks); ` +
        "it keeps running in RDS and the next event or scheduled run picks it up. Output: { summary, checks, waitedSeconds, leftPending: true }.",
    },
    [n.succeeded]: {
      Type: "Pass",
      Comment: `${step} finished; output is { summary, checks, waitedSeconds }.`,
      Parameters: { "summary.$": SUMMARY, "checks.$": "$.checks", "waitedSeconds.$": "$.waitedSeconds" },
      End: true,
    },
    [n.summaryInvalid]: {
      Type: "Fail",
      Comment: "The handler returned no numeric `pending`: a contract bug, not something to loop on.",
      Error: "InvalidSummary",
      Cause: `The ${step} or check Lambda returned a summary without a numeric "pending" field.`,
    },
  };
}

/**
 * The resume loop's states (see the module comment): run the step again while its summary reports `leftPending > 0`,
 * at most `maxRuns` runs in all, then go on to `next`.
 */
function resumeLoop(
  step: string,
  n: StepStateNames,
  functionArn: string,
  retry: RetryPolicy,
  maxRuns: number,
  next: string,
  hasCheck: boolean,
): Record<string, unknown> {
  // A machine with a check loop keeps the last summary where the loop reads it (`$.latest.summary`).
  const summary = hasCheck ? SUMMARY : "$.summary";
  return {
    [n.hasLeftWork]: {
      Type: "Choice",
      Comment: `Runs ${step} again while it stopped before its deadline with work left (leftPending > 0), at most ${maxRuns} runs.`,
      // Ordered single-variable rules: `leftPending` is optional, so it is type-tested before it is compared.
      Choices: [
        { Not: { Variable: `${summary}.leftPending`, IsPresent: true }, Next: next },
        { Not: { Variable: `${summary}.leftPending`, IsNumeric: true }, Next: next },
        { Variable: `${summary}.leftPending`, NumericLessThanEquals: 0, Next: next },
        { Variable: "$.runs", NumericGreaterThanEquals: maxRuns, Next: next },
      ],
      Default: n.continueStep,
    },
    [n.continueStep]: lambdaTask({
      functionArn,
      payloadPath: "$$.Execution.Input",
      resultSelector: { "summary.$": "$.Payload" },
      resultPath: "$.latest",
      next: n.countRun,
      retry,
      extraRetry: [NOT_YET_VISIBLE_RETRY],
      catchNext: n.failed,
      comment: `Runs the ${step} Lambda again on the execution input; it resumes where the last run stopped.`,
    }),
    [n.countRun]: {
      Type: "Pass",
      Comment: "Counts the run and keeps only the latest summary.",
      Parameters: {
        "runs.$": "States.MathAdd($.runs, 1)",
        ...(hasCheck ? { "latest.$": "$.latest", checks: 0, waitedSeconds: 0 } : { "summary.$": "$.latest.summary" }),
      },
      Next: n.hasLeftWork,
    },
  };
}

function wholeNumber(field: string, value: unknown, min: number, max: number): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${field} must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)})`);
  }
}

function lambdaArn(field: string, value: unknown): void {
  if (
    typeof value !== "string" ||
    !/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$/.test(value)
  ) {
    throw new ConfigError(
      `${field} must be a Lambda function ARN such as arn:aws:lambda:eu-west-1:123456789012:function:name (got ${JSON.stringify(value)})`,
    );
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

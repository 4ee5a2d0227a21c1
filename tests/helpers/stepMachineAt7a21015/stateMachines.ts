/**
 * VERBATIM copy of components/shared/stateMachines.ts at main 7a21015 (only this import path changed): the check loop
 * before branch copyloop merged its Pass and Choice states, kept as the reference of
 * tests/statemachines/checkLoopEquivalence.test.ts.
 *
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
 * waiting):
 *
 *   Is<Step>Pending (Choice on $.summary.pending)
 *     missing or not a number      -> <Step>SummaryInvalid (Fail)
 *     > 0 and checks >= maxChecks, or > 0 and waitedSeconds >= budgetSeconds
 *                                  -> Mark<Step>LeftPending (Pass: adds leftPending: true) -> <Step>LeftPending (Succeed)
 *     > 0                          -> Time<Step>Check -> WaitFor<Step> -> Check<Step> (Task) -> Count<Step>Check
 *     otherwise                    -> <Step>Succeeded
 *   Time<Step>Check (Choice on $.summary.nextCheckSeconds: the handler's estimate of when the running work is done)
 *     missing, not a number or <= waitSeconds -> WaitShortFor<Step> (Pass: waitSeconds)
 *     >= maxWaitSeconds                       -> WaitLongFor<Step> (Pass: maxWaitSeconds)
 *     otherwise                               -> WaitAsEstimatedFor<Step> (Pass: the estimate)
 *   each Pass sets waitSeconds and adds it to waitedSeconds (States.MathAdd) -> WaitFor<Step> (Wait SecondsPath $.waitSeconds)
 *   -> Is<Step>Waiting (Choice on $.summary.waiting)
 *     > 0       -> Rerun<Step> (work waited for a free slot or for quota: only a step run can start it)
 *     otherwise -> Check<Step>
 *   Count<Step>Check (Pass: checks + 1 with States.MathAdd, keep the latest summary) -> Is<Step>Ready
 *   Is<Step>Ready (Choice on $.summary.ready)
 *     checks < maxChecks and ready > 0 -> Rerun<Step> (the step Lambda again) -> Count<Step>Check
 *     otherwise                        -> Is<Step>Pending
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
 *   Has<Step>LeftWork (Choice on $.summary.leftPending, after the step Task)
 *     missing, not a number or <= 0  -> (the check loop, or <Step>Succeeded)
 *     runs >= maxRuns                -> (the same: the summary keeps leftPending > 0, the next run resumes)
 *     otherwise                      -> Continue<Step> (the step Lambda again) -> Count<Step>Run (runs + 1) -> Has<Step>LeftWork
 *
 * Each run records what it finished as it goes (tags, events), so a continuation starts where the last run stopped.
 *
 * State data between states is `{ summary, checks, waitedSeconds }` (plus `waitSeconds` while waiting): `summary` is
 * the last handler's JSON result (a small object such as `{ pending: 3, nextCheckSeconds: 900 }`), `checks` the
 * number of loop invocations so far, `waitedSeconds` the seconds waited so far. The check Lambda and re-runs receive the
 * execution's original input (`$$.Execution.Input`), so a run scoped to one DB or snapshot stays in that scope.
 *
 * No Pulumi imports here: the module must load in tests, the simulator and the CLI without a Pulumi runtime.
 */
import { ConfigError, TRANSIENT_AWS_ERRORS } from "../../../functions/lib/errors";

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
 * Upper bound of `check.maxChecks`: each loop iteration adds about 15 history events (Choice, Wait, Task with its
 * scheduled/started/succeeded events, Pass) and a Standard execution allows 25,000.
 */
export const MAX_CHECKS_LIMIT = 1000;

/** Longest `Wait` and retry interval ASL accepts, in seconds. */
const MAX_SECONDS = 99_999_999;
/** Largest `MaxDelaySeconds` Step Functions accepts (one year plus a day). */
const MAX_DELAY_SECONDS_LIMIT = 31_622_400;

/** Names of the states a step machine consists of, derived from its step name. */
export interface StepStateNames {
  readonly task: string;
  readonly isPending: string;
  readonly wait: string;
  readonly timeCheck: string;
  readonly waitShort: string;
  readonly waitLong: string;
  readonly waitAsEstimated: string;
  readonly check: string;
  readonly count: string;
  readonly hasFailures: string;
  readonly itemsFailed: string;
  readonly isReady: string;
  readonly isWaiting: string;
  readonly rerun: string;
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
    wait: `WaitFor${stepName}`,
    timeCheck: `Time${stepName}Check`,
    waitShort: `WaitShortFor${stepName}`,
    waitLong: `WaitLongFor${stepName}`,
    waitAsEstimated: `WaitAsEstimatedFor${stepName}`,
    check: `Check${stepName}`,
    count: `Count${stepName}Check`,
    hasFailures: `Has${stepName}Failures`,
    itemsFailed: `${stepName}ItemsFailed`,
    isReady: `Is${stepName}Ready`,
    isWaiting: `Is${stepName}Waiting`,
    rerun: `Rerun${stepName}`,
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
    [n.succeeded]: { Type: "Succeed", Comment: `${step} finished; output is { summary, checks? }.` },
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
    resultSelector: { "summary.$": "$.Payload", checks: 0, waitedSeconds: 0, runs: 1 },
    next: n.hasLeftWork,
    retry,
    extraRetry: [NOT_YET_VISIBLE_RETRY],
    catchNext: n.failed,
    comment: `Runs the ${step} Lambda on the execution input; its summary says how much work is still pending.`,
  });
  states[n.isPending] = {
    Type: "Choice",
    Comment: `Loops while the last summary reports pending work, at most ${maxChecks} checks and re-runs and ${budgetSeconds} s of waiting.`,
    // Rules are tried in order; the type tests come first so that the numeric rules never see a missing value.
    Choices: [
      { Not: { Variable: "$.summary.pending", IsPresent: true }, Next: n.summaryInvalid },
      { Not: { Variable: "$.summary.pending", IsNumeric: true }, Next: n.summaryInvalid },
      {
        And: [
          { Variable: "$.summary.pending", NumericGreaterThan: 0 },
          { Variable: "$.checks", NumericGreaterThanEquals: maxChecks },
        ],
        Next: n.markLeftPending,
      },
      {
        And: [
          { Variable: "$.summary.pending", NumericGreaterThan: 0 },
          { Variable: "$.waitedSeconds", NumericGreaterThanEquals: budgetSeconds },
        ],
        Next: n.markLeftPending,
      },
      { Variable: "$.summary.pending", NumericGreaterThan: 0, Next: n.timeCheck },
    ],
    Default: n.succeeded,
  };
  states[n.timeCheck] = {
    Type: "Choice",
    Comment: `Waits about as long as the running work needs (the summary's nextCheckSeconds), from ${waitSeconds} s to ${maxWaitSeconds} s.`,
    // `nextCheckSeconds` is optional, so it is type-tested before it is compared.
    Choices: [
      { Not: { Variable: "$.summary.nextCheckSeconds", IsPresent: true }, Next: n.waitShort },
      { Not: { Variable: "$.summary.nextCheckSeconds", IsNumeric: true }, Next: n.waitShort },
      { Variable: "$.summary.nextCheckSeconds", NumericLessThanEquals: waitSeconds, Next: n.waitShort },
      { Variable: "$.summary.nextCheckSeconds", NumericGreaterThanEquals: maxWaitSeconds, Next: n.waitLong },
    ],
    Default: n.waitAsEstimated,
  };
  const setWait = (comment: string, seconds: number | string): Record<string, unknown> => ({
    Type: "Pass",
    Comment: comment,
    Parameters: {
      "summary.$": "$.summary",
      "checks.$": "$.checks",
      ...(typeof seconds === "number" ? { waitSeconds: seconds } : { "waitSeconds.$": seconds }),
      "waitedSeconds.$": `States.MathAdd($.waitedSeconds, ${seconds})`,
    },
    Next: n.wait,
  });
  states[n.waitShort] = setWait(
    `The shortest wait, ${waitSeconds} s (also when the summary gives no estimate).`,
    waitSeconds,
  );
  states[n.waitLong] = setWait(`The longest wait, ${maxWaitSeconds} s.`, maxWaitSeconds);
  states[n.waitAsEstimated] = setWait(
    "The summary's estimate (a whole number of seconds between the shortest and the longest wait).",
    "$.summary.nextCheckSeconds",
  );
  states[n.wait] = {
    Type: "Wait",
    Comment: "Lets RDS make progress before the next check.",
    SecondsPath: "$.waitSeconds",
    Next: n.isWaiting,
  };
  states[n.isWaiting] = {
    Type: "Choice",
    Comment: `Runs the ${step} Lambda again instead of the check when the last summary had work waiting for a free slot or quota.`,
    // `waiting` is optional in a summary, so it is type-tested before it is compared.
    Choices: [
      { Not: { Variable: "$.summary.waiting", IsPresent: true }, Next: n.check },
      { Not: { Variable: "$.summary.waiting", IsNumeric: true }, Next: n.check },
      { Variable: "$.summary.waiting", NumericGreaterThan: 0, Next: n.rerun },
    ],
    Default: n.check,
  };
  states[n.check] = lambdaTask({
    functionArn: checkArn,
    // The check sees the same scope (DB, snapshot or sweep) as the step did.
    payloadPath: "$$.Execution.Input",
    resultSelector: { "summary.$": "$.Payload" },
    resultPath: "$.latest",
    next: n.count,
    retry,
    catchNext: n.failed,
    comment: `Runs the check Lambda on the execution input; it reports (and may start) pending work.`,
  });
  states[n.count] = {
    Type: "Pass",
    Comment: "Counts the invocation (check or re-run) and keeps only the latest summary.",
    Parameters: {
      "checks.$": "States.MathAdd($.checks, 1)",
      "waitedSeconds.$": "$.waitedSeconds",
      "summary.$": "$.latest.summary",
    },
    Next: n.hasFailures,
  };
  states[n.hasFailures] = {
    Type: "Choice",
    Comment: "Ends the execution failed when the check found work that failed in RDS (e.g. a copy in status failed).",
    // `failed` is optional in a check summary, so it is type-tested before it is compared.
    Choices: [
      { Not: { Variable: "$.summary.failed", IsPresent: true }, Next: n.isReady },
      { Not: { Variable: "$.summary.failed", IsNumeric: true }, Next: n.isReady },
      { Variable: "$.summary.failed", NumericGreaterThan: 0, Next: n.itemsFailed },
    ],
    Default: n.isReady,
  };
  states[n.itemsFailed] = {
    Type: "Fail",
    Comment: "A check reported failed work: fail now so the alarm fires while it is fresh.",
    Error: `${step}ItemsFailed`,
    Cause: `The ${step} check reported failed work (for the Copier: a copy that ended in status failed); the check Lambda's log names each one, and the next ${step} run reports them again.`,
  };
  states[n.isReady] = {
    Type: "Choice",
    Comment: `Runs the ${step} Lambda again at once when the check says it can make progress now.`,
    // Ordered single-variable rules: `ready` is optional, so it is type-tested before it is compared.
    Choices: [
      { Variable: "$.checks", NumericGreaterThanEquals: maxChecks, Next: n.isPending },
      { Not: { Variable: "$.summary.ready", IsPresent: true }, Next: n.isPending },
      { Not: { Variable: "$.summary.ready", IsNumeric: true }, Next: n.isPending },
      { Variable: "$.summary.ready", NumericGreaterThan: 0, Next: n.rerun },
    ],
    Default: n.isPending,
  };
  states[n.rerun] = lambdaTask({
    functionArn: o.functionArn,
    payloadPath: "$$.Execution.Input",
    resultSelector: { "summary.$": "$.Payload" },
    resultPath: "$.latest",
    next: n.count,
    retry,
    extraRetry: [NOT_YET_VISIBLE_RETRY],
    catchNext: n.failed,
    comment: `Runs the ${step} Lambda again on the execution input to start the work found ready or waiting.`,
  });
  states[n.markLeftPending] = {
    Type: "Pass",
    Comment: `Out of checks with ${step} work still pending: keep the last summary and flag it; RDS keeps working.`,
    Parameters: {
      "summary.$": "$.summary",
      "checks.$": "$.checks",
      "waitedSeconds.$": "$.waitedSeconds",
      leftPending: true,
    },
    Next: n.leftPending,
  };
  states[n.leftPending] = {
    Type: "Succeed",
    Comment:
      `${step} work was still pending after ${maxChecks} checks and re-runs or ${budgetSeconds} s of waiting (${waitSeconds} s to ${maxWaitSeconds} s between checks); ` +
      "it keeps running in RDS and the next event or scheduled run picks it up. Output: { summary, checks, waitedSeconds, leftPending: true }.",
  };
  states[n.summaryInvalid] = {
    Type: "Fail",
    Comment: "The handler returned no numeric `pending`: a contract bug, not something to loop on.",
    Error: "InvalidSummary",
    Cause: `The ${step} or check Lambda returned a summary without a numeric "pending" field.`,
  };
  return {
    Comment: `rds-pilot-light ${step}: run the ${step} Lambda, then check while work is pending, ${waitSeconds} s to ${maxWaitSeconds} s apart as the work's progress suggests (at most ${maxChecks} checks and re-runs, ${budgetSeconds} s of waiting).`,
    StartAt: n.task,
    States: { ...states, ...terminal },
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
  return {
    [n.hasLeftWork]: {
      Type: "Choice",
      Comment: `Runs ${step} again while it stopped before its deadline with work left (leftPending > 0), at most ${maxRuns} runs.`,
      // Ordered single-variable rules: `leftPending` is optional, so it is type-tested before it is compared.
      Choices: [
        { Not: { Variable: "$.summary.leftPending", IsPresent: true }, Next: next },
        { Not: { Variable: "$.summary.leftPending", IsNumeric: true }, Next: next },
        { Variable: "$.summary.leftPending", NumericLessThanEquals: 0, Next: next },
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
        "summary.$": "$.latest.summary",
        ...(hasCheck ? { checks: 0, waitedSeconds: 0 } : {}),
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

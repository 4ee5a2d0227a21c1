import aslValidator from "asl-validator";
import { describe, expect, it } from "vitest";
import {
  buildStepDefinition,
  DEFAULT_RETRY,
  LAMBDA_INVOKE,
  lambdaTask,
  NON_RETRYABLE_ERRORS,
  NOT_YET_VISIBLE_RETRY,
  RETRYABLE_ERRORS,
  resolveRetry,
  retryFor,
  type StepMachineOptions,
  stepStateNames,
} from "../../components/shared/stateMachines";
import { ConfigError, TRANSIENT_AWS_ERRORS } from "../../functions/lib/errors";

const arn = (name: string) => `arn:aws:lambda:eu-west-1:123456789012:function:rpl-${name}`;

/** Every variant the components build, plus the edge settings. */
const VARIANTS: [string, StepMachineOptions][] = [
  ["take", { stepName: "Take", functionArn: arn("take") }],
  ["share", { stepName: "Share", functionArn: arn("share") }],
  ["expire", { stepName: "Expire", functionArn: arn("expire") }],
  [
    "copy with check loop",
    {
      stepName: "Copy",
      functionArn: arn("copy"),
      check: { functionArn: arn("check"), waitSeconds: 600, maxChecks: 36 },
    },
  ],
  [
    "copy with waits as estimated",
    {
      stepName: "Copy",
      functionArn: arn("copy"),
      check: { functionArn: arn("check"), waitSeconds: 300, maxChecks: 12, maxWaitSeconds: 1800, budgetSeconds: 3600 },
    },
  ],
  [
    "copy, custom retry",
    {
      stepName: "Copy",
      functionArn: arn("copy"),
      check: { functionArn: arn("check"), waitSeconds: 1, maxChecks: 1 },
      retry: { maxAttempts: 2, intervalSeconds: 1, backoffRate: 1.5 },
    },
  ],
  ["no retries", { stepName: "Take", functionArn: arn("take"), retry: { maxAttempts: 0 } }],
  ["alias ARN", { stepName: "Share", functionArn: `${arn("share")}:live` }],
];

type State = Record<string, unknown> & { Type: string };
const statesOf = (o: StepMachineOptions) => buildStepDefinition(o).States as Record<string, State>;

describe("buildStepDefinition", () => {
  it.each(VARIANTS)("builds a definition asl-validator accepts (%s)", (_name, options) => {
    const definition = buildStepDefinition(options);
    // asl-validator writes QueryLanguage into the states it checks: give it a copy.
    const { isValid, errorsText } = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });
    expect(errorsText("\n")).toBe("");
    expect(isValid).toBe(true);
  });

  it.each(VARIANTS)("is JSONPath only and survives JSON serialisation unchanged (%s)", (_name, options) => {
    const definition = buildStepDefinition(options);
    const text = JSON.stringify(definition);
    expect(text).not.toContain("QueryLanguage");
    expect(text).not.toContain("{%");
    expect(JSON.parse(text)).toEqual(definition);
  });

  it("builds a one-Task machine for steps without a check", () => {
    expect(buildStepDefinition({ stepName: "Take", functionArn: arn("take") })).toEqual({
      Comment: "rds-pilot-light Take: one Take Lambda run with retries on transient errors.",
      StartAt: "Take",
      States: {
        Take: {
          Type: "Task",
          Comment: "Runs the Take Lambda on the execution input.",
          Resource: LAMBDA_INVOKE,
          Parameters: { FunctionName: arn("take"), "Payload.$": "$" },
          ResultSelector: { "summary.$": "$.Payload", runs: 1 },
          Retry: [
            {
              ErrorEquals: RETRYABLE_ERRORS,
              IntervalSeconds: 10,
              MaxAttempts: 10,
              BackoffRate: 2,
              MaxDelaySeconds: 300,
              JitterStrategy: "FULL",
            },
            { ErrorEquals: ["SnapshotNotFoundError"], IntervalSeconds: 30, MaxAttempts: 3, BackoffRate: 2 },
          ],
          Catch: [{ ErrorEquals: ["States.ALL"], Next: "TakeFailed" }],
          Next: "HasTakeLeftWork",
        },
        HasTakeLeftWork: {
          Type: "Choice",
          Comment:
            "Runs Take again while it stopped before its deadline with work left (leftPending > 0), at most 10 runs.",
          Choices: [
            { Not: { Variable: "$.summary.leftPending", IsPresent: true }, Next: "TakeSucceeded" },
            { Not: { Variable: "$.summary.leftPending", IsNumeric: true }, Next: "TakeSucceeded" },
            { Variable: "$.summary.leftPending", NumericLessThanEquals: 0, Next: "TakeSucceeded" },
            { Variable: "$.runs", NumericGreaterThanEquals: 10, Next: "TakeSucceeded" },
          ],
          Default: "ContinueTake",
        },
        ContinueTake: {
          Type: "Task",
          Comment: "Runs the Take Lambda again on the execution input; it resumes where the last run stopped.",
          Resource: LAMBDA_INVOKE,
          Parameters: { FunctionName: arn("take"), "Payload.$": "$$.Execution.Input" },
          ResultSelector: { "summary.$": "$.Payload" },
          ResultPath: "$.latest",
          Retry: [
            {
              ErrorEquals: RETRYABLE_ERRORS,
              IntervalSeconds: 10,
              MaxAttempts: 10,
              BackoffRate: 2,
              MaxDelaySeconds: 300,
              JitterStrategy: "FULL",
            },
            { ErrorEquals: ["SnapshotNotFoundError"], IntervalSeconds: 30, MaxAttempts: 3, BackoffRate: 2 },
          ],
          Catch: [{ ErrorEquals: ["States.ALL"], Next: "TakeFailed" }],
          Next: "CountTakeRun",
        },
        CountTakeRun: {
          Type: "Pass",
          Comment: "Counts the run and keeps only the latest summary.",
          Parameters: { "runs.$": "States.MathAdd($.runs, 1)", "summary.$": "$.latest.summary" },
          Next: "HasTakeLeftWork",
        },
        TakeSucceeded: { Type: "Succeed", Comment: "Take finished; output is { summary, runs }." },
        TakeFailed: {
          Type: "Fail",
          Comment: "Take failed: the handler's error name and cause, after retries where they apply.",
          ErrorPath: "$.Error",
          CausePath: "$.Cause",
        },
      },
    });
  });

  it("retries Lambda service errors, our TransientAwsError and raw AWS throttling", () => {
    expect(RETRYABLE_ERRORS).toEqual([
      "Lambda.ClientExecutionTimeoutException",
      "Lambda.ServiceException",
      "Lambda.AWSLambdaException",
      "Lambda.SdkClientException",
      "Lambda.TooManyRequestsException",
      "TransientAwsError",
      "StepTimeoutError",
      ...TRANSIENT_AWS_ERRORS,
    ]);
    expect(RETRYABLE_ERRORS).toContain("Throttling");
  });

  it("retries transient errors only, never ConfigError, PartialFailureError or a wildcard", () => {
    const states = statesOf(VARIANTS[3]![1]);
    const retriers = (name: string) => (states[name]?.Retry ?? []) as { ErrorEquals: string[] }[];
    expect(retriers("Copy").map((r) => r.ErrorEquals)).toEqual([RETRYABLE_ERRORS, ["SnapshotNotFoundError"]]);
    // The check only reads; a snapshot vanishing meanwhile is reported in its summary, not retried.
    expect(retriers("CheckCopy").map((r) => r.ErrorEquals)).toEqual([RETRYABLE_ERRORS]);
    for (const name of ["Copy", "CheckCopy"]) {
      const all = retriers(name).flatMap((r) => r.ErrorEquals);
      for (const never of [...NON_RETRYABLE_ERRORS, "States.ALL", "States.TaskFailed"])
        expect(all).not.toContain(never);
      expect(states[name]?.Catch).toEqual([{ ErrorEquals: ["States.ALL"], Next: "CopyFailed" }]);
    }
  });

  it("builds the wait/check loop bounded by maxChecks and the waiting budget, waiting as estimated", () => {
    const states = statesOf({
      stepName: "Copy",
      functionArn: arn("copy"),
      check: { functionArn: arn("check"), waitSeconds: 600, maxChecks: 36, maxWaitSeconds: 1800 },
    });
    const n = stepStateNames("Copy");
    expect(Object.keys(states).sort()).toEqual(
      [
        n.task,
        n.isPending,
        n.hasFailures,
        n.waitShort,
        n.waitLong,
        n.waitAsEstimated,
        n.waitShortToRerun,
        n.waitLongToRerun,
        n.waitAsEstimatedToRerun,
        n.wait,
        n.waitToRerun,
        n.countRerun,
        n.check,
        n.rerun,
        n.readFailures,
        n.isReady,
        n.readPending,
        n.isWaiting,
        n.timeCheck,
        n.timeRerun,
        n.itemsFailed,
        n.succeeded,
        n.failed,
        n.markLeftPending,
        n.leftPending,
        n.summaryInvalid,
        n.hasLeftWork,
        n.continueStep,
        n.countRun,
      ].sort(),
    );
    expect(states.Copy).toMatchObject({
      ResultSelector: { latest: { "summary.$": "$.Payload" }, checks: 0, waitedSeconds: 0, runs: 1 },
      Next: "HasCopyLeftWork",
    });
    // The resume loop hands over to the check loop, and its runs restart the check count.
    expect(states.HasCopyLeftWork).toMatchObject({ Default: "ContinueCopy" });
    expect(((states.HasCopyLeftWork?.Choices ?? []) as { Next: string }[]).map((c) => c.Next)).toEqual(
      Array(4).fill("IsCopyPending"),
    );
    expect(((states.HasCopyLeftWork?.Choices ?? []) as { Variable?: string }[])[2]?.Variable).toBe(
      "$.latest.summary.leftPending",
    );
    expect(states.CountCopyRun?.Parameters).toEqual({
      "runs.$": "States.MathAdd($.runs, 1)",
      "latest.$": "$.latest",
      checks: 0,
      waitedSeconds: 0,
    });
    const S = "$.latest.summary";
    // A summary with every field a number: one Choice decides (out of checks or budget, done, which wait, and
    // whether the step itself runs after it); any field left out takes the single-field Choices.
    const incomplete = (fields: string[], next: string) =>
      fields.flatMap((f) => [
        { Not: { Variable: `${S}.${f}`, IsPresent: true }, Next: next },
        { Not: { Variable: `${S}.${f}`, IsNumeric: true }, Next: next },
      ]);
    const decide = [
      {
        And: [
          { Variable: `${S}.pending`, NumericGreaterThan: 0 },
          { Variable: "$.checks", NumericGreaterThanEquals: 36 },
        ],
        Next: "MarkCopyLeftPending",
      },
      {
        And: [
          { Variable: `${S}.pending`, NumericGreaterThan: 0 },
          { Variable: "$.waitedSeconds", NumericGreaterThanEquals: 21_600 },
        ],
        Next: "MarkCopyLeftPending",
      },
      { Variable: `${S}.pending`, NumericLessThanEquals: 0, Next: "CopySucceeded" },
      {
        And: [
          { Variable: `${S}.nextCheckSeconds`, NumericLessThanEquals: 600 },
          { Variable: `${S}.waiting`, NumericGreaterThan: 0 },
        ],
        Next: "WaitShortToRerunCopy",
      },
      { Variable: `${S}.nextCheckSeconds`, NumericLessThanEquals: 600, Next: "WaitShortForCopy" },
      {
        And: [
          { Variable: `${S}.nextCheckSeconds`, NumericGreaterThanEquals: 1800 },
          { Variable: `${S}.waiting`, NumericGreaterThan: 0 },
        ],
        Next: "WaitLongToRerunCopy",
      },
      { Variable: `${S}.nextCheckSeconds`, NumericGreaterThanEquals: 1800, Next: "WaitLongForCopy" },
      { Variable: `${S}.waiting`, NumericGreaterThan: 0, Next: "WaitAsEstimatedToRerunCopy" },
    ];
    expect(states.IsCopyPending).toEqual({
      Type: "Choice",
      Comment: expect.any(String),
      Choices: [...incomplete(["pending", "waiting", "nextCheckSeconds"], "ReadCopyPending"), ...decide],
      Default: "WaitAsEstimatedForCopy",
    });
    expect(states.HasCopyFailures).toEqual({
      Type: "Choice",
      Comment: expect.any(String),
      Choices: [
        ...incomplete(["failed", "ready", "pending", "waiting", "nextCheckSeconds"], "ReadCopyFailures"),
        { Variable: `${S}.failed`, NumericGreaterThan: 0, Next: "CopyItemsFailed" },
        {
          And: [
            { Variable: "$.checks", NumericLessThan: 36 },
            { Variable: `${S}.ready`, NumericGreaterThan: 0 },
          ],
          Next: "CountCopyRerun",
        },
        ...decide,
      ],
      Default: "WaitAsEstimatedForCopy",
    });
    // The single-field path, one optional field per Choice, ordered so that no comparison reads a missing value.
    expect(states.ReadCopyFailures).toEqual({
      Type: "Choice",
      Comment: expect.any(String),
      Choices: [
        { Not: { Variable: `${S}.failed`, IsPresent: true }, Next: "IsCopyReady" },
        { Not: { Variable: `${S}.failed`, IsNumeric: true }, Next: "IsCopyReady" },
        { Variable: `${S}.failed`, NumericGreaterThan: 0, Next: "CopyItemsFailed" },
      ],
      Default: "IsCopyReady",
    });
    expect(states.IsCopyReady).toMatchObject({
      Type: "Choice",
      Choices: [
        { Variable: "$.checks", NumericGreaterThanEquals: 36, Next: "ReadCopyPending" },
        { Not: { Variable: `${S}.ready`, IsPresent: true }, Next: "ReadCopyPending" },
        { Not: { Variable: `${S}.ready`, IsNumeric: true }, Next: "ReadCopyPending" },
        { Variable: `${S}.ready`, NumericGreaterThan: 0, Next: "CountCopyRerun" },
      ],
      Default: "ReadCopyPending",
    });
    expect(states.ReadCopyPending).toEqual({
      Type: "Choice",
      Comment:
        "Loops while the last summary reports pending work, at most 36 checks and re-runs and 21600 s of waiting.",
      Choices: [
        { Not: { Variable: `${S}.pending`, IsPresent: true }, Next: "CopySummaryInvalid" },
        { Not: { Variable: `${S}.pending`, IsNumeric: true }, Next: "CopySummaryInvalid" },
        ...decide.slice(0, 2),
        { Variable: `${S}.pending`, NumericGreaterThan: 0, Next: "IsCopyWaiting" },
      ],
      Default: "CopySucceeded",
    });
    // Work waiting for a free slot is started by the step itself: no check in between.
    expect(states.IsCopyWaiting).toEqual({
      Type: "Choice",
      Comment: expect.any(String),
      Choices: [
        { Not: { Variable: `${S}.waiting`, IsPresent: true }, Next: "TimeCopyCheck" },
        { Not: { Variable: `${S}.waiting`, IsNumeric: true }, Next: "TimeCopyCheck" },
        { Variable: `${S}.waiting`, NumericGreaterThan: 0, Next: "TimeCopyRerun" },
      ],
      Default: "TimeCopyCheck",
    });
    // The summary's estimate, clamped to [waitSeconds, maxWaitSeconds]; no estimate waits the shortest.
    const timing = (short: string, long: string, estimated: string) => ({
      Type: "Choice",
      Comment: expect.any(String),
      Choices: [
        { Not: { Variable: `${S}.nextCheckSeconds`, IsPresent: true }, Next: short },
        { Not: { Variable: `${S}.nextCheckSeconds`, IsNumeric: true }, Next: short },
        { Variable: `${S}.nextCheckSeconds`, NumericLessThanEquals: 600, Next: short },
        { Variable: `${S}.nextCheckSeconds`, NumericGreaterThanEquals: 1800, Next: long },
      ],
      Default: estimated,
    });
    expect(states.TimeCopyCheck).toEqual(timing("WaitShortForCopy", "WaitLongForCopy", "WaitAsEstimatedForCopy"));
    expect(states.TimeCopyRerun).toEqual(
      timing("WaitShortToRerunCopy", "WaitLongToRerunCopy", "WaitAsEstimatedToRerunCopy"),
    );
    // Each wait counts the invocation it leads to (the Task then writes its summary to $.latest).
    const counted = { "checks.$": "States.MathAdd($.checks, 1)" };
    for (const [then, wait] of [
      ["For", "WaitForCopy"],
      ["ToRerun", "WaitToRerunCopy"],
    ] as const) {
      expect(states[`WaitShort${then}Copy`]).toMatchObject({
        Type: "Pass",
        Parameters: { ...counted, waitSeconds: 600, "waitedSeconds.$": "States.MathAdd($.waitedSeconds, 600)" },
        Next: wait,
      });
      expect(states[`WaitLong${then}Copy`]).toMatchObject({
        Parameters: { ...counted, waitSeconds: 1800, "waitedSeconds.$": "States.MathAdd($.waitedSeconds, 1800)" },
        Next: wait,
      });
      expect(states[`WaitAsEstimated${then}Copy`]).toMatchObject({
        Parameters: {
          ...counted,
          "waitSeconds.$": `${S}.nextCheckSeconds`,
          "waitedSeconds.$": `States.MathAdd($.waitedSeconds, ${S}.nextCheckSeconds)`,
        },
        Next: wait,
      });
    }
    expect(states.WaitForCopy).toMatchObject({ Type: "Wait", SecondsPath: "$.waitSeconds", Next: "CheckCopy" });
    expect(states.WaitToRerunCopy).toMatchObject({ Type: "Wait", SecondsPath: "$.waitSeconds", Next: "RerunCopy" });
    expect(states.CountCopyRerun).toEqual({
      Type: "Pass",
      Comment: expect.any(String),
      Parameters: { ...counted, "waitedSeconds.$": "$.waitedSeconds" },
      Next: "RerunCopy",
    });
    expect(states.CheckCopy).toMatchObject({
      Resource: LAMBDA_INVOKE,
      Parameters: { FunctionName: arn("check"), "Payload.$": "$$.Execution.Input" },
      ResultSelector: { "summary.$": "$.Payload" },
      ResultPath: "$.latest",
      Next: "HasCopyFailures",
    });
    expect(states.CopyItemsFailed).toMatchObject({ Type: "Fail", Error: "CopyItemsFailed" });
    expect(states.RerunCopy).toMatchObject({
      Parameters: { FunctionName: arn("copy"), "Payload.$": "$$.Execution.Input" },
      ResultSelector: { "summary.$": "$.Payload" },
      ResultPath: "$.latest",
      Next: "HasCopyFailures",
      Catch: [{ ErrorEquals: ["States.ALL"], Next: "CopyFailed" }],
    });
    // Out of checks is not a failure: the output keeps the last summary and flags it, the copies keep running.
    expect(states.MarkCopyLeftPending).toEqual({
      Type: "Pass",
      Comment: expect.any(String),
      Parameters: {
        "summary.$": S,
        "checks.$": "$.checks",
        "waitedSeconds.$": "$.waitedSeconds",
        leftPending: true,
      },
      Next: "CopyLeftPending",
    });
    expect(states.CopyLeftPending).toMatchObject({ Type: "Succeed" });
    expect(states.CopyLeftPending?.Comment).toContain(
      "after 36 checks and re-runs or 21600 s of waiting (600 s to 1800 s between checks)",
    );
    // The end shapes the output as before the loop kept its summary under $.latest.
    expect(states.CopySucceeded).toEqual({
      Type: "Pass",
      Comment: expect.any(String),
      Parameters: { "summary.$": S, "checks.$": "$.checks", "waitedSeconds.$": "$.waitedSeconds" },
      End: true,
    });
    expect(Object.values(states).filter((x) => x?.Type === "Fail")).toHaveLength(3);
  });

  it("fills a partial retry policy from DEFAULT_RETRY", () => {
    const states = statesOf({ stepName: "Share", functionArn: arn("share"), retry: { maxAttempts: 6 } });
    expect(states.Share?.Retry).toEqual([
      {
        ErrorEquals: RETRYABLE_ERRORS,
        IntervalSeconds: 10,
        MaxAttempts: 6,
        BackoffRate: 2,
        MaxDelaySeconds: 300,
        JitterStrategy: "FULL",
      },
      NOT_YET_VISIBLE_RETRY,
    ]);
    expect(DEFAULT_RETRY).toEqual({
      maxAttempts: 10,
      intervalSeconds: 10,
      backoffRate: 2,
      maxDelaySeconds: 300,
      jitterStrategy: "FULL",
    });
  });

  it("writes JitterStrategy as given, leaves it out when unset, and rejects other values", () => {
    const none = statesOf({ stepName: "Take", functionArn: arn("take"), retry: { jitterStrategy: "NONE" } });
    expect(none.Take?.Retry).toEqual(
      expect.arrayContaining([expect.objectContaining({ JitterStrategy: "NONE", MaxAttempts: 10 })]),
    );
    const unset = retryFor({ maxAttempts: 2, intervalSeconds: 5, backoffRate: 2 });
    expect(unset[0]).not.toHaveProperty("JitterStrategy");
    expect(() =>
      buildStepDefinition({
        stepName: "Take",
        functionArn: arn("take"),
        retry: { jitterStrategy: "HALF" as never },
      }),
    ).toThrow('retry.jitterStrategy must be "FULL" or "NONE" (got "HALF")');
  });

  it("drops the transient-error retrier when maxAttempts is 0", () => {
    expect(statesOf({ stepName: "Take", functionArn: arn("take"), retry: { maxAttempts: 0 } }).Take?.Retry).toEqual([
      NOT_YET_VISIBLE_RETRY,
    ]);
    expect(lambdaTask({ functionArn: arn("x"), retry: { ...DEFAULT_RETRY, maxAttempts: 0 } })).not.toHaveProperty(
      "Retry",
    );
  });

  it.each<[string, Partial<StepMachineOptions> & Record<string, unknown>, string]>([
    ["lowercase step name", { stepName: "copy" }, "stepName must be PascalCase"],
    ["step name with a space", { stepName: "Copy It" }, "stepName must be PascalCase"],
    [
      "function name instead of ARN",
      { functionArn: "rpl-copy" },
      'functionArn must be a Lambda function ARN such as arn:aws:lambda:eu-west-1:123456789012:function:name (got "rpl-copy")',
    ],
    [
      "check ARN empty",
      { check: { functionArn: "", waitSeconds: 60, maxChecks: 3 } },
      "check.functionArn must be a Lambda function ARN",
    ],
    [
      "zero wait",
      { check: { functionArn: arn("check"), waitSeconds: 0, maxChecks: 3 } },
      "check.waitSeconds must be a whole number from 1 to 99999999 (got 0)",
    ],
    [
      "fractional wait",
      { check: { functionArn: arn("check"), waitSeconds: 1.5, maxChecks: 3 } },
      "check.waitSeconds must be a whole number",
    ],
    [
      "zero checks",
      { check: { functionArn: arn("check"), waitSeconds: 60, maxChecks: 0 } },
      "check.maxChecks must be a whole number from 1 to 1000 (got 0)",
    ],
    [
      "too many checks",
      { check: { functionArn: arn("check"), waitSeconds: 60, maxChecks: 1001 } },
      "check.maxChecks must be a whole number from 1 to 1000 (got 1001)",
    ],
    [
      "longest wait below the shortest",
      { check: { functionArn: arn("check"), waitSeconds: 300, maxChecks: 3, maxWaitSeconds: 200 } },
      "check.maxWaitSeconds must be a whole number from 300 to 99999999 (got 200)",
    ],
    [
      "waiting budget below one wait",
      { check: { functionArn: arn("check"), waitSeconds: 300, maxChecks: 3, budgetSeconds: 60 } },
      "check.budgetSeconds must be a whole number from 300 to 99999999 (got 60)",
    ],
    ["negative attempts", { retry: { maxAttempts: -1 } }, "retry.maxAttempts must be a whole number from 0"],
    ["zero interval", { retry: { intervalSeconds: 0 } }, "retry.intervalSeconds must be a whole number from 1"],
    ["shrinking backoff", { retry: { backoffRate: 0.5 } }, "retry.backoffRate must be a number >= 1 (got 0.5)"],
    ["zero max delay", { retry: { maxDelaySeconds: 0 } }, "retry.maxDelaySeconds must be a whole number from 1"],
  ])("rejects %s with a ConfigError naming the field", (_name, patch, message) => {
    const options = { stepName: "Copy", functionArn: arn("copy"), ...patch } as StepMachineOptions;
    expect(() => buildStepDefinition(options)).toThrow(ConfigError);
    expect(() => buildStepDefinition(options)).toThrow(message);
  });
});

describe("lambdaTask", () => {
  it("builds a reusable Task with our retry and an optional catch", () => {
    const task = lambdaTask({
      functionArn: arn("restore"),
      payloadPath: "$.request",
      resultPath: "$.restore",
      next: "Done",
      catchNext: "Failed",
    });
    expect(task).toEqual({
      Type: "Task",
      Resource: LAMBDA_INVOKE,
      Parameters: { FunctionName: arn("restore"), "Payload.$": "$.request" },
      ResultPath: "$.restore",
      Retry: retryFor(DEFAULT_RETRY),
      Catch: [{ ErrorEquals: ["States.ALL"], Next: "Failed" }],
      Next: "Done",
    });
    expect(lambdaTask({ functionArn: arn("x") })).toMatchObject({ End: true });
    expect(lambdaTask({ functionArn: arn("x") })).not.toHaveProperty("Catch");
  });

  it("validates a retry policy given on its own", () => {
    expect(resolveRetry({ intervalSeconds: 5 }, "restore.retry")).toEqual({ ...DEFAULT_RETRY, intervalSeconds: 5 });
    expect(() => resolveRetry({ backoffRate: Number.NaN }, "restore.retry")).toThrow(
      "restore.retry.backoffRate must be a number >= 1",
    );
  });
});

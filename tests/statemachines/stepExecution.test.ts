import { afterEach, describe, expect, it, vi } from "vitest";
import { buildStepDefinition, RETRYABLE_ERRORS, type StepMachineOptions } from "../../components/shared/stateMachines";
import { ConfigError, PartialFailureError, SnapshotNotFoundError, TransientAwsError } from "../../functions/lib/errors";
import { causeMessage, runStateMachine, type TaskHandler } from "../../sim/localStepFunctions";

const arn = (name: string) => `arn:aws:lambda:eu-west-1:123456789012:function:rpl-${name}`;
const COPY = arn("copy");
const CHECK = arn("check");
const copyMachine = (over: Partial<StepMachineOptions> = {}) =>
  buildStepDefinition({
    stepName: "Copy",
    functionArn: COPY,
    check: { functionArn: CHECK, waitSeconds: 600, maxChecks: 3 },
    ...over,
  });
const takeMachine = () => buildStepDefinition({ stepName: "Take", functionArn: arn("take") });

/** A fake Lambda returning (or throwing) the given outcomes in order, then repeating the last one. */
function scripted(...outcomes: (Record<string, unknown> | Error)[]): TaskHandler & { payloads: unknown[] } {
  const payloads: unknown[] = [];
  const fn = async (payload: unknown) => {
    payloads.push(payload);
    const next = outcomes[Math.min(payloads.length - 1, outcomes.length - 1)];
    if (next instanceof Error) throw next;
    return next;
  };
  return Object.assign(fn, { payloads });
}

/** An error carrying only a name, as the Lambda service reports its own faults. */
function named(name: string, message = `${name} happened`): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("step machine without a check", () => {
  it("runs the Lambda on the execution input and succeeds with its summary", () => {
    const take = scripted({ taken: 2, skipped: 1 });
    return runStateMachine(takeMachine(), { handlers: { [arn("take")]: take }, input: { dbId: "orders" } }).then(
      (r) => {
        expect(r.status).toBe("SUCCEEDED");
        expect(r.output).toEqual({ summary: { taken: 2, skipped: 1 }, runs: 1 });
        expect(take.payloads).toEqual([{ dbId: "orders" }]);
        expect(r.states).toEqual(["Take", "HasTakeLeftWork", "TakeSucceeded"]);
        expect(r.retries).toEqual([]);
        expect(r.waits).toEqual([]);
      },
    );
  });

  it("retries a TransientAwsError with backoff, then succeeds", async () => {
    const take = scripted(
      new TransientAwsError("Throttling: Rate exceeded"),
      new TransientAwsError("Throttling again"),
      { taken: 1 },
    );
    const r = await runStateMachine(takeMachine(), { handlers: { [arn("take")]: take } });
    expect(r.status).toBe("SUCCEEDED");
    expect(r.output).toEqual({ summary: { taken: 1 }, runs: 1 });
    expect(take.payloads).toHaveLength(3);
    expect(r.retries).toEqual([
      { state: "Take", error: "TransientAwsError", attempt: 1, delaySeconds: 10 },
      { state: "Take", error: "TransientAwsError", attempt: 2, delaySeconds: 20 },
    ]);
    expect(r.taskCalls.map((c) => c.error ?? "ok")).toEqual(["TransientAwsError", "TransientAwsError", "ok"]);
  });

  it.each(RETRYABLE_ERRORS)("retries %s", async (name) => {
    const take = scripted(named(name), { taken: 0 });
    const r = await runStateMachine(takeMachine(), { handlers: { [arn("take")]: take } });
    expect(r.status).toBe("SUCCEEDED");
    expect(r.retries.map((x) => x.error)).toEqual([name]);
  });

  it("gives up after maxAttempts retries and fails with the handler's error", async () => {
    const take = scripted(new TransientAwsError("Throttling: Rate exceeded"));
    const r = await runStateMachine(takeMachine(), { handlers: { [arn("take")]: take } });
    expect(r.status).toBe("FAILED");
    expect(r.error).toBe("TransientAwsError");
    expect(causeMessage(r.cause)).toBe("Throttling: Rate exceeded");
    expect(take.payloads).toHaveLength(11);
    // The computed intervals (upper bounds: DEFAULT_RETRY's full jitter waits a random part of each).
    expect(r.retries.map((x) => x.delaySeconds)).toEqual([10, 20, 40, 80, 160, 300, 300, 300, 300, 300]);
    expect(r.states).toEqual(["Take", "TakeFailed"]);
  });

  it("caps retry intervals at maxDelaySeconds", async () => {
    const definition = buildStepDefinition({
      stepName: "Take",
      functionArn: arn("take"),
      retry: { intervalSeconds: 100, maxAttempts: 3 },
    });
    const r = await runStateMachine(definition, {
      handlers: { [arn("take")]: scripted(new TransientAwsError("slow")) },
    });
    expect(r.retries.map((x) => x.delaySeconds)).toEqual([100, 200, 300]);
  });

  it("ends a PartialFailureError in the Fail state without retrying, naming the failed DBs", async () => {
    const failure = new PartialFailureError("Take", [
      { id: "orders", error: "SnapshotQuotaExceeded", message: "quota" },
    ]);
    const take = scripted(failure);
    const r = await runStateMachine(takeMachine(), { handlers: { [arn("take")]: take } });
    expect(r.status).toBe("FAILED");
    expect(r.error).toBe("PartialFailureError");
    expect(JSON.parse(r.cause ?? "")).toEqual({ errorType: "PartialFailureError", errorMessage: failure.message });
    expect(causeMessage(r.cause)).toContain("orders (SnapshotQuotaExceeded: quota)");
    expect(take.payloads).toHaveLength(1);
    expect(r.retries).toEqual([]);
    expect(r.states).toEqual(["Take", "TakeFailed"]);
  });

  it("retries a snapshot that is not visible yet (a fresh share) with its own slower timing", async () => {
    const definition = buildStepDefinition({ stepName: "Share", functionArn: arn("share") });
    const share = scripted(new SnapshotNotFoundError("not visible yet"), { shared: 1 });
    const r = await runStateMachine(definition, { handlers: { [arn("share")]: share } });
    expect(r.status).toBe("SUCCEEDED");
    expect(r.retries).toEqual([{ state: "Share", error: "SnapshotNotFoundError", attempt: 1, delaySeconds: 30 }]);
  });

  it("does not retry a ConfigError", async () => {
    const take = scripted(new ConfigError("RPL_DB_ID_REGEX: is not a valid regular expression"));
    const r = await runStateMachine(takeMachine(), { handlers: { [arn("take")]: take } });
    expect(r.error).toBe("ConfigError");
    expect(take.payloads).toHaveLength(1);
  });
});

describe("resume loop on leftPending", () => {
  it("runs the step again on the execution input while it left work, until nothing is left", async () => {
    const share = scripted(
      { shared: 40, leftPending: 80 },
      { shared: 40, leftPending: 40 },
      { shared: 40, leftPending: 0 },
    );
    const definition = buildStepDefinition({ stepName: "Share", functionArn: arn("share") });
    const r = await runStateMachine(definition, { handlers: { [arn("share")]: share }, input: { sweep: true } });
    expect(r.status).toBe("SUCCEEDED");
    expect(r.output).toEqual({ runs: 3, summary: { shared: 40, leftPending: 0 } });
    expect(share.payloads).toEqual(Array(3).fill({ sweep: true }));
    expect(r.taskCalls.map((c) => c.state)).toEqual(["Share", "ContinueShare", "ContinueShare"]);
  });

  it("stops after maxRuns with the work still left in its output, for the next execution to resume", async () => {
    const share = scripted({ shared: 10, leftPending: 500 });
    const definition = buildStepDefinition({ stepName: "Share", functionArn: arn("share"), maxRuns: 4 });
    const r = await runStateMachine(definition, { handlers: { [arn("share")]: share } });
    expect(r.status).toBe("SUCCEEDED");
    expect(r.output).toEqual({ runs: 4, summary: { shared: 10, leftPending: 500 } });
    expect(share.payloads).toHaveLength(4);
  });

  it("retries a StepTimeoutError (a run the Lambda's timeout cut short) and resumes", async () => {
    const take = scripted(named("StepTimeoutError", "take: the Lambda was about to time out"), { taken: 1 });
    const r = await runStateMachine(takeMachine(), { handlers: { [arn("take")]: take } });
    expect(r.status).toBe("SUCCEEDED");
    expect(r.retries).toEqual([{ state: "Take", error: "StepTimeoutError", attempt: 1, delaySeconds: 10 }]);
  });

  it("hands over to the check loop once the step left nothing", async () => {
    const copy = scripted({ started: 5, pending: 5, leftPending: 3 }, { started: 3, pending: 8, leftPending: 0 });
    const check = scripted({ pending: 0 });
    const r = await runStateMachine(copyMachine(), { handlers: { [COPY]: copy, [CHECK]: check } });
    expect(r.status).toBe("SUCCEEDED");
    expect(r.taskCalls.map((c) => c.state)).toEqual(["Copy", "ContinueCopy", "CheckCopy"]);
    expect(r.output).toEqual({ checks: 1, waitedSeconds: 600, summary: { pending: 0 } });
  });

  it("rejects maxRuns outside 1..100, naming the field", () => {
    expect(() => buildStepDefinition({ stepName: "Take", functionArn: arn("take"), maxRuns: 0 })).toThrow(
      "maxRuns must be a whole number from 1 to 100 (got 0)",
    );
  });
});

describe("step machine with a check loop", () => {
  it("waits and checks until nothing is pending, passing the original input to the check", async () => {
    const copy = scripted({ started: 3, pending: 3 });
    const check = scripted({ pending: 2 }, { pending: 1 }, { pending: 0, completed: 3 });
    const r = await runStateMachine(copyMachine(), {
      handlers: { [COPY]: copy, [CHECK]: check },
      input: { snapshotId: "rpl-orders-20261125-0600" },
    });
    expect(r.status).toBe("SUCCEEDED");
    expect(r.output).toEqual({ checks: 3, waitedSeconds: 1800, summary: { pending: 0, completed: 3 } });
    expect(r.waits).toEqual([600, 600, 600]);
    expect(check.payloads).toEqual(Array(3).fill({ snapshotId: "rpl-orders-20261125-0600" }));
    expect(r.taskCalls.map((c) => c.state)).toEqual(["Copy", "CheckCopy", "CheckCopy", "CheckCopy"]);
    expect(r.states.at(-1)).toBe("CopySucceeded");
  });

  it("calls onWait before the next check, so a virtual clock has advanced when the check runs", async () => {
    let now = Date.parse("2026-11-25T06:00:00Z");
    const seenAt: string[] = [];
    const check: TaskHandler = async () => {
      seenAt.push(new Date(now).toISOString());
      return { pending: seenAt.length < 2 ? 1 : 0 };
    };
    const r = await runStateMachine(copyMachine(), {
      handlers: { [COPY]: scripted({ pending: 2 }), [CHECK]: check },
      onWait: (seconds, state) => {
        expect(state).toBe("WaitForCopy");
        now += seconds * 1000;
        return undefined;
      },
    });
    expect(r.status).toBe("SUCCEEDED");
    expect(seenAt).toEqual(["2026-11-25T06:10:00.000Z", "2026-11-25T06:20:00.000Z"]);
  });

  it("runs under fake timers without real waiting", async () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2026-11-25T06:00:00Z"));
    const r = await runStateMachine(copyMachine(), {
      handlers: { [COPY]: scripted({ pending: 1 }), [CHECK]: scripted({ pending: 0 }) },
    });
    expect(r.status).toBe("SUCCEEDED");
    expect(r.waits).toEqual([600]);
  });

  it("succeeds at once when the step leaves nothing pending", async () => {
    const check = scripted({ pending: 0 });
    const r = await runStateMachine(copyMachine(), {
      handlers: { [COPY]: scripted({ pending: 0, skipped: 4 }), [CHECK]: check },
    });
    expect(r.status).toBe("SUCCEEDED");
    expect(r.output).toEqual({ checks: 0, waitedSeconds: 0, summary: { pending: 0, skipped: 4 } });
    expect(r.waits).toEqual([]);
    expect(check.payloads).toEqual([]);
  });

  it("waits as the summaries' nextCheckSeconds say, clamped to [waitSeconds, maxWaitSeconds]", async () => {
    const copy = scripted({ pending: 1, nextCheckSeconds: 900 });
    const check = scripted(
      { pending: 1, nextCheckSeconds: 5000 },
      { pending: 1, nextCheckSeconds: 10 },
      { pending: 1, nextCheckSeconds: "soon" },
      { pending: 1 },
      { pending: 0 },
    );
    const definition = copyMachine({
      check: { functionArn: CHECK, waitSeconds: 300, maxWaitSeconds: 1800, maxChecks: 20 },
    });
    const r = await runStateMachine(definition, { handlers: { [COPY]: copy, [CHECK]: check } });
    expect(r.status).toBe("SUCCEEDED");
    expect(r.waits).toEqual([900, 1800, 300, 300, 300]);
    expect(r.output).toEqual({ checks: 5, waitedSeconds: 3600, summary: { pending: 0 } });
  });

  it("runs the step again directly after the wait while its summary has work waiting for a slot", async () => {
    const input = { snapshotArn: "arn:aws:rds:eu-west-1:111122223333:snapshot:s1" };
    const copy = scripted({ pending: 1, waiting: 1 }, { pending: 1, waiting: 0, nextCheckSeconds: 900 });
    const check = scripted({ pending: 0 });
    const definition = copyMachine({
      check: { functionArn: CHECK, waitSeconds: 300, maxWaitSeconds: 1800, maxChecks: 5 },
    });
    const r = await runStateMachine(definition, { handlers: { [COPY]: copy, [CHECK]: check }, input });
    expect(r.status).toBe("SUCCEEDED");
    expect(r.taskCalls.map((c) => c.state)).toEqual(["Copy", "RerunCopy", "CheckCopy"]);
    expect(copy.payloads).toEqual([input, input]);
    expect(r.waits).toEqual([300, 900]);
    expect(r.output).toEqual({ checks: 2, waitedSeconds: 1200, summary: { pending: 0 } });
  });

  it("stops starting waits once budgetSeconds were waited, and says the work was left pending", async () => {
    const check = scripted({ pending: 1, nextCheckSeconds: 3600 });
    const definition = copyMachine({
      check: { functionArn: CHECK, waitSeconds: 300, maxWaitSeconds: 3600, maxChecks: 100, budgetSeconds: 4000 },
    });
    const r = await runStateMachine(definition, {
      handlers: { [COPY]: scripted({ pending: 1, nextCheckSeconds: 3600 }), [CHECK]: check },
    });
    expect(r.status).toBe("SUCCEEDED");
    expect(r.waits).toEqual([3600, 3600]);
    expect(r.output).toMatchObject({ checks: 2, waitedSeconds: 7200, leftPending: true });
  });

  it("succeeds with leftPending after maxChecks checks when work is still pending", async () => {
    const check = scripted({ pending: 1, inProgress: ["rpl-a"] });
    const r = await runStateMachine(copyMachine(), { handlers: { [COPY]: scripted({ pending: 2 }), [CHECK]: check } });
    expect(r.status).toBe("SUCCEEDED");
    expect(r.output).toEqual({
      checks: 3,
      waitedSeconds: 1800,
      summary: { pending: 1, inProgress: ["rpl-a"] },
      leftPending: true,
    });
    expect(check.payloads).toHaveLength(3);
    expect(r.waits).toEqual([600, 600, 600]);
    expect(r.states.slice(-2)).toEqual(["MarkCopyLeftPending", "CopyLeftPending"]);
  });

  it("runs the step again at once when a check reports work ready (two-step copy: second leg)", async () => {
    const input = { dbId: "orders" };
    const copy = scripted({ started: 1, pending: 1 }, { regionStarted: 1, pending: 1 });
    const check = scripted({ pending: 1, ready: 1 }, { pending: 0, ready: 0 });
    const definition = copyMachine({ check: { functionArn: CHECK, waitSeconds: 600, maxChecks: 5 } });
    const r = await runStateMachine(definition, { handlers: { [COPY]: copy, [CHECK]: check }, input });
    expect(r.status).toBe("SUCCEEDED");
    expect(r.taskCalls.map((c) => c.state)).toEqual(["Copy", "CheckCopy", "RerunCopy", "CheckCopy"]);
    expect(copy.payloads).toEqual([input, input]);
    expect(r.waits).toEqual([600, 600]);
    expect(r.output).toEqual({ checks: 3, waitedSeconds: 1200, summary: { pending: 0, ready: 0 } });
  });

  it("stays bounded by maxChecks when every summary says ready", async () => {
    const copy = scripted({ pending: 1, ready: 1 });
    const check = scripted({ pending: 1, ready: 1 });
    const r = await runStateMachine(copyMachine(), { handlers: { [COPY]: copy, [CHECK]: check } });
    expect(r.status).toBe("SUCCEEDED");
    expect(r.output).toMatchObject({ checks: 3, leftPending: true });
    expect(r.taskCalls.map((c) => c.state)).toEqual(["Copy", "CheckCopy", "RerunCopy", "RerunCopy"]);
  });

  it.each<[string, Record<string, unknown>]>([
    ["missing", { started: 1 }],
    ["a string", { pending: "3" }],
  ])("fails with InvalidSummary when pending is %s", async (_name, summary) => {
    const r = await runStateMachine(copyMachine(), {
      handlers: { [COPY]: scripted(summary), [CHECK]: scripted({ pending: 0 }) },
    });
    expect(r.status).toBe("FAILED");
    expect(r.error).toBe("InvalidSummary");
    expect(r.states.at(-1)).toBe("CopySummaryInvalid");
    expect(r.waits).toEqual([]);
  });

  it("retries a throttled check and continues the loop", async () => {
    const check = scripted(new TransientAwsError("Throttling"), { pending: 0 });
    const r = await runStateMachine(copyMachine(), { handlers: { [COPY]: scripted({ pending: 1 }), [CHECK]: check } });
    expect(r.status).toBe("SUCCEEDED");
    expect(r.output).toEqual({ checks: 1, waitedSeconds: 600, summary: { pending: 0 } });
    expect(r.retries).toEqual([{ state: "CheckCopy", error: "TransientAwsError", attempt: 1, delaySeconds: 10 }]);
  });

  it("fails at once when a check reports failed work (a copy that failed in RDS), without waiting again", async () => {
    const check = scripted({ pending: 1, failed: 1 }, { pending: 0 });
    const r = await runStateMachine(copyMachine(), { handlers: { [COPY]: scripted({ pending: 2 }), [CHECK]: check } });
    expect(r.status).toBe("FAILED");
    expect(r.error).toBe("CopyItemsFailed");
    expect(check.payloads).toHaveLength(1);
    expect(r.waits).toEqual([600]);
    // The check's summary leaves fields out, so the single-field Choices decide.
    expect(r.states.slice(-3)).toEqual(["HasCopyFailures", "ReadCopyFailures", "CopyItemsFailed"]);
  });

  it("keeps looping when a check reports failed: 0", async () => {
    const check = scripted({ pending: 1, failed: 0 }, { pending: 0, failed: 0 });
    const r = await runStateMachine(copyMachine(), { handlers: { [COPY]: scripted({ pending: 1 }), [CHECK]: check } });
    expect(r.status).toBe("SUCCEEDED");
    expect(r.output).toEqual({ checks: 2, waitedSeconds: 1200, summary: { pending: 0, failed: 0 } });
  });

  it("sends a failed check to the Fail state with its error", async () => {
    const failure = new PartialFailureError("Check", [
      { id: "orders", error: "KMSKeyNotAccessibleFault", message: "key" },
    ]);
    const r = await runStateMachine(copyMachine(), {
      handlers: { [COPY]: scripted({ pending: 1 }), [CHECK]: scripted(failure) },
    });
    expect(r.status).toBe("FAILED");
    expect(r.error).toBe("PartialFailureError");
    expect(causeMessage(r.cause)).toBe(failure.message);
    expect(r.states.at(-1)).toBe("CopyFailed");
  });
});

describe("runStateMachine", () => {
  it("passes handler results through JSON like Lambda does", async () => {
    const take: TaskHandler = async () => ({ at: new Date("2026-11-25T06:00:00Z"), gone: undefined });
    const r = await runStateMachine(takeMachine(), { handlers: { [arn("take")]: take } });
    expect(r.output).toEqual({ summary: { at: "2026-11-25T06:00:00.000Z" }, runs: 1 });
  });

  it("rejects a definition whose Lambda has no handler, naming it", async () => {
    await expect(runStateMachine(copyMachine(), { handlers: { [COPY]: scripted({ pending: 0 }) } })).rejects.toThrow(
      `no handler for ${CHECK} (Task state "CheckCopy")`,
    );
  });

  it("fails with States.DataLimitExceeded, which the Catch cannot catch, when a result is over 256 KiB", async () => {
    const take: TaskHandler = async () => ({ blob: "x".repeat(300 * 1024) });
    const r = await runStateMachine(takeMachine(), { handlers: { [arn("take")]: take } });
    expect(r.status).toBe("FAILED");
    expect(r.error).toBe("States.DataLimitExceeded");
    expect(r.states).toEqual(["Take"]);
    expect(r.retries).toEqual([]);
  });

  it("really waits the milliseconds onWait returns (a virtual setTimeout in the simulator)", async () => {
    vi.useFakeTimers();
    const check = scripted({ pending: 0 });
    let settled = false;
    const running = runStateMachine(copyMachine(), {
      handlers: { [COPY]: scripted({ pending: 1 }), [CHECK]: check },
      onWait: (seconds) => seconds * 1000,
    }).finally(() => {
      settled = true;
    });
    await vi.advanceTimersByTimeAsync(599_000);
    expect(check.payloads).toEqual([]);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    const r = await running;
    expect(r.status).toBe("SUCCEEDED");
    expect(check.payloads).toHaveLength(1);
  });

  it("sleeps retry intervals only when realRetryDelays is set", async () => {
    vi.useFakeTimers();
    const take = scripted(new TransientAwsError("Throttling"), { taken: 1 });
    const fixed = buildStepDefinition({
      stepName: "Take",
      functionArn: arn("take"),
      retry: { jitterStrategy: "NONE" },
    });
    const running = runStateMachine(fixed, { handlers: { [arn("take")]: take }, realRetryDelays: true });
    await vi.advanceTimersByTimeAsync(9_000);
    expect(take.payloads).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await running).status).toBe("SUCCEEDED");
    expect(take.payloads).toHaveLength(2);
  });

  it("sleeps a random part of the interval with full jitter (DEFAULT_RETRY), drawn from Math.random", async () => {
    vi.useFakeTimers();
    vi.spyOn(Math, "random").mockReturnValue(0.25);
    try {
      const take = scripted(new TransientAwsError("Throttling"), { taken: 1 });
      const running = runStateMachine(takeMachine(), { handlers: { [arn("take")]: take }, realRetryDelays: true });
      // A quarter of the first 10 s interval: the retry runs after 2.5 s, not 10 s.
      await vi.advanceTimersByTimeAsync(2_400);
      expect(take.payloads).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(200);
      expect((await running).status).toBe("SUCCEEDED");
      expect(take.payloads).toHaveLength(2);
    } finally {
      vi.mocked(Math.random).mockRestore();
    }
  });

  it("rejects Wait states it cannot drive with a virtual clock", async () => {
    const definition = { StartAt: "W", States: { W: { Type: "Wait", TimestampPath: "$.t", End: true } } };
    await expect(runStateMachine(definition, { handlers: {}, input: { t: "2026-01-01T00:00:00Z" } })).rejects.toThrow(
      'Wait state "W" must use Seconds',
    );
  });

  it("drives SecondsPath waits through onWait and passes the data on unchanged", async () => {
    const definition = { StartAt: "W", States: { W: { Type: "Wait", SecondsPath: "$.s", End: true } } };
    const seen: [number, string][] = [];
    const r = await runStateMachine(definition, {
      handlers: {},
      input: { s: 420, keep: "me" },
      onWait: (seconds, state) => {
        seen.push([seconds, state]);
        return undefined;
      },
    });
    expect(r.status).toBe("SUCCEEDED");
    expect(r.output).toEqual({ s: 420, keep: "me" });
    expect(r.waits).toEqual([420]);
    expect(seen).toEqual([[420, "W"]]);
    expect(r.states).toEqual(["W"]);
    expect(r.taskCalls).toEqual([]);
  });

  it("fails with States.Runtime, which a Catch cannot catch, when SecondsPath is not a whole number", async () => {
    const definition = {
      StartAt: "W",
      States: {
        W: {
          Type: "Wait",
          SecondsPath: "$.s",
          Next: "Done",
        },
        Done: { Type: "Succeed" },
      },
    };
    const r = await runStateMachine(definition, { handlers: {}, input: { s: 1.5 } });
    expect(r.status).toBe("FAILED");
    expect(r.error).toBe("States.Runtime");
    expect(r.waits).toEqual([]);
  });
});

import aslValidator from "asl-validator";
import { describe, expect, it } from "vitest";
import {
  buildRestoreDefinition,
  maxChecksFor,
  RESTORE_STATES,
  type RestoreMachineOptions,
} from "../../components/shared/restoreStateMachine";
import { RETRYABLE_ERRORS } from "../../components/shared/stateMachines";

const FN = "arn:aws:lambda:eu-west-1:222222222222:function:restorer";
type State = Record<string, unknown> & { Type: string };

describe("buildRestoreDefinition", () => {
  it("builds a definition asl-validator accepts", () => {
    const { isValid, errorsText } = aslValidator(
      structuredClone(buildRestoreDefinition({ functionArn: FN, rtoMinutes: 240 })),
      {
        checkPaths: true,
        checkArn: true,
      },
    );
    expect(errorsText("\n")).toBe("");
    expect(isValid).toBe(true);
  });

  it("bounds the status loop by the RTO and passes the bound to the plan step", () => {
    const states = buildRestoreDefinition({ functionArn: FN, rtoMinutes: 90, waitSeconds: 120 }).States as Record<
      string,
      State
    >;
    expect(maxChecksFor(90, 120)).toBe(45);
    expect((states[RESTORE_STATES.plan]!.Parameters as { Payload: unknown }).Payload).toEqual({
      action: "plan",
      "input.$": "$",
      maxChecks: 45,
    });
    expect(states[RESTORE_STATES.wait]).toMatchObject({ Type: "Wait", Seconds: 120 });
    expect(states[RESTORE_STATES.isDone]!.Choices).toEqual([
      { Variable: "$.done", BooleanEquals: true, Next: RESTORE_STATES.finish },
      { Variable: "$.checks", NumericGreaterThanEqualsPath: "$.maxChecks", Next: RESTORE_STATES.timedOut },
    ]);
  });

  it("retries transient errors on every Task and keeps the state when catching", () => {
    const states = buildRestoreDefinition({ functionArn: FN, rtoMinutes: 60 }).States as Record<string, State>;
    const tasks = Object.entries(states).filter(([, s]) => s.Type === "Task");
    expect(tasks.map(([n]) => n).sort()).toEqual(
      [
        RESTORE_STATES.plan,
        RESTORE_STATES.start,
        RESTORE_STATES.check,
        RESTORE_STATES.finish,
        RESTORE_STATES.announce,
        RESTORE_STATES.recordDrill,
        RESTORE_STATES.cleanup,
        RESTORE_STATES.recordFailure,
        RESTORE_STATES.cleanupAfterFailure,
      ].sort(),
    );
    for (const [, t] of tasks) {
      expect((t.Retry as { ErrorEquals: string[] }[])[0]!.ErrorEquals).toEqual(RETRYABLE_ERRORS);
      expect((t.Catch as { ResultPath: string }[])[0]!.ResultPath).toMatch(/^\$\.(error|recordError)$/);
    }
    // A failing clean-up must not loop back into the clean-up-on-failure path.
    expect((states[RESTORE_STATES.cleanup]!.Catch as { Next: string }[])[0]!.Next).toBe(RESTORE_STATES.cleanupFailed);
  });

  it.each<[Partial<RestoreMachineOptions>, string]>([
    [{ functionArn: "restorer" }, "functionArn"],
    [{ rtoMinutes: 0 }, "rtoMinutes"],
    [{ waitSeconds: 1.5 }, "waitSeconds"],
    [{ maxCleanupAttempts: 0 }, "maxCleanupAttempts"],
    [{ rtoMinutes: 10_000, waitSeconds: 1 }, "raise waitSeconds"],
  ])("rejects %j naming the option", (override, fragment) => {
    expect(() => buildRestoreDefinition({ functionArn: FN, rtoMinutes: 240, ...override })).toThrow(fragment);
  });
});

import { describe, expect, it } from "vitest";
import { FUNCTION_TIMEOUT_SECONDS } from "../../components/shared/lambdaSettings";
import { buildStepDefinition } from "../../components/shared/stateMachines";
import { makeBudget, type RunContext } from "../../functions/lib/deadline";
import { TIMEOUT_EARLY_MS } from "../../functions/lib/lambda";
import { Engine } from "../../sim/engine";
import { assertInvocationAlive, functionNameOf, type SimFunction, SimLambdaRuntime } from "../../sim/lambdaRuntime";
import { runStateMachine } from "../../sim/localStepFunctions";

const ARN = "arn:aws:lambda:eu-west-1:111111111111:function:rpl-prod-copy";
const FN: SimFunction = { functionArn: ARN, step: "copy", timeoutSeconds: FUNCTION_TIMEOUT_SECONDS };
const START = Date.parse("2026-01-05T00:00:00Z");

/** Runs `body` as an engine process and the engine until it is done. */
async function inEngine<T>(engine: Engine, body: () => Promise<T>): Promise<T> {
  let out: { value?: T; error?: unknown } = {};
  engine.spawn("test", async () => {
    try {
      out = { value: await body() };
    } catch (error) {
      out = { error };
    }
  });
  await engine.runUntil(START + 3_600_000);
  if ("error" in out) throw out.error;
  return out.value as T;
}

describe("SimLambdaRuntime", () => {
  it("gives each invocation a Lambda context whose remaining time counts down in virtual time from the timeout", async () => {
    const engine = new Engine(START);
    const runtime = new SimLambdaRuntime(engine, 7);
    const seen = await inEngine(engine, () =>
      runtime.invoke(FN, async (_payload, run?: RunContext) => {
        const atStart = run?.remainingMs?.();
        await engine.sleep(100_000);
        return { atStart, after: run?.remainingMs?.(), aborted: run?.signal?.aborted };
      }),
    );
    expect(seen).toEqual({ atStart: 300_000, after: 200_000, aborted: false });
    const ctx = runtime.context(FN, engine.now + 300_000, 0);
    expect(ctx).toMatchObject({
      functionName: "rpl-prod-copy",
      functionVersion: "$LATEST",
      invokedFunctionArn: ARN,
      memoryLimitInMB: "256",
      logGroupName: "/aws/lambda/rpl-prod-copy",
      awsRequestId: runtime.requestId(0),
    });
    expect(ctx.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(ctx.getRemainingTimeInMillis()).toBe(300_000);
    expect(functionNameOf(ARN)).toBe("rpl-prod-copy");
  });

  it("derives awsRequestId from the seed and the invocation number: the same per seed, different across seeds", () => {
    const engine = new Engine(START);
    const a = new SimLambdaRuntime(engine, 1);
    const b = new SimLambdaRuntime(engine, 1);
    const c = new SimLambdaRuntime(engine, 2);
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/;
    expect([a.requestId(0), a.requestId(1)]).toEqual([b.requestId(0), b.requestId(1)]);
    expect(a.requestId(0)).not.toBe(a.requestId(1));
    expect(a.requestId(0)).not.toBe(c.requestId(0));
    expect(a.requestId(0)).toMatch(uuid);
  });

  it("lets a handler's time budget run out in virtual time (the margin before the timeout)", async () => {
    const engine = new Engine(START);
    const runtime = new SimLambdaRuntime(engine, 1);
    const done = await inEngine(engine, () =>
      runtime.invoke(FN, async (_p, run) => {
        const budget = makeBudget(engine.clock, run);
        let items = 0;
        while (!budget.exhausted()) {
          await engine.sleep(10_000);
          items++;
        }
        return { items, stoppedAt: engine.now - START };
      }),
    );
    // 300 s timeout, margin max(20 s, 20 % = 60 s): no new item after 240 s.
    expect(done).toEqual({ items: 24, stoppedAt: 240_000 });
  });

  it("fails a run still busy TIMEOUT_EARLY_MS before the timeout with the StepTimeoutError lambdaHandler throws", async () => {
    const engine = new Engine(START);
    const runtime = new SimLambdaRuntime(engine, 1);
    let signal: AbortSignal | undefined;
    let failedAt = 0;
    const err = await inEngine(engine, () =>
      runtime
        .invoke(FN, async (_p, run) => {
          signal = run?.signal;
          await engine.sleep(400_000);
          return "late";
        })
        .then(
          () => undefined,
          (e: Error) => {
            failedAt = engine.now - START;
            return e;
          },
        ),
    );
    expect(err?.name).toBe("StepTimeoutError");
    expect(err?.message).toContain("copy: the Lambda was about to time out");
    expect(failedAt).toBe(300_000 - TIMEOUT_EARLY_MS);
    expect(signal?.aborted).toBe(true);
  });

  it("tells the budget it was aborted without making the signal, in agreement with the signal once made", async () => {
    const engine = new Engine(START);
    const runtime = new SimLambdaRuntime(engine, 1);
    const seen: unknown[] = [];
    await inEngine(engine, () =>
      runtime
        .invoke(FN, async (_p, run) => {
          const budget = makeBudget(engine.clock, run);
          seen.push(budget.aborted(), run?.aborted?.());
          await engine.sleep(299_000);
          seen.push(budget.aborted(), run?.aborted?.(), run?.signal?.aborted);
          return "late";
        })
        .catch(() => undefined),
    );
    expect(seen).toEqual([false, false, true, true, true]);
  });

  it("hands a run that first reads its signal after the early timeout an already aborted signal", async () => {
    const engine = new Engine(START);
    const runtime = new SimLambdaRuntime(engine, 1);
    let seen: { aborted: boolean; listenerRan: boolean } | undefined;
    await inEngine(engine, () =>
      runtime
        .invoke(FN, async (_p, run) => {
          await engine.sleep(299_000);
          let listenerRan = false;
          run?.signal?.addEventListener("abort", () => {
            listenerRan = true;
          });
          seen = { aborted: run?.signal?.aborted === true, listenerRan };
          return "late";
        })
        .catch(() => undefined),
    );
    // As with a controller made up front: aborted, and a listener added after the abort never runs.
    expect(seen).toEqual({ aborted: true, listenerRan: false });
  });

  it("without the early timeout, stops the run at the timeout as Lambda.Unknown and refuses its later calls", async () => {
    const engine = new Engine(START);
    const runtime = new SimLambdaRuntime(engine, 1);
    const fn: SimFunction = { ...FN, timeoutSeconds: 60, timeoutEarlyMs: 0 };
    let lateCall = "";
    const err = await inEngine(engine, () =>
      runtime
        .invoke(fn, async () => {
          await engine.sleep(90_000);
          try {
            assertInvocationAlive();
            lateCall = "made";
          } catch (e) {
            lateCall = (e as Error).name;
          }
          return "late";
        })
        .then(
          () => undefined,
          (e: Error) => e,
        ),
    );
    expect(err?.name).toBe("Lambda.Unknown");
    expect(err?.message).toBe("Task timed out after 60.00 seconds");
    // The run kept going in the background until 90 s; its call after the timeout was refused.
    await engine.runUntil(START + 7_200_000);
    expect(lateCall).toBe("InvocationStoppedError");
  });

  it("surfaces the early timeout to Step Functions as a retryable StepTimeoutError: the retry resumes and succeeds", async () => {
    const engine = new Engine(START);
    const runtime = new SimLambdaRuntime(engine, 1);
    const def = buildStepDefinition({ stepName: "Copy", functionArn: ARN });
    let calls = 0;
    const handler = async () => {
      calls++;
      if (calls === 1) await engine.sleep(600_000); // the first run outlasts its Lambda
      return { leftPending: 0 };
    };
    const r = await inEngine(engine, () =>
      runStateMachine(def, { handlers: { [ARN]: (payload) => runtime.invoke(FN, handler, payload) } }),
    );
    expect({ status: r.status, error: r.error, cause: r.cause }).toEqual({ status: "SUCCEEDED" });
    expect(r.retries.map((x) => x.error)).toEqual(["StepTimeoutError"]);
    expect(r.taskCalls.map((c) => c.error ?? "ok")).toEqual(["StepTimeoutError", "ok"]);
  });

  it("lets a Lambda Task without TimeoutSeconds run past 60 s, as Step Functions sets no default Task timeout", async () => {
    const engine = new Engine(START);
    const def = buildStepDefinition({ stepName: "Copy", functionArn: ARN });
    const r = await inEngine(engine, () =>
      runStateMachine(def, {
        handlers: {
          [ARN]: async () => {
            await engine.sleep(120_000);
            return { leftPending: 0 };
          },
        },
      }),
    );
    expect({ status: r.status, error: r.error }).toEqual({ status: "SUCCEEDED", error: undefined });
  });
});

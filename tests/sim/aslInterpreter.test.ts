/**
 * The fast executor (sim/aslInterpreter.ts) against the reference (aws-local-stepfunctions): every shipped definition
 * run under both with the same scripted Lambda behaviours (drawn per call from what the call is, so they do not
 * depend on the order of calls), on the simulator's virtual-time engine with its seeded `Math.random` (retry jitter),
 * must give identical results: status, output, error and cause, the Lambda calls in order with their payloads,
 * results, errors and virtual times, the waits, the retries, the states entered, and the same number of jitter draws.
 * Definitions with a Map compare calls, waits and the log as multisets (concurrent iterations reach their Lambdas in
 * another order at one instant), and a failed Map by its outcome (see sameConcurrent). Also: what the interpreter
 * does not support is rejected when a definition is loaded, and what it does differently by design.
 */
import { describe, expect, it } from "vitest";
import { buildRestoreDefinition } from "../../components/shared/restoreStateMachine";
import {
  buildStepDefinition,
  NON_RETRYABLE_ERRORS,
  NOT_YET_VISIBLE_RETRY,
  RETRYABLE_ERRORS,
} from "../../components/shared/stateMachines";
import { buildSweepStepDefinition } from "../../components/shared/sweepMachine";
import { AslSubsetError, compileDefinition } from "../../sim/aslInterpreter";
import { Engine } from "../../sim/engine";
import { type Executor, runStateMachine, type TaskHandler } from "../../sim/localStepFunctions";
import { makeRandom, seedMathRandom } from "../../sim/random";
import { lowerSecondsPathWaits } from "../../sim/secondsPathWaits";

const A = "arn:aws:lambda:eu-west-1:111122223333:function:rpl-step";
const B = "arn:aws:lambda:eu-west-1:111122223333:function:rpl-check";
const V = "arn:aws:lambda:eu-west-1:111122223333:function:rpl-validate";

/** Every shipped definition shape: scoped steps with and without the check loop, the sweeps, the restore machine. */
const DEFINITIONS: Record<string, object> = {
  step: buildStepDefinition({ stepName: "Take", functionArn: A }),
  stepShortRetry: buildStepDefinition({
    stepName: "Share",
    functionArn: A,
    retry: { maxAttempts: 2, intervalSeconds: 1, backoffRate: 1.5, jitterStrategy: "NONE" },
    maxRuns: 3,
  }),
  checkLoop: buildStepDefinition({
    stepName: "Copy",
    functionArn: A,
    check: { functionArn: B, waitSeconds: 60, maxChecks: 6, maxWaitSeconds: 600, budgetSeconds: 1500 },
    maxRuns: 3,
  }),
  sweepPause: buildSweepStepDefinition({
    stepName: "Share",
    functionArn: A,
    sweep: { maxConcurrency: 3, mode: "INLINE", pauseSeconds: 5 },
    maxRuns: 2,
  }),
  sweepNoPause: buildSweepStepDefinition({
    stepName: "Expire",
    functionArn: A,
    sweep: { maxConcurrency: 2, mode: "DISTRIBUTED" },
  }),
  sweepItemsCheck: buildSweepStepDefinition({
    stepName: "Copy",
    functionArn: A,
    check: { functionArn: B, waitSeconds: 60, maxChecks: 4, maxWaitSeconds: 300 },
    sweep: { maxConcurrency: 2, mode: "INLINE", items: { maxRequests: 10, secondsPerRequest: 2 } },
    maxRuns: 2,
  }),
  sweepBatched: buildSweepStepDefinition({
    stepName: "Take",
    functionArn: A,
    sweep: { maxConcurrency: 4, mode: "INLINE", batch: { size: 3, maxConcurrency: 2, pauseSeconds: 7 } },
    batched: true,
  }),
  restore: buildRestoreDefinition({ functionArn: A, rtoMinutes: 30, waitSeconds: 60 }),
  restoreDrill: buildRestoreDefinition({
    functionArn: A,
    rtoMinutes: 30,
    waitSeconds: 60,
    validationFunctionArn: V,
    retry: { maxAttempts: 2 },
  }),
};

/** Error names a script throws: every one the definitions retry or catch by name, and others (States.ALL). */
const ERRORS = [...RETRYABLE_ERRORS, NOT_YET_VISIBLE_RETRY.ErrorEquals[0], ...NON_RETRYABLE_ERRORS, "SomethingElse"];

/**
 * Scripted Lambdas: each call draws from one seeded stream (so both executors see the same behaviours as long as
 * they make the same calls in the same order): a virtual delay (now and then past the Task's timeout), an error, an
 * oversized result (States.DataLimitExceeded), or a result shaped to drive every Choice branch.
 */
function scriptedHandlers(seed: number, engine: Engine, log: unknown[]): Record<string, TaskHandler> {
  let calls = 0;
  /** Calls so far per function and payload: the k-th call with one payload draws from its own stream. */
  const seen = new Map<string, number>();
  const make = (arn: string): TaskHandler => {
    return async (payload) => {
      const p = (payload ?? {}) as Record<string, unknown>;
      // A stream per call, named by what the call is (not by when it comes): concurrent Map iterations reach their
      // Lambdas in an order that differs between the executors, and each must still see the same behaviour.
      const key = `${arn} ${JSON.stringify(p)}`;
      const k = seen.get(key) ?? 0;
      seen.set(key, k + 1);
      const r = makeRandom(seed, `script/${key}/${k}`);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r.next() * xs.length)]!;
      const maybe = (v: unknown) => pick([undefined, "soon", v, v, v]);
      const at = engine.now;
      const delay = r.chance(0.02) ? 1_000_000 : r.chance(0.3) ? Math.floor(r.next() * 5000) : 0;
      const roll = r.next();
      // The first call of run `seed` throws ERRORS[seed - 1] (so every name is thrown at least once), later ones at random.
      const first = calls++ === 0 && seed <= ERRORS.length;
      const errorName = first ? ERRORS[seed - 1] : roll < 0.15 ? pick(ERRORS) : undefined;
      const tooBig = roll >= 0.15 && roll < 0.17;
      let result: unknown;
      if (p.sweep === "list") {
        const n = Math.floor(r.next() * 6);
        result = {
          items: Array.from({ length: n }, (_, i) => ({
            dbId: `db-${seed}-${i}`,
            dbIds: [`db-${seed}-${i}`],
            pauseSeconds: pick([0, 3, 30]),
          })),
        };
      } else if (p.sweep === "report") {
        result = { dbs: Array.isArray(p.results) ? p.results.length : 0, failed: 0 };
      } else if (typeof p.action === "string") {
        const state = (p.state ?? p.input ?? {}) as Record<string, unknown>;
        result = {
          ...state,
          mode: pick(["drill", "failover", undefined]),
          done: pick([true, false, false, undefined]),
          checks: Number(state.checks ?? 0) + 1,
          maxChecks: 4,
          result: { restored: ["x"] },
          cleanup: { remaining: pick([0, 1]), attempts: Number(state.checks ?? 0) + 1 },
          drill: { id: "d1", passed: pick([true, false]) },
          region: "eu-west-1",
        };
      } else {
        result = {
          pending: pick([0, 0, 1, 3, "x", undefined]),
          nextCheckSeconds: maybe(pick([10, 120, 900])),
          waiting: maybe(pick([0, 1])),
          ready: maybe(pick([0, 2])),
          failed: maybe(pick([0, 0, 0, 1])),
          leftPending: maybe(pick([0, 0, 2])),
        };
      }
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      log.push({ arn, at, payload: p, errorName, tooBig, done: engine.now });
      if (errorName) {
        const e = new Error(`scripted ${errorName}`);
        e.name = errorName;
        throw e;
      }
      if (tooBig) return { blob: "x".repeat(300 * 1024) };
      return result;
    };
  };
  return { [A]: make(A), [B]: make(B), [V]: make(V) };
}

/** One execution of `definition` under `executor` on a fresh engine; everything observable, for comparison. */
async function observe(definition: object, input: unknown, seed: number, executor: Executor) {
  const engine = new Engine(Date.UTC(2026, 0, 1));
  const log: unknown[] = [];
  const handlers = scriptedHandlers(seed, engine, log);
  const waitsAt: unknown[] = [];
  const restore = seedMathRandom(seed);
  let outcome: unknown;
  try {
    engine.spawn("run", async () => {
      const r = await runStateMachine(definition, {
        handlers,
        input,
        executor,
        realRetryDelays: true,
        onWait: (seconds, state) => {
          waitsAt.push({ state, seconds, at: engine.now });
          return seconds * 1000;
        },
      });
      outcome = {
        status: r.status,
        output: r.output,
        error: r.error,
        cause: r.cause,
        waits: r.waits,
        // Map iterations' events reach the reference's recorder through its event log, later than they happened, and
        // it labels a retry with the state's last failure by name, which concurrent iterations share: compared
        // without the label, as a multiset (see `sameRetries`).
        retries: r.retries.map((x) => `${x.state}#${x.attempt}@${x.delaySeconds}`).sort(),
        retriedOn: r.retries.map((x) => x.error),
        states: [...r.states].sort(),
        calls: r.taskCalls.map((c) => ({
          state: c.state,
          arn: c.functionArn,
          payload: c.payload,
          result: c.result,
          error: c.error,
        })),
        endedAt: engine.now,
      };
    });
    await engine.runUntil(Date.UTC(2027, 0, 1));
    return { outcome, log, waitsAt, nextRandom: Math.random() };
  } finally {
    restore();
  }
}

/** What the reference runs went through, over all definitions: the coverage the last test checks. */
const seen = { thrown: new Set<string>(), outcomes: new Set<string>(), retriedOn: new Set<string>(), waits: 0 };

const INPUTS: Record<string, readonly unknown[]> = {
  step: [{}, { dbId: "orders" }],
  stepShortRetry: [{ snapshotId: "s1" }],
  checkLoop: [{ dbId: "orders" }],
  sweepPause: [{}, { dbId: "orders" }],
  sweepNoPause: [{}],
  sweepItemsCheck: [{}],
  sweepBatched: [{}],
  restore: [{ mode: "failover" }],
  restoreDrill: [{ mode: "drill" }],
};

/**
 * Retries (state, attempt, delay) and states entered are the same multisets; after a failed execution the reference
 * may have fewer: its recorder drops the Map iteration events its event log delivers after the execution ended
 * (sim/localStepFunctions.ts EventRecorder), while the fast executor records each as it happens.
 */
function sameRecords(ref: string[], fast: string[], succeeded: boolean, what: string): void {
  if (succeeded) {
    expect(fast, what).toEqual(ref);
    return;
  }
  const left = [...fast];
  for (const r of ref) {
    const i = left.indexOf(r);
    expect(i, `${what}: reference's ${r} missing from the fast executor's`).toBeGreaterThanOrEqual(0);
    left.splice(i, 1);
  }
}

/** Definitions with a Map state: iterations run concurrently. */
const CONCURRENT = new Set(["sweepPause", "sweepNoPause", "sweepItemsCheck", "sweepBatched"]);

/** `ref` and `fast` as multisets. */
function sameMultiset(ref: unknown[], fast: unknown[], what: string): void {
  const key = (x: unknown) => JSON.stringify(x);
  expect(fast.map(key).sort(), what).toEqual(ref.map(key).sort());
}

/**
 * A definition with a Map: the executors reach concurrent iterations' Lambdas in different orders at one virtual
 * instant (the reference takes a fixed number of asynchronous steps per state, the fast executor none for states that
 * do not wait), so calls, waits and the Lambdas' log are compared as multisets; outcome, output, error and cause
 * exactly, and the number of jitter draws. When a Map fails, what its other iterations still did depends on that
 * order at the instant of the failure (and the reference still starts queued iterations and retries in aborted ones,
 * which the fast executor, as Step Functions, does not): a failed execution is compared by its outcome only.
 */
function sameConcurrent(
  ref: { log: unknown[]; waitsAt: unknown[]; nextRandom: number },
  fast: { log: unknown[]; waitsAt: unknown[]; nextRandom: number },
  refRest: Record<string, unknown>,
  fastRest: Record<string, unknown>,
  what: string,
): void {
  const { calls: refCalls, waits: refWaits, endedAt: refEnd, ...refOutcome } = refRest;
  const { calls: fastCalls, waits: fastWaits, endedAt: fastEnd, ...fastOutcome } = fastRest;
  expect(fastOutcome, what).toEqual(refOutcome);
  if (refRest.status !== "SUCCEEDED") return;
  sameMultiset(refCalls as unknown[], fastCalls as unknown[], `${what} calls`);
  sameMultiset(refWaits as unknown[], fastWaits as unknown[], `${what} waits`);
  sameMultiset(ref.waitsAt, fast.waitsAt, `${what} waits at`);
  sameMultiset(ref.log, fast.log, `${what} Lambda log`);
  expect(fastEnd, `${what} end`).toBe(refEnd);
  expect(fast.nextRandom, `${what} jitter draws`).toBe(ref.nextRandom);
}

describe("fast executor = reference executor on every shipped definition", () => {
  for (const [name, definition] of Object.entries(DEFINITIONS)) {
    it(`${name}: identical outcomes, calls, waits, retries and jitter draws over scripted behaviours`, async () => {
      const statuses = new Set<string>();
      for (const input of INPUTS[name]!) {
        for (let seed = 1; seed <= ERRORS.length + 5; seed++) {
          const ref = await observe(definition, input, seed, "reference");
          const fast = await observe(definition, input, seed, "fast");
          const what = `${name} seed ${seed} input ${JSON.stringify(input)}`;
          const {
            retries: refRetries,
            retriedOn: refOn,
            states: refStates,
            ...refRest
          } = ref.outcome as Record<string, unknown>;
          const {
            retries: fastRetries,
            retriedOn: _fastOn,
            states: fastStates,
            ...fastRest
          } = fast.outcome as Record<string, unknown>;
          if (!CONCURRENT.has(name)) {
            expect({ ...fast, outcome: fastRest }, what).toEqual({ ...ref, outcome: refRest });
          } else sameConcurrent(ref, fast, refRest, fastRest, what);
          const ok = refRest.status === "SUCCEEDED";
          // A failed Map: see sameConcurrent.
          if (ok || !CONCURRENT.has(name)) {
            sameRecords(refRetries as string[], fastRetries as string[], ok, `${what} retries`);
            sameRecords(refStates as string[], fastStates as string[], ok, `${what} states`);
          }
          const o = { ...refRest, retries: (refOn as string[]).map((error) => ({ error })) } as {
            status: string;
            error?: string;
            retries: { error: string }[];
            waits: number[];
          };
          statuses.add(`${o.status} ${o.error ?? ""}`.trim());
          seen.outcomes.add(`${o.status} ${o.error ?? ""}`.trim());
          for (const r of o.retries) seen.retriedOn.add(r.error);
          seen.waits += o.waits.length;
          for (const c of ref.log as { errorName?: string; tooBig: boolean }[]) {
            if (c.errorName) seen.thrown.add(c.errorName);
          }
        }
      }
      // The scripts reach both outcomes (a differential test that only ever saw successes would prove little).
      expect([...statuses].some((s) => s.startsWith("SUCCEEDED"))).toBe(true);
      expect([...statuses].some((s) => s.startsWith("FAILED"))).toBe(true);
    }, 120_000);
  }
});

describe("the differential runs covered what the definitions handle", () => {
  it("every error name they retry or catch, an uncaught one, the data limit, a Task timeout, waits", () => {
    for (const name of ERRORS) expect(seen.thrown, name).toContain(name);
    expect(seen.outcomes).toContain("FAILED States.DataLimitExceeded");
    expect([...seen.retriedOn, ...seen.outcomes]).toContain("FAILED States.Timeout");
    expect(seen.retriedOn).toContain("SnapshotNotFoundError");
    expect([...seen.outcomes].filter((o) => o.startsWith("SUCCEEDED")).length).toBeGreaterThan(0);
    expect(seen.waits).toBeGreaterThan(100);
  });
});

describe("fast executor rejects what it does not implement when a definition is loaded", () => {
  const base = (state: Record<string, unknown>) => ({ StartAt: "S", States: { S: state } });
  const cases: [string, object, RegExp][] = [
    ["a Parallel state", base({ Type: "Parallel", Branches: [], End: true }), /state "S" field Type/],
    ["Wait Timestamp", base({ Type: "Wait", Timestamp: "2026-01-01T00:00:00Z", End: true }), /"S" field Timestamp/],
    ["a JSONata state", base({ Type: "Pass", QueryLanguage: "JSONata", End: true }), /"S" field QueryLanguage/],
    ["a filter path", base({ Type: "Pass", InputPath: "$.a[?(@.b)]", End: true }), /"S" field InputPath/],
    [
      "another intrinsic",
      base({ Type: "Pass", Parameters: { "x.$": "States.Format('{}', $.a)" }, End: true }),
      /"S" field Parameters\.x\.\$/,
    ],
    [
      "another Choice operator",
      base({ Type: "Choice", Choices: [{ Variable: "$.a", StringMatches: "x*", Next: "S" }] }),
      /Choices\[0\]\.StringMatches/,
    ],
    ["ResultPath $", base({ Type: "Pass", ResultPath: "$", End: true }), /"S" field ResultPath/],
    ["HeartbeatSeconds", base({ Type: "Task", Resource: A, HeartbeatSeconds: 5, End: true }), /HeartbeatSeconds/],
    [
      "$$.Execution.Input in an iteration",
      base({
        Type: "Map",
        ItemProcessor: {
          StartAt: "I",
          States: { I: { Type: "Pass", Parameters: { "x.$": "$$.Execution.Input" }, End: true } },
        },
        End: true,
      }),
      /"I" field Parameters\.x\.\$/,
    ],
    ["a missing Next target", base({ Type: "Pass", Next: "Nowhere" }), /"S" field Next: no state "Nowhere"/],
  ];
  for (const [what, def, message] of cases) {
    it(`rejects ${what}`, () => {
      expect(() => compileDefinition(def)).toThrow(AslSubsetError);
      expect(() => compileDefinition(def)).toThrow(message);
    });
  }

  it("runStateMachine with the fast executor rejects before anything runs", async () => {
    let called = 0;
    const def = {
      StartAt: "T",
      States: {
        T: { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", Parameters: { FunctionName: A }, Next: "P" },
        P: { Type: "Parallel", Branches: [], End: true },
      },
    };
    await expect(runStateMachine(def, { handlers: { [A]: async () => ++called }, executor: "fast" })).rejects.toThrow(
      /state "P" field Type/,
    );
    expect(called).toBe(0);
  });

  it("compiles every shipped definition, as runStateMachine hands it over and with SecondsPath Waits lowered", () => {
    for (const def of Object.values(DEFINITIONS)) {
      // The fast executor runs SecondsPath Waits itself; the reference gets them lowered (sim/secondsPathWaits.ts).
      expect(() => compileDefinition(def)).not.toThrow();
      const lowered = structuredClone(def) as { States: Record<string, never> };
      lowerSecondsPathWaits(lowered);
      expect(() => compileDefinition(lowered)).not.toThrow();
    }
  });
});

describe("fast executor: what it does differently from the reference, by design", () => {
  /** Runs `definition` on a fresh engine; the result, its end (ms after the start) and the timers set meanwhile. */
  async function run(definition: object, handlers: Record<string, TaskHandler>, settleWithinMs?: number) {
    const engine = new Engine(Date.UTC(2026, 0, 1));
    let result: Awaited<ReturnType<typeof runStateMachine>> | undefined;
    let endedAt = 0;
    const setTimeoutBefore = globalThis.setTimeout;
    let timers = 0;
    globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
      timers++;
      return setTimeoutBefore(...args);
    }) as typeof setTimeout;
    try {
      engine.spawn("run", async () => {
        result = await runStateMachine(definition, {
          handlers,
          executor: "fast",
          onWait: (seconds) => seconds * 1000,
          ...(settleWithinMs !== undefined ? { handlersSettleWithinMs: settleWithinMs } : {}),
        });
        endedAt = engine.now - Date.UTC(2026, 0, 1);
      });
      await engine.runUntil(Date.UTC(2027, 0, 1));
    } finally {
      globalThis.setTimeout = setTimeoutBefore;
    }
    return { result: result!, endedAt, timers };
  }
  const task = (timeoutSeconds: number) => ({
    StartAt: "T",
    States: {
      T: {
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke",
        Parameters: { FunctionName: A, "Payload.$": "$" },
        TimeoutSeconds: timeoutSeconds,
        End: true,
      },
    },
  });
  const slow = (ms: number): Record<string, TaskHandler> => ({
    [A]: async () => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return { ok: true };
    },
  });

  it("a Task whose handler outlasts TimeoutSeconds fails with States.Timeout at the timeout", async () => {
    const r = await run(task(10), slow(20_000));
    expect(r.result.status).toBe("FAILED");
    expect(r.result.error).toBe("States.Timeout");
  });

  it("arms no timeout timer when the handlers settle within the Task's timeout (same result, one timer fewer)", async () => {
    const timed = await run(task(10), slow(3_000));
    const bounded = await run(task(10), slow(3_000), 5_000);
    expect(bounded.result.status).toBe("SUCCEEDED");
    expect(bounded.result.output).toEqual(timed.result.output);
    expect([bounded.endedAt, timed.endedAt]).toEqual([3_000, 3_000]);
    // The handler's own timer, and the Task's timeout only without the bound.
    expect([bounded.timers, timed.timers]).toEqual([1, 2]);
    // A bound above the timeout: the timer is armed, and fires.
    const over = await run(task(10), slow(20_000), 30_000);
    expect(over.result.error).toBe("States.Timeout");
  });

  it("runs a SecondsPath Wait itself: waits the value, passes its input on, rejects a bad value (States.Runtime)", async () => {
    const def = {
      StartAt: "W",
      States: { W: { Type: "Wait", SecondsPath: "$.s", End: true } },
    };
    const ok = await run({ ...def }, {});
    expect(ok.result.status).toBe("FAILED");
    expect(ok.result.error).toBe("States.Runtime");
    const engine = new Engine(Date.UTC(2026, 0, 1));
    const outcomes: unknown[] = [];
    engine.spawn("run", async () => {
      for (const input of [{ s: 30, x: 1 }, { s: -1 }, { s: 1.5 }]) {
        const r = await runStateMachine(def, {
          handlers: {},
          input,
          executor: "fast",
          onWait: (seconds) => seconds * 1000,
        });
        outcomes.push({ status: r.status, output: r.output, error: r.error, waits: r.waits, at: engine.now });
      }
    });
    await engine.runUntil(Date.UTC(2027, 0, 1));
    const t0 = Date.UTC(2026, 0, 1);
    expect(outcomes).toEqual([
      { status: "SUCCEEDED", output: { s: 30, x: 1 }, error: undefined, waits: [30], at: t0 + 30_000 },
      { status: "FAILED", output: undefined, error: "States.Runtime", waits: [], at: t0 + 30_000 },
      { status: "FAILED", output: undefined, error: "States.Runtime", waits: [], at: t0 + 30_000 },
    ]);
  });

  it("an aborted Map iteration whose Task fails afterwards does not retry it", async () => {
    const def = {
      StartAt: "M",
      States: {
        M: {
          Type: "Map",
          ItemProcessor: {
            StartAt: "T",
            States: {
              T: {
                Type: "Task",
                Resource: "arn:aws:states:::lambda:invoke",
                Parameters: { FunctionName: A, "Payload.$": "$" },
                Retry: [{ ErrorEquals: ["Transient"], IntervalSeconds: 0, MaxAttempts: 3 }],
                End: true,
              },
            },
          },
          End: true,
        },
      },
    };
    const calls: unknown[] = [];
    const handlers: Record<string, TaskHandler> = {
      [A]: async (payload) => {
        calls.push(payload);
        const i = (payload as { i: number }).i;
        // Item 0 fails the Map at 10 s; item 1 fails retryably at 20 s, after its iteration was aborted.
        await new Promise((resolve) => setTimeout(resolve, (i + 1) * 10_000));
        const e = new Error(`item ${i}`);
        e.name = i === 0 ? "Fatal" : "Transient";
        throw e;
      },
    };
    const engine = new Engine(Date.UTC(2026, 0, 1));
    let result: Awaited<ReturnType<typeof runStateMachine>> | undefined;
    engine.spawn("run", async () => {
      result = await runStateMachine(def, { handlers, input: [{ i: 0 }, { i: 1 }], executor: "fast" });
    });
    await engine.runUntil(Date.UTC(2027, 0, 1));
    expect(result!.error).toBe("Fatal");
    expect(calls).toEqual([{ i: 0 }, { i: 1 }]);
    expect(result!.retries).toEqual([]);
  });

  it("a failed Map starts no further iteration and stops the running ones", async () => {
    const def = {
      StartAt: "M",
      States: {
        M: {
          Type: "Map",
          MaxConcurrency: 2,
          ItemProcessor: {
            StartAt: "T",
            States: {
              T: {
                Type: "Task",
                Resource: "arn:aws:states:::lambda:invoke",
                Parameters: { FunctionName: A, "Payload.$": "$" },
                Next: "W",
              },
              W: { Type: "Wait", Seconds: 60, Next: "After" },
              After: {
                Type: "Task",
                Resource: "arn:aws:states:::lambda:invoke",
                Parameters: { FunctionName: A, "Payload.$": "$" },
                End: true,
              },
            },
          },
          End: true,
        },
      },
    };
    const calls: unknown[] = [];
    const handlers: Record<string, TaskHandler> = {
      [A]: async (payload) => {
        calls.push(payload);
        // Item 1 fails 10 s in, while item 0 waits its 60 s.
        if ((payload as { i: number }).i === 1) {
          await new Promise((resolve) => setTimeout(resolve, 10_000));
          throw new Error("boom");
        }
        return payload;
      },
    };
    const engine = new Engine(Date.UTC(2026, 0, 1));
    let result: Awaited<ReturnType<typeof runStateMachine>> | undefined;
    engine.spawn("run", async () => {
      result = await runStateMachine(def, {
        handlers,
        input: [{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }],
        executor: "fast",
        onWait: (seconds) => seconds * 1000,
      });
    });
    await engine.runUntil(Date.UTC(2027, 0, 1));
    expect(result!.status).toBe("FAILED");
    expect(result!.error).toBe("Error");
    // Items 0 and 1 started; 0 never reached After (its Wait was cut short by the abort), 2 and 3 never started.
    expect(calls).toEqual([{ i: 0 }, { i: 1 }]);
    expect(result!.states).toEqual(["M", "T", "T", "W"]);
  });
});

/**
 * The simulator's Lambda runtime: every simulated invocation of a step Lambda gets a Lambda context whose
 * `getRemainingTimeInMillis()` counts down in virtual time from the function's configured timeout (the components'
 * `FUNCTION_TIMEOUT_SECONDS`, components/shared/lambdaSettings.ts), so the handlers' time budget
 * (functions/lib/deadline.ts) works in simulated runs as it does deployed.
 *
 * What happens at the end of the time, as deployed:
 * - Every step Lambda's entry point is wrapped by `lambdaHandler` (functions/lib/lambda.ts): middy aborts the run's
 *   signal `TIMEOUT_EARLY_MS` before the timeout and fails the invocation with a `StepTimeoutError` naming the step
 *   (retried by the state machines, components/shared/stateMachines.ts RETRYABLE_ERRORS). The runtime does the same
 *   at the same virtual moment, with the same error (`earlyTimeoutError`).
 * - A function without that backstop (`timeoutEarlyMs: 0`) runs until its timeout; Lambda then stops it, and Step
 *   Functions reports the Task's error as `Lambda.Unknown` ("Unhandled errors in Lambda are reported as
 *   Lambda.Unknown in the error output. These include out-of-memory errors and function timeouts",
 *   https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html). The message is the
 *   runtime's "Task timed out after N seconds".
 * - Either way, once the timeout has passed the run is dead: an SDK call it still tries is refused
 *   ({@link assertInvocationAlive}, called by the simulator's client wrapper), as a stopped sandbox makes none.
 *
 * Deterministic: `awsRequestId` is a UUID-shaped hash of the scenario seed and the invocation's sequence number, and
 * the timers are the engine's virtual timers.
 */
import { createHash } from "node:crypto";
import type { Context } from "aws-lambda";
import { FUNCTION_MEMORY_MB } from "../components/shared/lambdaSettings";
import type { RunContext } from "../functions/lib/deadline";
import { earlyTimeoutError, TIMEOUT_EARLY_MS } from "../functions/lib/lambda";
import { currentInvocationOf, type Engine, runInInvocationContext } from "./engine";

/** The configuration of one simulated function. */
export interface SimFunction {
  readonly functionArn: string;
  /** The step the early-timeout error names (the `step` its entry point passes to `lambdaHandler`). */
  readonly step: string;
  /** The function's timeout (seconds), as the components deploy it. */
  readonly timeoutSeconds: number;
  /** Memory (MiB); default `FUNCTION_MEMORY_MB`. */
  readonly memoryMb?: number;
  /**
   * How long before the timeout the run is aborted and fails with a `StepTimeoutError` (middy's `timeoutEarlyInMillis`
   * in `lambdaHandler`); default `TIMEOUT_EARLY_MS`. 0: no early timeout, the run is stopped at the timeout itself.
   */
  readonly timeoutEarlyMs?: number;
}

/** A handler core as the simulator binds it: the invoke payload and the run context. */
export type SimHandler = (payload: unknown, run?: RunContext) => Promise<unknown>;

/** The error Step Functions reports for a Lambda that ran into its timeout (see the module comment). */
export class LambdaTimeoutError extends Error {
  constructor(timeoutSeconds: number) {
    super(`Task timed out after ${timeoutSeconds.toFixed(2)} seconds`);
    this.name = "Lambda.Unknown";
  }
}

/** Thrown at an SDK call made by a run whose Lambda has already timed out. */
export class InvocationStoppedError extends Error {
  constructor(functionName: string) {
    super(`${functionName}: the invocation timed out; a stopped Lambda makes no more calls`);
    this.name = "InvocationStoppedError";
  }
}

/**
 * One simulated invocation, as the code it runs sees it through {@link currentInvocation}: whether its Lambda was
 * stopped, and the API calls it made (sim/executions.ts counts them per run). One record for both (an invocation's
 * state and counter always start and end together), kept in the engine's process context (sim/engine.ts
 * `runInInvocationContext`, carried by promise hooks: no `AsyncLocalStorage`, see there).
 */
export interface InvocationRecord {
  /** The function's name (set by {@link SimLambdaRuntime.invoke}; empty for a handler run without a Lambda). */
  functionName: string;
  stopped: boolean;
  /** API calls made by the run (counted by the simulator's client wrapper). */
  calls: number;
}

/** A fresh {@link InvocationRecord}. */
export function newInvocationRecord(): InvocationRecord {
  return { functionName: "", stopped: false, calls: 0 };
}

/** The invocation the calling code runs in, if any (kept in the engine's process context, sim/engine.ts). */
export function currentInvocation(): InvocationRecord | undefined {
  return currentInvocationOf() as InvocationRecord | undefined;
}

/** Runs `fn` as the code of invocation `record` (a handler run without a Lambda context). */
export function runInInvocation<T>(record: InvocationRecord, fn: () => Promise<T>): Promise<T> {
  return runInInvocationContext(record, fn);
}

/** Throws when the calling code runs inside a simulated invocation whose timeout has passed. */
export function assertInvocationAlive(): void {
  const s = currentInvocation();
  if (s?.stopped) throw new InvocationStoppedError(s.functionName);
}

/**
 * The function name of a Lambda ARN (`arn:aws:lambda:<region>:<account>:function:<name>`). Remembered per ARN: a
 * simulation invokes a handful of functions ~14,000 times a virtual day (docs/performance.md).
 */
export function functionNameOf(functionArn: string): string {
  let name = functionNames.get(functionArn);
  if (name === undefined) {
    name = functionArn.split(":function:")[1]?.split(":")[0] ?? functionArn;
    if (functionNames.size >= 10_000) functionNames.clear();
    functionNames.set(functionArn, name);
  }
  return name;
}
const functionNames = new Map<string, string>();

/** Invokes step handlers as Lambda does, on the engine's virtual time. One per simulation. */
export class SimLambdaRuntime {
  #invocations = 0;

  constructor(
    private readonly engine: Engine,
    private readonly seed: number,
  ) {}

  /** Number of invocations so far. */
  get invocations(): number {
    return this.#invocations;
  }

  /** A deterministic request id: the seed and the invocation's number, hashed into the shape of a UUID. */
  requestId(n: number): string {
    const h = createHash("sha256").update(`rpl-sim/${this.seed}/${n}`).digest("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  /**
   * The Lambda context of invocation number `n`, starting now with `deadline` (epoch ms, virtual). The request id is
   * hashed only when read (the handlers read only the remaining time).
   */
  context(fn: SimFunction, deadline: number, n: number): Context {
    const engine = this.engine;
    const name = functionNameOf(fn.functionArn);
    const startedAt = engine.now;
    let id: string | undefined;
    const requestId = () => {
      id ??= this.requestId(n);
      return id;
    };
    const unsupported = () => {
      throw new Error("the simulator's Lambda context has no callback methods (handlers are async)");
    };
    return {
      callbackWaitsForEmptyEventLoop: true,
      functionName: name,
      functionVersion: "$LATEST",
      invokedFunctionArn: fn.functionArn,
      memoryLimitInMB: String(fn.memoryMb ?? FUNCTION_MEMORY_MB),
      get awsRequestId() {
        return requestId();
      },
      logGroupName: `/aws/lambda/${name}`,
      get logStreamName() {
        const day = new Date(startedAt).toISOString().slice(0, 10).replaceAll("-", "/");
        return `${day}/[$LATEST]${requestId().replaceAll("-", "")}`;
      },
      getRemainingTimeInMillis: () => Math.max(0, deadline - engine.now),
      done: unsupported,
      fail: unsupported,
      succeed: unsupported,
    };
  }

  /**
   * Runs `handler` on `payload` as one invocation of `fn`: with its context's remaining time and abort signal, and
   * failing as Lambda (with `lambdaHandler`'s early timeout) does when the run outlasts the time. `state` is the
   * invocation's record (its calls are counted into it).
   */
  invoke(
    fn: SimFunction,
    handler: SimHandler,
    payload: unknown = {},
    state: InvocationRecord = newInvocationRecord(),
  ): Promise<unknown> {
    const { engine } = this;
    this.#invocations++;
    const timeoutMs = fn.timeoutSeconds * 1000;
    const earlyMs = fn.timeoutEarlyMs ?? TIMEOUT_EARLY_MS;
    // The handler sees only the remaining time and the abort signal (`runCore` hands a core nothing else), so no
    // Lambda context object is built per run ({@link SimLambdaRuntime.context} builds one on request).
    const run = new SimRun(engine, engine.now + timeoutMs);
    state.functionName = functionNameOf(fn.functionArn);
    return new Promise<unknown>((resolve, reject) => {
      let returned = false;
      const stopAt = () => {
        if (returned) return;
        state.stopped = true;
        run.abort();
        reject(new LambdaTimeoutError(fn.timeoutSeconds));
      };
      // One virtual timer of the engine per invocation: the early abort (middy), which then arms the stop at the
      // timeout itself. A run that failed early keeps running in the background (as in a real sandbox) until then.
      let timer = engine.timer(
        () => {
          if (returned) return;
          if (earlyMs <= 0) return stopAt();
          run.abort();
          reject(earlyTimeoutError(fn.step));
          timer = engine.timer(stopAt, earlyMs);
        },
        Math.max(0, timeoutMs - Math.max(0, earlyMs)),
      );
      const ended = () => {
        returned = true;
        timer.cancelled = true;
      };
      runInInvocationContext(state, () => {
        handler(payload, run).then(
          (out) => {
            ended();
            resolve(out);
          },
          (err: unknown) => {
            ended();
            reject(err);
          },
        );
      });
    });
  }
}

/**
 * What `runCore` (functions/lib/lambda.ts) hands a core, without its `withAbortSignal` context: that context only
 * reaches clients wrapped by `abortable`, and the model's clients are not (they answer at once, in virtual time, so
 * there is no call in flight to cancel). An AsyncLocalStorage never entered costs nothing; an entered one turns on
 * Node.js 20's async_hooks for every later promise of the process (docs/performance.md).
 *
 * The abort signal is made on first read only (an `AbortSignal` is an `EventTarget` on Node.js 20: ~1.3 % of a
 * simulation's CPU at one per invocation, docs/performance.md), and the handlers' budget asks {@link SimRun.aborted}
 * instead of reading it (functions/lib/deadline.ts), so a run that is never aborted makes none. Indistinguishable
 * from the signal of a controller made up front: read after {@link SimRun.abort}, the signal is made already aborted,
 * and listeners added to an aborted signal never run in either case.
 */
class SimRun implements RunContext {
  #controller: AbortController | undefined;
  #aborted = false;
  readonly remainingMs: () => number;

  constructor(engine: Engine, deadline: number) {
    this.remainingMs = () => Math.max(0, deadline - engine.now);
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort();
    }
    return this.#controller.signal;
  }

  /** Whether the run was aborted (what `signal.aborted` says, without making the signal). */
  aborted(): boolean {
    return this.#aborted;
  }

  abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#controller?.abort();
  }
}

/**
 * Runs a state machine definition locally with aws-local-stepfunctions, binding its Lambda Task states to
 * in-process handlers, so the tests and the simulator exercise the exact definitions the components deploy.
 *
 * What the harness adds to the library, each to behave as the Lambda integration does on AWS:
 * - Task states using `arn:aws:states:::lambda:invoke` (or a bare Lambda ARN) call `handlers[FunctionName]` with the
 *   JSON-serialised `Payload`, and return `{ Payload, StatusCode: 200 }` as the integration does.
 * - An error thrown by a handler surfaces with its `name` as the error type (what a Node.js Lambda reports, so
 *   `Retry`/`Catch` `ErrorEquals: ["TransientAwsError"]` match) and, as on AWS, a `Cause` that is the JSON string
 *   `{"errorMessage","errorType"}` (no stack trace, so simulator output stays deterministic).
 * - A handler result over 256 KiB raises `States.DataLimitExceeded`, which `States.ALL` cannot catch.
 * - Wait states and retry intervals never sleep: each Wait calls `onWait(seconds, state)` at the moment it runs, so
 *   a caller can advance a virtual clock before the next state; retry delays are reported in `retries`.
 */
import type { RunOptions, StateMachine, StateMachineDefinition } from "aws-local-stepfunctions";
import { type CompiledMachine, compileDefinition, type InterpreterHooks, runCompiled } from "./aslInterpreter";
import { isKnownValid, rememberValid } from "./aslVerdicts";
import { installFastJsonPath } from "./fastJsonPath";
import { polyfillPromiseWithResolvers } from "./polyfills";
import { lowerSecondsPathWaits, SECONDS_PATH_WAIT_RESOURCE, secondsPathWaitHandler } from "./secondsPathWaits";

/** A local stand-in for one Lambda: receives the invoke payload, returns the function's result. */
export type TaskHandler = (payload: unknown) => Promise<unknown>;

/** Options of {@link runStateMachine}. */
export interface RunStateMachineOptions {
  /** Handlers keyed by Lambda function ARN (the Task's `FunctionName`, or its `Resource` for bare-ARN Tasks). */
  readonly handlers: Readonly<Record<string, TaskHandler>>;
  /** Execution input (default `{}`). */
  readonly input?: unknown;
  /**
   * Called when a Wait state starts, with its `Seconds` and name, before the next state runs: advance the virtual
   * clock here. Return a number to really wait that many milliseconds (default 0: no real waiting).
   */
  readonly onWait?: (seconds: number, stateName: string) => undefined | number;
  /**
   * Let the library sleep each retry interval (`IntervalSeconds` x `BackoffRate`^n, capped by `MaxDelaySeconds`)
   * instead of retrying at once. Only for callers whose `setTimeout` runs on virtual time (sim/engine.ts); default
   * false. Either way the intervals are reported in {@link ExecutionResult.retries}.
   */
  readonly realRetryDelays?: boolean;
  /** Same as {@link onWait}, kept for callers written against the first draft of this interface. */
  readonly waitTimeOverride?: (seconds: number, stateName: string) => undefined | number;
  /**
   * Which executor runs the definition: `reference` (aws-local-stepfunctions) or `fast` (sim/aslInterpreter.ts, the
   * subset of ASL the shipped definitions use, same results). Default `reference`; the simulator runs `fast`
   * (sim/simulate.ts `SimulateOptions.executor`).
   */
  readonly executor?: Executor;
  /**
   * A bound (virtual ms) within which every handler settles, if the caller knows one (the simulator: its Lambdas'
   * function timeout, sim/lambdaRuntime.ts). The fast executor then arms no timer for a Task whose TimeoutSeconds is
   * at least that (it could never fire first); the reference ignores it.
   */
  readonly handlersSettleWithinMs?: number;
}

/** The executors {@link runStateMachine} can run a definition with. */
export type Executor = "fast" | "reference";
export const EXECUTORS: readonly Executor[] = ["fast", "reference"];

/** One Lambda invocation made by the execution. */
export interface TaskCall {
  /** Task state name. */
  readonly state: string;
  readonly functionArn: string;
  /** Payload as the handler received it. */
  readonly payload: unknown;
  /** The handler's JSON result, when it returned. */
  result?: unknown;
  /** Error type (`name`) thrown by the handler, when it threw. */
  error?: string;
}

/**
 * A {@link TaskCall} whose payload is copied (as Lambda's JSON round trip would) when first read. `source` must not
 * change after the call: the fast executor's state data never does (sim/aslInterpreter.ts builds new values, and each
 * handler gets its own copy); for the reference executor the caller passes a copy made at the call.
 */
class RecordedCall implements TaskCall {
  #source: unknown;
  #payload: unknown;
  #copied = false;
  result?: unknown;
  error?: string;
  constructor(
    readonly state: string,
    readonly functionArn: string,
    source: unknown,
  ) {
    this.#source = source;
  }
  get payload(): unknown {
    if (!this.#copied) {
      this.#payload = jsonCopy(this.#source).value;
      this.#source = undefined;
      this.#copied = true;
    }
    return this.#payload;
  }
}

/** One retry the execution made. */
export interface RetryRecord {
  readonly state: string;
  /** Error name that triggered the retry. */
  readonly error: string;
  /** 1 for the first retry of that retrier. */
  readonly attempt: number;
  /** Interval Step Functions would wait before this retry (no jitter), in seconds. */
  readonly delaySeconds: number;
}

/** Outcome of {@link runStateMachine}. */
export interface ExecutionResult {
  readonly status: "SUCCEEDED" | "FAILED" | "TIMED_OUT";
  /** Execution output (SUCCEEDED only). */
  readonly output?: unknown;
  /** Error name of a failed execution (the Fail state's `Error`, or an uncaught error's name). */
  readonly error?: string;
  /** Cause of a failed execution; for Lambda errors the JSON string `{"errorMessage","errorType"}`. */
  readonly cause?: string;
  /** Seconds requested by each Wait state, in order. */
  readonly waits: readonly number[];
  readonly retries: readonly RetryRecord[];
  readonly taskCalls: readonly TaskCall[];
  /** Names of the states entered, in order (retries are not repeated). */
  readonly states: readonly string[];
}

/**
 * Task timeout the harness gives a Lambda Task state that sets none. Step Functions has no default Task timeout
 * ("By default, the Amazon States Language doesn't specify timeouts",
 * https://docs.aws.amazon.com/step-functions/latest/dg/sfn-stuck-execution.html), but aws-local-stepfunctions fails a
 * Task after 60 s without one. A Lambda runs at most 900 s (its maximum timeout), so this limit never ends a Task
 * before the function's own timeout does (sim/lambdaRuntime.ts).
 */
export const LAMBDA_MAX_TIMEOUT_SECONDS = 900;

/** Step Functions' payload quota for state input and output. */
export const PAYLOAD_LIMIT_BYTES = 256 * 1024;

/**
 * What {@link runStateMachine} works out once per definition object: the library's machine (validated once) and the
 * states the harness binds. Definitions are treated as immutable once run (the simulator builds each machine's once).
 */
interface Prepared {
  /** The lowered definition's JSON text, as checked by asl-validator (the library's machine is built on first use). */
  readonly text: string;
  machine?: StateMachine;
  /** The fast executor's compiled machine, built on first use. */
  fast?: CompiledMachine;
  /**
   * The definition the fast executor compiles: SecondsPath Waits kept (it runs them itself), the harness's Task
   * timeouts set as in the lowered one.
   */
  readonly fastDefinition: object;
  readonly tasks: Map<string, TaskStyle>;
  readonly waitStates: Map<string, number>;
  readonly retryIntervalOverrides: Record<string, number>;
  readonly staticArns: readonly { state: string; arn: string }[];
  /** Wait states with `SecondsPath`, rewritten as local Tasks (sim/secondsPathWaits.ts). */
  readonly secondsPathWaits: ReadonlySet<string>;
}
const prepared = new WeakMap<object, Prepared>();

const LAMBDA_INVOKE_RESOURCES = new Set(["arn:aws:states:::lambda:invoke"]);
const BARE_LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:/;

interface AnyState {
  Type?: string;
  SecondsPath?: string;
  Resource?: string;
  Parameters?: Record<string, unknown>;
  Seconds?: number;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  Retry?: unknown[];
  Branches?: { States?: Record<string, AnyState> }[];
  ItemProcessor?: { States?: Record<string, AnyState> };
  Iterator?: { States?: Record<string, AnyState> };
}

/** An error as a Lambda function reports it to Step Functions. */
class LambdaFunctionError extends Error {
  constructor(errorType: string, errorMessage: string) {
    super(JSON.stringify({ errorMessage, errorType }));
    this.name = errorType;
  }
}

/** `States.DataLimitExceeded`: terminal, neither retried nor caught by `States.ALL` (as on AWS). */
class DataLimitExceededError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "States.DataLimitExceeded";
  }
  // aws-local-stepfunctions reads these flags from its own RuntimeError subclasses.
  get isRetryable(): boolean {
    return false;
  }
  get isCatchable(): boolean {
    return false;
  }
}

/**
 * Executions run and states entered (Map iterations' and Parallel branches' included) by {@link runStateMachine} in
 * this process, for the bench's floor figures (bench/floor.ts). Counting only: nothing reads it to decide anything.
 */
export const executorCounts = { executions: 0, states: 0 };

/**
 * Executes `definition` with Task states bound to `options.handlers`. Resolves with the outcome for SUCCEEDED and
 * FAILED executions alike; rejects only when the definition is invalid or a Task has no handler (a setup mistake,
 * never an execution outcome).
 */
export function runStateMachine(definition: object, options: RunStateMachineOptions): Promise<ExecutionResult> {
  try {
    polyfillPromiseWithResolvers();
    installFastJsonPath();
    const p = prepare(definition);
    const executor = options.executor ?? "reference";
    if (executor !== "fast" && executor !== "reference") {
      throw new Error(`runStateMachine: unknown executor ${JSON.stringify(executor)}`);
    }
    const fast = executor === "fast";
    const taskCalls: TaskCall[] = [];
    const waits: number[] = [];
    const localHandlers = bindHandlers(p, options, fast, taskCalls);
    const hook = options.onWait ?? options.waitTimeOverride;
    if (fast) return runFast(p, options, localHandlers, taskCalls, waits, hook);
    for (const name of p.secondsPathWaits) {
      localHandlers[name] = secondsPathWaitHandler(name, hook, (seconds) => waits.push(seconds)) as never;
    }
    return runReference(p, options, localHandlers, taskCalls, waits, hook);
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * The local handler of each Lambda Task state of `p`: calls `options.handlers[FunctionName]` as the Lambda
 * integration does (see the module comment) and records the call in `taskCalls`. Throws when a Task's function has
 * no handler.
 */
function bindHandlers(
  p: Prepared,
  options: RunStateMachineOptions,
  fast: boolean,
  taskCalls: TaskCall[],
): LocalHandlers {
  const localHandlers: LocalHandlers = {};
  for (const [stateName, style] of p.tasks) {
    // Not an async function: one promise per call (the handler's, chained once), not three.
    localHandlers[stateName] = (input: unknown): Promise<never> => {
      const invoke = style === "invoke";
      const functionArn = invoke ? String((input as { FunctionName?: unknown }).FunctionName) : style.arn;
      let call: TaskCall;
      let pending: Promise<unknown>;
      try {
        const payload = invoke ? ((input as { Payload?: unknown }).Payload ?? null) : input;
        // The handler gets its own copy (a handler may change its input), as Lambda's JSON round trip gives it; the
        // record copies the payload only if someone reads it (tests and RPL_SIM_DEBUG do; the simulator does not).
        const handlerInput = jsonCopy(payload).value;
        call = new RecordedCall(stateName, functionArn, fast ? payload : jsonCopy(payload).value);
        taskCalls.push(call);
        const handler = options.handlers[functionArn];
        if (!handler) {
          call.error = "Lambda.ResourceNotFoundException";
          throw new LambdaFunctionError(call.error, `Function not found: ${functionArn}`);
        }
        pending = handler(handlerInput);
      } catch (err) {
        return Promise.reject(err);
      }
      const failed = (err: unknown): never => {
        call.error = errorType(err);
        throw new LambdaFunctionError(call.error, err instanceof Error ? err.message : String(err));
      };
      return pending.then((out) => {
        let result: unknown;
        let size: number;
        try {
          ({ value: result, maxBytes: size } = jsonCopy(out));
        } catch (err) {
          return failed(err);
        }
        call.result = result;
        // The exact size only when the bound says it could be over the limit.
        if (size > PAYLOAD_LIMIT_BYTES) size = Buffer.byteLength(jsonText(result));
        if (size > PAYLOAD_LIMIT_BYTES) {
          throw new DataLimitExceededError(
            `${stateName}: the result of ${functionArn} is ${size} bytes, over the ${PAYLOAD_LIMIT_BYTES}-byte limit`,
          );
        }
        return (invoke ? { ExecutedVersion: "$LATEST", Payload: result, StatusCode: 200 } : result) as never;
      }, failed);
    };
  }
  for (const [stateName, style] of p.tasks) {
    if (style !== "invoke" && !options.handlers[style.arn]) {
      throw new Error(`runStateMachine: no handler for ${style.arn} (Task state "${stateName}")`);
    }
  }
  for (const arn of p.staticArns) {
    if (!options.handlers[arn.arn])
      throw new Error(`runStateMachine: no handler for ${arn.arn} (Task state "${arn.state}")`);
  }
  return localHandlers;
}

/** {@link runStateMachine} with the reference executor (aws-local-stepfunctions). */
async function runReference(
  p: Prepared,
  options: RunStateMachineOptions,
  localHandlers: LocalHandlers,
  taskCalls: TaskCall[],
  waits: number[],
  hook: RunStateMachineOptions["onWait"],
): Promise<ExecutionResult> {
  const { waitStates, retryIntervalOverrides: noRetryDelays } = p;
  const machine = libraryMachine(p);
  // The library reads `waitTimeOverrides[stateName]` exactly when a Wait state runs; answering through a Proxy lets
  // the caller advance its virtual clock at that moment, before the next state executes.
  const waitTimeOverrides = new Proxy({} as Record<string, number>, {
    get(_target, key) {
      if (typeof key !== "string") return undefined;
      const seconds = waitStates.get(key);
      if (seconds === undefined) return undefined;
      waits.push(seconds);
      const ms = hook?.(seconds, key);
      return typeof ms === "number" ? ms : 0;
    },
  });
  const retryIntervalOverrides = options.realRetryDelays ? {} : noRetryDelays;
  const recorder = new EventRecorder();
  const runOptions: RunOptions & RecorderOption = {
    overrides: { taskResourceLocalHandlers: localHandlers, waitTimeOverrides, retryIntervalOverrides },
    [RECORDER]: recorder,
  };
  const execution = machine.run(toJson(options.input ?? {}) as never, runOptions);
  const { states, retries } = recorder;
  executorCounts.executions++;

  let result: ExecutionResult;
  try {
    const output = await execution.result;
    result = { status: "SUCCEEDED", output, waits, retries, taskCalls, states };
  } catch (err) {
    const failed = recorder.failed;
    const name = errorType(err);
    if (name === "ExecutionTimeoutError") {
      result = { status: "TIMED_OUT", error: "States.Timeout", waits, retries, taskCalls, states };
    } else if (name === "ExecutionError") {
      // The library wraps the state's error; its `cause` carries the Fail state's Error (name) and Cause (message).
      const inner = (err as { cause?: { name?: string; message?: string } }).cause;
      result = {
        status: "FAILED",
        error: String(failed?.Error ?? inner?.name ?? "Error"),
        cause: typeof inner?.message === "string" ? inner.message : String(failed?.Cause ?? ""),
        waits,
        retries,
        taskCalls,
        states,
      };
    } else {
      throw err;
    }
  }
  executorCounts.states += states.length;
  return result;
}

/**
 * The library's machine for `definition` and the states the harness binds, built on the first run of that definition
 * object. The library validates a definition with asl-validator, which compiles its JSON schema on every call (about
 * half a second); a definition is validated once per process, and not at all when the same text was found valid
 * before (sim/aslVerdicts.ts). Each machine runs a private clone: the validator writes defaults into the definition.
 */
function prepare(definition: object): Prepared {
  const hit = prepared.get(definition);
  if (hit) return hit;
  const def = structuredClone(definition) as StateMachineDefinition;
  const states = def as unknown as { States?: Record<string, AnyState> };
  const fastDefinition = structuredClone(definition) as { States?: Record<string, AnyState> };
  collectStates(fastDefinition, true);
  const secondsPathWaits = lowerSecondsPathWaits(states);
  const { tasks, waits: waitStates, retryable } = collectStates(states);
  const text = JSON.stringify(def);
  const p: Prepared = {
    text,
    fastDefinition,
    tasks,
    waitStates,
    retryIntervalOverrides: Object.fromEntries([...retryable].map((name) => [name, 0])),
    staticArns: staticFunctionArns(states),
    secondsPathWaits,
  };
  prepared.set(definition, p);
  return p;
}

/** The library's machine of a prepared definition, validated (once per text, sim/aslVerdicts.ts) on first use. */
function libraryMachine(p: Prepared): StateMachine {
  if (p.machine) return p.machine;
  const known = isKnownValid(p.text);
  // The validator writes defaults into the definition it checks: the library gets its own copy of the text.
  const def = JSON.parse(p.text) as StateMachineDefinition;
  const machine = new (referenceLibrary().StateMachine)(
    def,
    known ? { validationOptions: { noValidate: true } } : undefined,
  );
  if (!known) rememberValid(p.text);
  recordDirectly(machine);
  p.machine = machine;
  return machine;
}

/**
 * aws-local-stepfunctions, loaded on the first run of the reference executor: the simulator runs the fast one, and
 * loading the library (with asl-validator, Ajv, jsonata and the Lambda SDK client it depends on) costs a process about
 * 0.1 s of CPU at start-up (docs/performance.md). Loaded synchronously, so the first reference run takes as many
 * asynchronous steps as every other.
 */
function referenceLibrary(): typeof import("aws-local-stepfunctions") {
  referenceModule ??= require("aws-local-stepfunctions") as typeof import("aws-local-stepfunctions");
  return referenceModule;
}
let referenceModule: typeof import("aws-local-stepfunctions") | undefined;

/**
 * {@link runStateMachine} with the fast executor (sim/aslInterpreter.ts): the same local handlers, waits and records,
 * and the same outcome. A definition outside the interpreter's subset is rejected here, naming the state and field,
 * before anything runs. Wait states with SecondsPath run as Waits (the interpreter reads the path), not lowered.
 */
function runFast(
  p: Prepared,
  options: RunStateMachineOptions,
  localHandlers: LocalHandlers,
  taskCalls: TaskCall[],
  waits: number[],
  hook: RunStateMachineOptions["onWait"],
): Promise<ExecutionResult> {
  p.fast ??= compileDefinition(p.fastDefinition);
  const states: string[] = [];
  const retries: RetryRecord[] = [];
  const hooks: InterpreterHooks = {
    handlers: localHandlers as unknown as InterpreterHooks["handlers"],
    waitMs(_name, seconds) {
      waits.push(seconds);
      const ms = hook?.(seconds, _name);
      return typeof ms === "number" ? ms : 0;
    },
    noRetryDelays: !options.realRetryDelays,
    ...(options.handlersSettleWithinMs !== undefined ? { handlersSettleWithinMs: options.handlersSettleWithinMs } : {}),
    entered: states,
    onRetried(name, r, attempt, error) {
      const base = (r.IntervalSeconds ?? 1) * (r.BackoffRate ?? 2) ** (attempt - 1);
      retries.push({
        state: name,
        error,
        attempt,
        delaySeconds: Math.min(base, r.MaxDelaySeconds ?? Number.POSITIVE_INFINITY),
      });
    },
  };
  executorCounts.executions++;
  return runCompiled(p.fast, toJson(options.input ?? {}), hooks).then(
    (output): ExecutionResult => {
      executorCounts.states += states.length;
      return { status: "SUCCEEDED", output, waits, retries, taskCalls, states };
    },
    (err: unknown): ExecutionResult => {
      executorCounts.states += states.length;
      return {
        status: "FAILED",
        error: errorType(err),
        cause: err instanceof Error ? err.message : String(err),
        waits,
        retries,
        taskCalls,
        states,
      };
    },
  );
}

/** The run option through which {@link runStateMachine} hands an execution its {@link EventRecorder}. */
const RECORDER = Symbol("rpl.eventRecorder");
type RecorderOption = { [RECORDER]?: EventRecorder };

/** A library event the recorder reads (the fields of aws-local-stepfunctions' event log entries it uses). */
interface LibraryEvent {
  type: string;
  state?: { name: string };
  Error?: unknown;
  Cause?: unknown;
  retry?: { retrier: { IntervalSeconds?: number; BackoffRate?: number; MaxDelaySeconds?: number }; attempt: number };
}

/**
 * What the harness reads from an execution's event log (states entered, retries with the error that caused them, the
 * failure), recorded as the library dispatches each event instead of through its event log. The library's log
 * (`execution.eventLogs`) builds an `Event` per dispatch on an `EventTarget`, queues it and hands it out through an
 * async generator, one await per event: about 4 % of a simulation's CPU for three facts per execution
 * (docs/performance.md). The recorder implements the logger interface the library's states call
 * (`options.eventLogger`), keeps the log's rules (nothing after the execution ended, was aborted or timed out; events
 * of Map iterations and Parallel branches forwarded into the root's order), and reads the same fields as before.
 */
class EventRecorder {
  readonly states: string[] = [];
  readonly retries: RetryRecord[] = [];
  failed: { Error?: unknown; Cause?: unknown } | undefined;
  readonly #lastError = new Map<string, string>();
  #closed = false;

  /** Called when the execution's abort signal fires (timeout or abort), where the library closes its log. */
  close(): void {
    this.#closed = true;
  }

  #record(e: LibraryEvent): void {
    if (this.#closed) return;
    if (e.type === "StateEntered" && e.state) this.states.push(e.state.name);
    else if (e.type === "StateFailed" && e.state) this.#lastError.set(e.state.name, String(e.Error));
    else if (e.type === "StateRetried" && e.state && e.retry) {
      const r = e.retry.retrier;
      const base = (r.IntervalSeconds ?? 1) * (r.BackoffRate ?? 2) ** (e.retry.attempt - 1);
      this.retries.push({
        state: e.state.name,
        error: this.#lastError.get(e.state.name) ?? "unknown",
        attempt: e.retry.attempt,
        delaySeconds: Math.min(base, r.MaxDelaySeconds ?? Number.POSITIVE_INFINITY),
      });
    } else if (e.type === "ExecutionFailed") this.failed = e;
  }

  dispatchExecutionStartedEvent(): void {}
  dispatchExecutionSucceededEvent(): void {
    this.#closed = true;
  }
  dispatchExecutionFailedEvent(error: Error & { cause?: unknown }): void {
    this.#record({ type: "ExecutionFailed", Error: error.name, Cause: error.cause ?? error.message });
    this.#closed = true;
  }
  dispatchExecutionAbortedEvent(): void {
    this.#closed = true;
  }
  dispatchExecutionTimeoutEvent(): void {
    this.#closed = true;
  }
  dispatchStateEnteredEvent(name: string): void {
    this.#record({ type: "StateEntered", state: { name } });
  }
  dispatchStateExitedEvent(): void {}
  dispatchStateFailedEvent(name: string, _type: string, _input: unknown, error: Error & { cause?: unknown }): void {
    this.#record({ type: "StateFailed", state: { name }, Error: error.name });
  }
  dispatchStateRetriedEvent(
    name: string,
    _type: string,
    _input: unknown,
    retrier: NonNullable<LibraryEvent["retry"]>["retrier"],
    attempt: number,
  ): void {
    this.#record({ type: "StateRetried", state: { name }, retry: { retrier, attempt } });
  }
  dispatchStateCaughtEvent(): void {}
  /** A Map iteration's event: its state events count as the root's, its execution events become iteration events. */
  forwardNestedMapEvent(event: LibraryEvent): void {
    this.#forwardNested(event);
  }
  forwardNestedParallelEvent(event: LibraryEvent): void {
    this.#forwardNested(event);
  }
  #forwardNested(event: LibraryEvent): void {
    // The library re-dispatches a nested ExecutionStarted/Succeeded/Failed as an iteration or branch event (another
    // type) and drops nested aborts and timeouts; only state events keep their type.
    if (event.type.startsWith("State")) this.#record(event);
  }
}

/**
 * Makes `machine` dispatch its executions' events to the {@link EventRecorder} given in the run options, instead of
 * the library's event log. `run` calls the machine's own `execute(input, options, cleanup)` with the log as
 * `options.eventLogger`; an own `execute` swaps the recorder in. Checked against the library's shape, so a version
 * that works differently fails here rather than recording nothing.
 */
function recordDirectly(machine: StateMachine): void {
  type Execute = (
    input: unknown,
    options: { eventLogger?: unknown; abortSignal?: AbortSignal; runOptions?: RecorderOption },
    cleanup: () => void,
  ) => Promise<unknown>;
  const internal = machine as unknown as { execute: Execute };
  const original = internal.execute;
  if (typeof original !== "function" || original.length !== 3) {
    throw new Error("runStateMachine: aws-local-stepfunctions has no StateMachine.execute(input, options, cleanup)");
  }
  internal.execute = function (this: StateMachine, input, options, cleanup) {
    const recorder = options.runOptions?.[RECORDER];
    if (!recorder) return original.call(this, input, options, cleanup);
    if (!options.eventLogger || !options.abortSignal) {
      throw new Error("runStateMachine: aws-local-stepfunctions passed no eventLogger/abortSignal to execute");
    }
    options.abortSignal.addEventListener("abort", () => recorder.close(), { once: true });
    return original.call(this, input, { ...options, eventLogger: recorder }, cleanup);
  };
}

/** `errorMessage` of a Lambda error cause (`{"errorMessage","errorType"}`), else the cause itself. */
export function causeMessage(cause: string | undefined): string | undefined {
  if (cause === undefined) return undefined;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (parsed && typeof parsed === "object" && typeof parsed.errorMessage === "string") return parsed.errorMessage;
  } catch {
    // Not JSON: a Fail state's own Cause text.
  }
  return cause;
}

type TaskStyle = "invoke" | { arn: string };
type LocalHandlers = NonNullable<NonNullable<RunOptions["overrides"]>["taskResourceLocalHandlers"]>;

/**
 * The Lambda Task states (each given the harness's default timeout, see LAMBDA_MAX_TIMEOUT_SECONDS) and Wait states of
 * `machine`. `secondsPathWaits`: Waits with SecondsPath are expected (and skipped), else they must be lowered first.
 */
function collectStates(
  machine: { States?: Record<string, AnyState> },
  secondsPathWaits = false,
): {
  tasks: Map<string, TaskStyle>;
  waits: Map<string, number>;
  retryable: Set<string>;
} {
  const tasks = new Map<string, TaskStyle>();
  const waits = new Map<string, number>();
  const retryable = new Set<string>();
  const visit = (m: { States?: Record<string, AnyState> } | undefined) => {
    for (const [name, s] of Object.entries(m?.States ?? {})) {
      if (s.Retry) retryable.add(name);
      if (s.Type === "Task" && s.Resource === SECONDS_PATH_WAIT_RESOURCE) continue;
      if (s.Type === "Task") {
        const style: TaskStyle | undefined = LAMBDA_INVOKE_RESOURCES.has(s.Resource ?? "")
          ? "invoke"
          : BARE_LAMBDA_ARN.test(s.Resource ?? "")
            ? { arn: s.Resource ?? "" }
            : undefined;
        if (!style)
          throw new Error(`runStateMachine: Task state "${name}" uses ${s.Resource}; only Lambda tasks run locally`);
        const seen = tasks.get(name);
        if (seen && JSON.stringify(seen) !== JSON.stringify(style)) {
          throw new Error(`runStateMachine: two Task states named "${name}" invoke Lambdas differently`);
        }
        tasks.set(name, style);
        // AWS sets no Task timeout by default (a Lambda Task waits for the function, which its own timeout ends);
        // the library would fail it after 60 s (the States Language spec's default). See LAMBDA_MAX_TIMEOUT_SECONDS.
        if (s.TimeoutSeconds === undefined && s.TimeoutSecondsPath === undefined)
          s.TimeoutSeconds = LAMBDA_MAX_TIMEOUT_SECONDS;
      } else if (s.Type === "Wait") {
        if (secondsPathWaits && typeof s.SecondsPath === "string") continue;
        if (typeof s.Seconds !== "number") {
          throw new Error(
            `runStateMachine: Wait state "${name}" must use Seconds (SecondsPath/Timestamp cannot drive a virtual clock)`,
          );
        }
        const seen = waits.get(name);
        if (seen !== undefined && seen !== s.Seconds)
          throw new Error(`runStateMachine: two Wait states named "${name}" wait differently`);
        waits.set(name, s.Seconds);
      }
      for (const b of s.Branches ?? []) visit(b);
      visit(s.ItemProcessor ?? s.Iterator);
    }
  };
  visit(machine);
  return { tasks, waits, retryable };
}

function staticFunctionArns(machine: { States?: Record<string, AnyState> }): { state: string; arn: string }[] {
  const out: { state: string; arn: string }[] = [];
  const visit = (m: { States?: Record<string, AnyState> } | undefined) => {
    for (const [name, s] of Object.entries(m?.States ?? {})) {
      const fn = s.Parameters?.FunctionName;
      if (s.Type === "Task" && LAMBDA_INVOKE_RESOURCES.has(s.Resource ?? "") && typeof fn === "string")
        out.push({ state: name, arn: fn });
      for (const b of s.Branches ?? []) visit(b);
      visit(s.ItemProcessor ?? s.Iterator);
    }
  };
  visit(machine);
  return out;
}

/** What a Node.js Lambda reports as `errorType`: the thrown error's `name`. */
function errorType(err: unknown): string {
  if (err && typeof err === "object" && "name" in err && typeof err.name === "string" && err.name) return err.name;
  return "Error";
}

/** A value as it looks after Lambda's JSON round trip (Dates become strings, undefined fields disappear). */
function toJson(value: unknown): unknown {
  return jsonCopy(value).value;
}

/** The JSON text Lambda would carry for `value` (`null` for undefined). */
function jsonText(value: unknown): string {
  return value === undefined ? "null" : JSON.stringify(value);
}

/** Thrown inside {@link copyPlain} at a value only `JSON.stringify` itself can say how to write. */
const NOT_PLAIN: unique symbol = Symbol("rpl.notPlainJson");
/** Nesting beyond which {@link copyPlain} hands the value to `JSON.stringify` (which reports a cycle as it does). */
const MAX_PLAIN_DEPTH = 100;

/**
 * `value` after Lambda's JSON round trip, `JSON.parse(jsonText(value))`, and a bound on the UTF-8 size of its JSON
 * text (at least `Buffer.byteLength(jsonText(value))`). Data that is already plain JSON (objects of `Object.prototype`
 * and arrays of it, strings, numbers, booleans, null: what the executors' state data and the handlers' summaries are)
 * is copied directly, without writing and parsing its text (the largest cost of a Task in the simulator,
 * docs/performance.md); anything else (a Date, `undefined`, a `toJSON`, a BigInt, a cycle...) takes the round trip
 * itself, so the value, or the error thrown, is always the round trip's. Non-finite numbers become null and -0 becomes
 * 0, as in JSON text.
 */
export function jsonCopy(value: unknown): { value: unknown; maxBytes: number } {
  const size = { bytes: 0 };
  try {
    return { value: copyPlain(value, 0, size), maxBytes: size.bytes };
  } catch (err) {
    if (err !== NOT_PLAIN) throw err;
  }
  const text = jsonText(value);
  return { value: JSON.parse(text), maxBytes: Buffer.byteLength(text) };
}

/**
 * {@link jsonCopy} of plain JSON data, adding to `size.bytes` a bound on its JSON text's UTF-8 size: a string's code
 * unit takes at most 6 bytes (an escape `\\uXXXX`), a number at most 25, a literal 5, and each bracket, quote, colon and
 * comma 1. Throws {@link NOT_PLAIN} at anything else.
 */
function copyPlain(v: unknown, depth: number, size: { bytes: number }): unknown {
  switch (typeof v) {
    case "string":
      size.bytes += 6 * v.length + 2;
      return v;
    case "number":
      size.bytes += 25;
      return Number.isFinite(v) ? (v === 0 ? 0 : v) : null;
    case "boolean":
      size.bytes += 5;
      return v;
    case "object": {
      if (v === null) {
        size.bytes += 4;
        return null;
      }
      if (depth >= MAX_PLAIN_DEPTH || typeof (v as { toJSON?: unknown }).toJSON === "function") throw NOT_PLAIN;
      const proto = Object.getPrototypeOf(v);
      if (proto === Array.prototype) {
        const a = v as unknown[];
        const n = a.length;
        const out = new Array<unknown>(n);
        size.bytes += 2 + n;
        for (let i = 0; i < n; i++) {
          const x = a[i];
          // JSON writes null for a hole, undefined, a function or a symbol in an array.
          out[i] = x === undefined ? null : copyPlain(x, depth + 1, size);
        }
        return out;
      }
      if (proto !== Object.prototype) throw NOT_PLAIN;
      const o = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      size.bytes += 2;
      for (const k of Object.keys(o)) {
        const x = o[k];
        // JSON leaves out a field whose value is undefined (or a function or symbol: handed to the round trip).
        if (x === undefined) continue;
        size.bytes += 6 * k.length + 4;
        const c = copyPlain(x, depth + 1, size);
        if (k === "__proto__")
          Object.defineProperty(out, k, { value: c, writable: true, enumerable: true, configurable: true });
        else out[k] = c;
      }
      return out;
    }
    default:
      // undefined at the top, a function, a symbol, a BigInt: JSON's own rules (and errors).
      throw NOT_PLAIN;
  }
}

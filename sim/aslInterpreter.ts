/**
 * The simulator's fast executor: a direct interpreter for exactly the part of the Amazon States Language (JSONPath
 * query language) that the shipped definitions use (components/shared/stateMachines.ts, sweepMachine.ts,
 * restoreStateMachine.ts), selected with `executor: "fast"` in sim/localStepFunctions.ts `runStateMachine`.
 * aws-local-stepfunctions stays the reference executor; tests/sim/aslInterpreter.test.ts runs every shipped
 * definition under both and asserts identical outcomes.
 *
 * What it implements (spec: https://states-language.net/spec.html; AWS developer guide pages cited where a rule is
 * applied):
 * - States: Task (Lambda, bound to the harness's local handlers), Pass (Result, Parameters), Choice, Wait (Seconds,
 *   or SecondsPath, read as the Task the reference runs in its place reads it, sim/secondsPathWaits.ts), Succeed,
 *   Fail (Error/Cause or ErrorPath/CausePath), Map (ItemsPath, ItemSelector, MaxConcurrency, ItemProcessor; ProcessorConfig is not read:
 *   both modes run the same definition, see sweepMachine.ts).
 * - Input and output processing in the spec's order: InputPath, Parameters, (the state's work), ResultSelector,
 *   ResultPath, OutputPath ("Input and Output Processing",
 *   https://docs.aws.amazon.com/step-functions/latest/dg/concepts-input-output-filtering.html). ResultPath `null`
 *   keeps the raw input; `$.a.b` writes the result at that path of a copy of the raw input, which must be an object
 *   (else States.ResultPathMatchFailure).
 * - Paths: `$`, `$.name.name...` and `$$.`-context paths (Execution.Input, Map.Item.Value/Index); a path that names
 *   nothing fails the state with States.Runtime; `IsPresent` is the one test that reads a missing path.
 * - Intrinsic function States.MathAdd(a, b) with numeric paths or literals.
 * - Retry: the first retrier whose ErrorEquals names the error (or States.ALL; States.TaskFailed for a Task error
 *   that is not States.Timeout) retries after IntervalSeconds x BackoffRate^(attempt-1), capped by MaxDelaySeconds, a
 *   random time between 0 and that with JitterStrategy FULL (the CDK's JitterType,
 *   https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_stepfunctions.JitterType.html), while its MaxAttempts
 *   last; then Catch, whose
 *   ResultPath places `{ Error, Cause }` in the raw input ("Handling errors in Step Functions workflows",
 *   https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html). Errors whose
 *   `isRetryable`/`isCatchable` is false (States.Runtime, States.DataLimitExceeded: "States.ALL ... cannot catch
 *   the States.DataLimitExceeded terminal error or Runtime error types", same page) are neither retried nor caught.
 * - Fail: Error and Cause, or ErrorPath and CausePath selecting strings ("Fail workflow state",
 *   https://docs.aws.amazon.com/step-functions/latest/dg/state-fail.html).
 * - Choice rules: And, Or, Not, IsPresent, IsNumeric, IsString, IsBoolean, IsNull, Numeric{Equals,LessThan,
 *   GreaterThan,LessThanEquals,GreaterThanEquals}[Path], StringEquals, BooleanEquals; rules tried in order, else
 *   Default, else States.NoChoiceMatched ("Choice workflow state",
 *   https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html).
 *
 * Anything else in a definition (another state type, field, path syntax, intrinsic, operator) is rejected when the
 * definition is compiled, with the state and field named: never run differently from the reference.
 *
 * Order of work: the states of an execution run in one synchronous loop (`runMachine`); it awaits only where virtual
 * time can pass: once per Task (its handler), per Wait and per retry interval (a virtual timer; none for 0 ms) and per
 * Map (its iterations). Pass, Choice, Succeed, Fail and the input/output processing of every state take no
 * asynchronous step. A Task arms a States.Timeout timer only when its handler might outlast TimeoutSeconds (the
 * caller states a bound, {@link InterpreterHooks.handlersSettleWithinMs}: the simulator's Lambdas end at their
 * function timeout, sim/lambdaRuntime.ts). A Map runs its iterations on MaxConcurrency workers that take the items in
 * order; its first failure fails it, starts no further item and aborts the running ones (a pending sleep ends at
 * once; each stops at its next await), as Step Functions stops a failed Map's iterations. Jitter draws are the
 * reference's: one per FULL retrier examined, matching or not. So one execution takes the reference's path and makes
 * the same calls and draws at the same virtual times; concurrent executions and Map iterations may reach their
 * Lambdas (and `Math.random`) in another order at one virtual instant than under the reference, which takes a fixed
 * number of asynchronous steps per state (tests/sim/aslInterpreter.test.ts compares Map definitions as multisets;
 * tests/sim/executorReports.test.ts compares whole simulations). Left out of the reference's work: deep copies of
 * state data, JSONPath parsing, event objects and their async log, AbortControllers and class instances per state,
 * a Promise.race and a timer per Task.
 */
import { evaluatePlainPath, plainPathSegments } from "./fastJsonPath";

/** A definition outside the interpreter's subset: names the state and field. */
export class AslSubsetError extends Error {
  constructor(state: string, field: string, detail: string) {
    super(`fast executor: state "${state}" field ${field}: ${detail}`);
    this.name = "AslSubsetError";
  }
}

/** An error raised by the interpreter itself (States.Runtime and friends), with the reference's flags. */
export class StatesError extends Error {
  constructor(
    name: string,
    message: string,
    readonly isRetryable = true,
    readonly isCatchable = true,
  ) {
    super(message);
    this.name = name;
  }
}

const runtimeError = (message: string) => new StatesError("States.Runtime", message, false, false);

/** What an execution needs from its caller (sim/localStepFunctions.ts). */
export interface InterpreterHooks {
  /** Task handlers by state name, the reference's `taskResourceLocalHandlers`. */
  readonly handlers: Readonly<Record<string, (input: unknown) => Promise<unknown>>>;
  /**
   * A Wait state runs, for `seconds` (its Seconds, or the value at its SecondsPath): the milliseconds to sleep (the
   * reference's `waitTimeOverrides` read; 0: none).
   */
  waitMs(stateName: string, seconds: number): number;
  /** True: every retry interval is 0 (the reference's `retryIntervalOverrides` of 0 per state). */
  readonly noRetryDelays: boolean;
  /**
   * A bound, in (virtual) milliseconds, within which every handler's promise settles, if the caller knows one (the
   * simulator's Lambdas: their function timeout, sim/lambdaRuntime.ts). A Task whose TimeoutSeconds is at least that
   * arms no timeout timer: it could never fire first.
   */
  readonly handlersSettleWithinMs?: number;
  /** The names of the states entered, in order (retries are not repeated): the interpreter appends to it. */
  readonly entered: string[];
  onRetried(name: string, retrier: CompiledRetrier, attempt: number, error: string): void;
}

type Json = unknown;
type Ctx = Record<string, unknown>;
type Getter = (input: Json, ctx: Ctx) => Json;

/** A compiled `Retry` entry. */
export interface CompiledRetrier {
  readonly errorEquals: readonly string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  readonly jitterFull: boolean;
}

interface Catcher {
  readonly errorEquals: readonly string[];
  readonly next: string;
  readonly resultPath: ResultPath;
}

/** `undefined`: field absent; `null`: discard the result; else the path's segments. */
type ResultPath = undefined | null | readonly string[];

type Rule = (input: Json, ctx: Ctx) => boolean;

interface State {
  readonly name: string;
  readonly type: "Task" | "Pass" | "Choice" | "Wait" | "Succeed" | "Fail" | "Map";
  readonly next: string;
  readonly end: boolean;
  readonly inputPath: undefined | null | Getter;
  readonly parameters?: Getter;
  readonly resultSelector?: Getter;
  readonly hasResultPath: boolean;
  readonly resultPath: ResultPath;
  readonly outputPath: undefined | null | Getter;
  readonly retry?: readonly CompiledRetrier[];
  /** A 0 per retrier: what each entry into the state starts counting its attempts from (copied). */
  readonly retryZeros?: readonly number[];
  readonly catch?: readonly Catcher[];
  // Type-specific
  readonly timeoutMs?: number;
  readonly result?: Json;
  /** A Wait's Seconds; undefined: it reads {@link State.secondsPath}. */
  readonly seconds?: number;
  readonly secondsPath?: Getter;
  readonly choices?: readonly { test: Rule; next: string }[];
  readonly default?: string;
  readonly failError?: Getter;
  readonly failCause?: Getter;
  readonly itemsPath?: Getter;
  readonly itemsPathText?: string;
  readonly itemSelector?: Getter;
  readonly maxConcurrency?: number;
  readonly processor?: CompiledMachine;
}

/** A definition compiled by {@link compileDefinition}. */
export interface CompiledMachine {
  readonly startAt: string;
  readonly states: ReadonlyMap<string, State>;
}

const COMMON = ["Type", "Comment"];
const ALLOWED: Record<string, readonly string[]> = {
  Task: [
    ...COMMON,
    "Resource",
    "Parameters",
    "ResultSelector",
    "ResultPath",
    "OutputPath",
    "InputPath",
    "Retry",
    "Catch",
    "Next",
    "End",
    "TimeoutSeconds",
  ],
  Pass: [...COMMON, "Result", "Parameters", "ResultPath", "OutputPath", "InputPath", "Next", "End"],
  Choice: [...COMMON, "Choices", "Default", "InputPath", "OutputPath"],
  Wait: [...COMMON, "Seconds", "SecondsPath", "InputPath", "OutputPath", "Next", "End"],
  Succeed: [...COMMON, "InputPath", "OutputPath"],
  Fail: [...COMMON, "Error", "Cause", "ErrorPath", "CausePath"],
  Map: [
    ...COMMON,
    "ItemsPath",
    "ItemSelector",
    "MaxConcurrency",
    "ItemProcessor",
    "ResultSelector",
    "ResultPath",
    "OutputPath",
    "InputPath",
    "Next",
    "End",
  ],
};
const RETRIER_FIELDS = [
  "ErrorEquals",
  "IntervalSeconds",
  "MaxAttempts",
  "BackoffRate",
  "MaxDelaySeconds",
  "JitterStrategy",
];
const CATCHER_FIELDS = ["ErrorEquals", "Next", "ResultPath"];

/**
 * Compiles `definition` (JSONPath ASL, SecondsPath Waits already lowered); throws {@link AslSubsetError} naming the
 * state and field for anything outside the subset. `inMap`: the definition is a Map's ItemProcessor.
 */
export function compileDefinition(definition: object, inMap = false, where = "(machine)"): CompiledMachine {
  const def = definition as Record<string, unknown>;
  for (const k of Object.keys(def)) {
    if (!["Comment", "StartAt", "States", "ProcessorConfig"].includes(k) || (k === "ProcessorConfig" && !inMap)) {
      throw new AslSubsetError(where, k, "unsupported top-level field");
    }
  }
  if (typeof def.StartAt !== "string") throw new AslSubsetError(where, "StartAt", "missing");
  const raw = def.States as Record<string, Record<string, unknown>> | undefined;
  if (!raw || typeof raw !== "object") throw new AslSubsetError(where, "States", "missing");
  const states = new Map<string, State>();
  for (const [name, s] of Object.entries(raw)) states.set(name, compileState(name, s, inMap));
  const check = (from: string, field: string, to: string | undefined) => {
    if (to !== undefined && to !== "" && !states.has(to)) throw new AslSubsetError(from, field, `no state "${to}"`);
  };
  if (!states.has(def.StartAt)) throw new AslSubsetError(where, "StartAt", `no state "${def.StartAt}"`);
  for (const s of states.values()) {
    check(s.name, "Next", s.next);
    check(s.name, "Default", s.default);
    for (const c of s.choices ?? []) check(s.name, "Choices[].Next", c.next);
    for (const c of s.catch ?? []) check(s.name, "Catch[].Next", c.next);
  }
  return { startAt: def.StartAt, states };
}

function compileState(name: string, s: Record<string, unknown>, inMap: boolean): State {
  const type = s.Type as State["type"];
  const allowed = ALLOWED[type as string];
  if (!allowed) throw new AslSubsetError(name, "Type", `unsupported state type ${JSON.stringify(s.Type)}`);
  for (const k of Object.keys(s)) {
    if (!allowed.includes(k)) throw new AslSubsetError(name, k, `unsupported on a ${type} state`);
  }
  const path = (field: string): Getter => {
    const v = s[field];
    if (typeof v !== "string") throw new AslSubsetError(name, field, "must be a path string");
    return compilePath(name, field, v, inMap);
  };
  const optPath = (field: string): undefined | null | Getter =>
    field in s ? (s[field] === null ? null : definedValue(path(field), s[field] as string)) : undefined;
  const next = s.Next;
  if (next !== undefined && typeof next !== "string") throw new AslSubsetError(name, "Next", "must be a string");
  if (s.End !== undefined && s.End !== true) throw new AslSubsetError(name, "End", "must be true");
  const terminal = type === "Choice" || type === "Succeed" || type === "Fail";
  if (!terminal && (next === undefined) === (s.End === undefined)) {
    throw new AslSubsetError(name, "Next", "exactly one of Next and End is required");
  }
  let resultPath: ResultPath;
  if ("ResultPath" in s) {
    const rp = s.ResultPath;
    if (rp === null) resultPath = null;
    else if (typeof rp === "string" && rp !== "$" && plainPathSegments(rp) && !/\[/.test(rp)) {
      resultPath = plainPathSegments(rp)!;
    } else throw new AslSubsetError(name, "ResultPath", `unsupported ${JSON.stringify(rp)} (null or $.name... only)`);
  }
  const base = {
    name,
    type,
    next: typeof next === "string" ? next : "",
    end: s.End === true,
    inputPath: optPath("InputPath"),
    ...("Parameters" in s ? { parameters: compileTemplate(name, "Parameters", s.Parameters, inMap) } : {}),
    ...("ResultSelector" in s
      ? { resultSelector: compileTemplate(name, "ResultSelector", s.ResultSelector, inMap) }
      : {}),
    hasResultPath: "ResultPath" in s,
    resultPath,
    outputPath: optPath("OutputPath"),
    ...("Retry" in s ? retryFields(compileRetry(name, s.Retry)) : {}),
    ...("Catch" in s ? { catch: compileCatch(name, s.Catch) } : {}),
  };
  switch (type) {
    case "Task": {
      const t = s.TimeoutSeconds;
      if (t !== undefined && (!Number.isInteger(t) || (t as number) < 1)) {
        throw new AslSubsetError(name, "TimeoutSeconds", "must be a whole number >= 1");
      }
      // The reference's default Task timeout (60 s) when none is set; the harness always sets one for Lambda Tasks.
      return { ...base, timeoutMs: ((t as number | undefined) || 60) * 1000 };
    }
    case "Pass":
      return "Result" in s ? { ...base, result: s.Result } : base;
    case "Wait":
      if (typeof s.SecondsPath === "string" && s.Seconds === undefined) {
        return { ...base, secondsPath: definedValue(path("SecondsPath"), s.SecondsPath) };
      }
      if (typeof s.Seconds !== "number" || s.SecondsPath !== undefined) {
        throw new AslSubsetError(name, "Seconds", "required (a number), or SecondsPath (a path) alone");
      }
      return { ...base, seconds: s.Seconds };
    case "Succeed":
      return base;
    case "Fail": {
      const text = (field: string): Getter | undefined => {
        const v = s[field];
        if (v === undefined) return undefined;
        if (typeof v !== "string") throw new AslSubsetError(name, field, "must be a string");
        return () => v;
      };
      const strPath = (field: string): Getter | undefined => {
        if (!(field in s)) return undefined;
        const g = definedValue(path(field), s[field] as string);
        return (input, ctx) => {
          const v = g(input, ctx);
          if (typeof v !== "string") {
            throw runtimeError(
              `Path expression '${s[field]}' evaluated to ${JSON.stringify(v)}, but expected a string`,
            );
          }
          return v;
        };
      };
      if (s.Error !== undefined && s.ErrorPath !== undefined) throw new AslSubsetError(name, "ErrorPath", "with Error");
      if (s.Cause !== undefined && s.CausePath !== undefined) throw new AslSubsetError(name, "CausePath", "with Cause");
      const failError = strPath("ErrorPath") ?? text("Error");
      const failCause = strPath("CausePath") ?? text("Cause");
      if (!failError || !failCause)
        throw new AslSubsetError(name, "Error/Cause", "both an error and a cause are required");
      return { ...base, failError, failCause };
    }
    case "Choice": {
      if (!Array.isArray(s.Choices) || s.Choices.length === 0) throw new AslSubsetError(name, "Choices", "required");
      const choices = (s.Choices as Record<string, unknown>[]).map((c, i) => {
        if (typeof c.Next !== "string") throw new AslSubsetError(name, `Choices[${i}].Next`, "required");
        const { Next: _n, ...rule } = c;
        return { test: compileRule(name, `Choices[${i}]`, rule, inMap), next: c.Next };
      });
      if (s.Default !== undefined && typeof s.Default !== "string") {
        throw new AslSubsetError(name, "Default", "must be a string");
      }
      return { ...base, choices, ...(typeof s.Default === "string" ? { default: s.Default } : {}) };
    }
    case "Map": {
      if (inMap) throw new AslSubsetError(name, "Type", "a Map inside a Map is not supported");
      const mc = s.MaxConcurrency ?? 0;
      if (!Number.isInteger(mc) || (mc as number) < 0) throw new AslSubsetError(name, "MaxConcurrency", "whole >= 0");
      const ip = s.ItemProcessor as Record<string, unknown> | undefined;
      if (!ip || typeof ip !== "object") throw new AslSubsetError(name, "ItemProcessor", "required");
      return {
        ...base,
        ...(s.ItemsPath !== undefined
          ? { itemsPath: definedValue(path("ItemsPath"), s.ItemsPath as string), itemsPathText: s.ItemsPath as string }
          : {}),
        ...(s.ItemSelector !== undefined
          ? { itemSelector: compileTemplate(name, "ItemSelector", s.ItemSelector, false, true) }
          : {}),
        maxConcurrency: mc as number,
        processor: compileDefinition(ip, true, `${name}.ItemProcessor`),
      };
    }
  }
  throw new AslSubsetError(name, "Type", "unsupported");
}

function retryFields(retry: CompiledRetrier[]): Pick<State, "retry" | "retryZeros"> {
  return { retry, retryZeros: retry.map(() => 0) };
}

function compileRetry(name: string, v: unknown): CompiledRetrier[] {
  if (!Array.isArray(v)) throw new AslSubsetError(name, "Retry", "must be an array");
  return v.map((r: Record<string, unknown>, i) => {
    for (const k of Object.keys(r)) {
      if (!RETRIER_FIELDS.includes(k)) throw new AslSubsetError(name, `Retry[${i}].${k}`, "unsupported");
    }
    const errorEquals = errorList(name, `Retry[${i}].ErrorEquals`, r.ErrorEquals);
    const num = (f: string) => {
      const x = r[f];
      if (x !== undefined && (typeof x !== "number" || x < 0))
        throw new AslSubsetError(name, `Retry[${i}].${f}`, ">= 0");
      return x as number | undefined;
    };
    if (r.JitterStrategy !== undefined && r.JitterStrategy !== "FULL" && r.JitterStrategy !== "NONE") {
      throw new AslSubsetError(name, `Retry[${i}].JitterStrategy`, "FULL or NONE");
    }
    const out: CompiledRetrier = {
      errorEquals,
      ...(num("IntervalSeconds") !== undefined ? { IntervalSeconds: num("IntervalSeconds") } : {}),
      ...(num("MaxAttempts") !== undefined ? { MaxAttempts: num("MaxAttempts") } : {}),
      ...(num("BackoffRate") !== undefined ? { BackoffRate: num("BackoffRate") } : {}),
      ...(num("MaxDelaySeconds") !== undefined ? { MaxDelaySeconds: num("MaxDelaySeconds") } : {}),
      jitterFull: r.JitterStrategy === "FULL",
    };
    return out;
  });
}

function compileCatch(name: string, v: unknown): Catcher[] {
  if (!Array.isArray(v)) throw new AslSubsetError(name, "Catch", "must be an array");
  return v.map((c: Record<string, unknown>, i) => {
    for (const k of Object.keys(c)) {
      if (!CATCHER_FIELDS.includes(k)) throw new AslSubsetError(name, `Catch[${i}].${k}`, "unsupported");
    }
    if (typeof c.Next !== "string") throw new AslSubsetError(name, `Catch[${i}].Next`, "required");
    let resultPath: ResultPath;
    if ("ResultPath" in c) {
      const rp = c.ResultPath;
      if (rp === null) resultPath = null;
      else if (typeof rp === "string" && rp !== "$" && plainPathSegments(rp) && !/\[/.test(rp)) {
        resultPath = plainPathSegments(rp)!;
      } else throw new AslSubsetError(name, `Catch[${i}].ResultPath`, `unsupported ${JSON.stringify(rp)}`);
    }
    return { errorEquals: errorList(name, `Catch[${i}].ErrorEquals`, c.ErrorEquals), next: c.Next, resultPath };
  });
}

function errorList(name: string, field: string, v: unknown): string[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every((e) => typeof e === "string")) {
    throw new AslSubsetError(name, field, "must be a non-empty array of error names");
  }
  return v as string[];
}

/** The context paths an iteration may read (its own input is read with `$`). */
const CONTEXT_PATHS = new Set(["$$.Execution.Input", "$$.Map.Item.Value", "$$.Map.Item.Index"]);

/**
 * A path getter: `$`, `$.a.b` on the input, or an allowed `$$.` context path. Missing values read as undefined;
 * callers that need a value use {@link definedValue}.
 */
function compilePath(state: string, field: string, p: string, inMap: boolean, inSelector = false): Getter {
  if (p.startsWith("$$")) {
    if (!CONTEXT_PATHS.has(p)) throw new AslSubsetError(state, field, `unsupported context path ${p}`);
    // Inside a Map iteration, AWS's $$.Execution.Input is the parent execution's input (inline mode) while the
    // reference runs each iteration as its own execution: the definitions send $.scope instead (sweepMachine.ts).
    if (inMap && p === "$$.Execution.Input") {
      throw new AslSubsetError(state, field, "$$.Execution.Input inside a Map iteration differs between executors");
    }
    if (p.startsWith("$$.Map.") && !inSelector) {
      throw new AslSubsetError(state, field, `${p} is only supported in a Map's ItemSelector`);
    }
    const segs = plainPathSegments(p.slice(1))!;
    return (_input, ctx) => evaluatePlainPath(segs, ctx);
  }
  const segs = plainPathSegments(p);
  if (!segs || p.includes("[")) throw new AslSubsetError(state, field, `unsupported path ${JSON.stringify(p)}`);
  if (segs.length === 0) return (input) => (input ? input : undefined);
  return (input) => evaluatePlainPath(segs, input);
}

/** `getter`'s value, or States.Runtime when the path names nothing (as the reference's DefinedValueConstraint). */
function definedValue(getter: Getter, text: string): Getter {
  return (input, ctx) => {
    const v = getter(input, ctx);
    if (v === undefined) throw runtimeError(`Path expression '${text}' does not point to a value`);
    return v;
  };
}

/** A payload template (Parameters, ResultSelector, ItemSelector) as a function of the input and context. */
function compileTemplate(state: string, field: string, t: unknown, inMap: boolean, inSelector = false): Getter {
  if (t === null || typeof t !== "object") return () => t;
  if (Array.isArray(t)) {
    const parts = t.map((v, i) => compileTemplate(state, `${field}[${i}]`, v, inMap, inSelector));
    return (input, ctx) => parts.map((p) => p(input, ctx));
  }
  const entries: { key: string; get: Getter }[] = [];
  for (const [key, value] of Object.entries(t as Record<string, unknown>)) {
    const f = `${field}.${key}`;
    if (key.endsWith(".$")) {
      if (typeof value !== "string") throw new AslSubsetError(state, f, "a .$ field must be a string");
      const out = key.slice(0, -2);
      if (value.startsWith("$")) {
        entries.push({ key: out, get: definedValue(compilePath(state, f, value, inMap, inSelector), value) });
      } else {
        entries.push({ key: out, get: compileIntrinsic(state, f, value, inMap) });
      }
    } else if (value !== null && typeof value === "object") {
      entries.push({ key, get: compileTemplate(state, f, value, inMap, inSelector) });
    } else {
      entries.push({ key, get: () => value });
    }
  }
  return (input, ctx) => {
    const o: Record<string, unknown> = {};
    for (const e of entries) o[e.key] = e.get(input, ctx);
    return o;
  };
}

/** `States.MathAdd(a, b)`, each argument a path or a number literal. */
function compileIntrinsic(state: string, field: string, text: string, inMap: boolean): Getter {
  const m = /^States\.MathAdd\(\s*([^,()]+?)\s*,\s*([^,()]+?)\s*\)$/.exec(text);
  if (!m) throw new AslSubsetError(state, field, `unsupported intrinsic function ${JSON.stringify(text)}`);
  const arg = (a: string, i: number): Getter => {
    if (a.startsWith("$")) return definedValue(compilePath(state, field, a, inMap), a);
    const n = Number(a);
    if (!/^-?\d+(\.\d+)?$/.test(a) || !Number.isFinite(n)) {
      throw new AslSubsetError(state, field, `States.MathAdd argument ${i + 1} must be a path or a number`);
    }
    return () => n;
  };
  const a = arg(m[1]!, 0);
  const b = arg(m[2]!, 1);
  return (input, ctx) => {
    const x = a(input, ctx);
    const y = b(input, ctx);
    for (const [i, v] of [x, y].entries()) {
      if (typeof v !== "number") {
        throw runtimeError(
          `Intrinsic function States.MathAdd expected argument ${i + 1} to be of type 'number', but received ${typeof v}`,
        );
      }
    }
    return (x as number) + (y as number);
  };
}

const NUMERIC = {
  NumericEquals: (a: number, b: number) => a === b,
  NumericLessThan: (a: number, b: number) => a < b,
  NumericGreaterThan: (a: number, b: number) => a > b,
  NumericLessThanEquals: (a: number, b: number) => a <= b,
  NumericGreaterThanEquals: (a: number, b: number) => a >= b,
} as const;
const TYPE_TESTS: Record<string, (v: unknown) => boolean> = {
  IsNumeric: (v) => typeof v === "number",
  IsString: (v) => typeof v === "string",
  IsBoolean: (v) => typeof v === "boolean",
  IsNull: (v) => v === null,
};

/**
 * A Choice rule. Comparisons read the Variable as a value that must exist (States.Runtime otherwise); a value of
 * another type than the operator's does not match ("Choice workflow state": a rule whose Variable is of a different
 * type than the comparison's does not match). The shipped rules type-test before they compare.
 */
function compileRule(state: string, field: string, r: Record<string, unknown>, inMap: boolean): Rule {
  const keys = Object.keys(r);
  if (keys.length === 1 && (keys[0] === "And" || keys[0] === "Or")) {
    const list = r[keys[0]];
    if (!Array.isArray(list) || list.length === 0) throw new AslSubsetError(state, `${field}.${keys[0]}`, "non-empty");
    const rules = list.map((x, i) => compileRule(state, `${field}.${keys[0]}[${i}]`, x, inMap));
    return keys[0] === "And"
      ? (input, ctx) => rules.every((t) => t(input, ctx))
      : (input, ctx) => rules.some((t) => t(input, ctx));
  }
  if (keys.length === 1 && keys[0] === "Not") {
    const inner = compileRule(state, `${field}.Not`, r.Not as Record<string, unknown>, inMap);
    return (input, ctx) => !inner(input, ctx);
  }
  const op = keys.filter((k) => k !== "Variable");
  if (typeof r.Variable !== "string" || op.length !== 1) {
    throw new AslSubsetError(state, field, `a rule needs a Variable and one operator (got ${keys.join(", ")})`);
  }
  const name = op[0]!;
  const text = r.Variable;
  const raw = compilePath(state, `${field}.Variable`, text, inMap);
  const operand = r[name];
  if (name === "IsPresent") {
    if (typeof operand !== "boolean") throw new AslSubsetError(state, `${field}.IsPresent`, "must be a boolean");
    return (input, ctx) => (raw(input, ctx) !== undefined) === operand;
  }
  const variable = definedValue(raw, text);
  const typeTest = TYPE_TESTS[name];
  if (typeTest) {
    if (typeof operand !== "boolean") throw new AslSubsetError(state, `${field}.${name}`, "must be a boolean");
    return (input, ctx) => typeTest(variable(input, ctx)) === operand;
  }
  if (name in NUMERIC) {
    if (typeof operand !== "number") throw new AslSubsetError(state, `${field}.${name}`, "must be a number");
    const cmp = NUMERIC[name as keyof typeof NUMERIC];
    return (input, ctx) => {
      const v = variable(input, ctx);
      return typeof v === "number" && cmp(v, operand);
    };
  }
  if (name.endsWith("Path") && name.slice(0, -4) in NUMERIC) {
    if (typeof operand !== "string") throw new AslSubsetError(state, `${field}.${name}`, "must be a path");
    const cmp = NUMERIC[name.slice(0, -4) as keyof typeof NUMERIC];
    const other = definedValue(compilePath(state, `${field}.${name}`, operand, inMap), operand);
    return (input, ctx) => {
      const v = variable(input, ctx);
      const w = other(input, ctx);
      if (typeof w !== "number") {
        throw runtimeError(`Path expression '${operand}' evaluated to ${JSON.stringify(w)}, but expected a number`);
      }
      return typeof v === "number" && cmp(v, w);
    };
  }
  if (name === "StringEquals") {
    if (typeof operand !== "string") throw new AslSubsetError(state, `${field}.${name}`, "must be a string");
    return (input, ctx) => variable(input, ctx) === operand;
  }
  if (name === "BooleanEquals") {
    if (typeof operand !== "boolean") throw new AslSubsetError(state, `${field}.${name}`, "must be a boolean");
    return (input, ctx) => variable(input, ctx) === operand;
  }
  throw new AslSubsetError(state, `${field}.${name}`, "unsupported Choice operator");
}

// ---------------------------------------------------------------------------------------------------------------
// Execution

/** A Map iteration's abort: set when its Map failed; ends the iteration's pending sleep at once. */
interface Abort {
  aborted: boolean;
  /** The iteration's pending sleep (a Wait or a retry interval), if it is sleeping. */
  timer: ReturnType<typeof setTimeout> | undefined;
  wake: (() => void) | undefined;
}

function abort(a: Abort): void {
  if (a.aborted) return;
  a.aborted = true;
  const wake = a.wake;
  if (wake) {
    clearTimeout(a.timer);
    a.timer = undefined;
    a.wake = undefined;
    wake();
  }
}

/** A timer of `ms` (> 0; virtual inside the simulator's engine); an abort of `a` ends it early. */
function sleep(ms: number, a: Abort | undefined): Promise<void> {
  if (!a) return new Promise<void>((resolve) => setTimeout(resolve, ms));
  return new Promise<void>((resolve) => {
    a.wake = resolve;
    a.timer = setTimeout(() => {
      a.timer = undefined;
      a.wake = undefined;
      resolve();
    }, ms);
  });
}

/** Runs `machine` on `input`; resolves with the output, rejects with the error that failed it. */
export function runCompiled(machine: CompiledMachine, input: Json, hooks: InterpreterHooks): Promise<Json> {
  return runMachine(machine, input, { Execution: { Input: input } }, hooks, undefined);
}

/**
 * The execution loop: states one after the other, synchronously except where a state waits (a Task's handler, a
 * Wait's timer, a retry interval, a Map's iterations); retries and catchers in the same loop. `a`: the abort of the
 * Map iteration this loop runs, if any; an aborted iteration stops at its next await and enters no further state.
 */
async function runMachine(m: CompiledMachine, input: Json, ctx: Ctx, hooks: InterpreterHooks, a: Abort | undefined) {
  const entered = hooks.entered;
  let state = m.states.get(m.startAt)!;
  let raw = input;
  // The attempts per retrier of the current state since it was entered, made at its first failure.
  let attempts: number[] | undefined;
  entered.push(state.name);
  for (;;) {
    let output: Json;
    try {
      let v = raw;
      if (state.inputPath !== undefined) v = state.inputPath === null ? {} : state.inputPath(v, ctx);
      let result: Json;
      switch (state.type) {
        case "Task": {
          if (state.parameters) v = state.parameters(v, ctx);
          result = await runTask(state, v, hooks);
          if (a?.aborted) return undefined;
          break;
        }
        case "Pass":
          if (state.parameters) v = state.parameters(v, ctx);
          // As the reference: a falsy Result passes the input on.
          result = state.result ? state.result : v;
          break;
        case "Choice": {
          const target = choose(state, v, ctx);
          output = state.outputPath === undefined ? v : state.outputPath === null ? {} : state.outputPath(v, ctx);
          raw = output;
          state = m.states.get(target)!;
          attempts = undefined;
          entered.push(state.name);
          continue;
        }
        case "Wait": {
          let seconds = state.seconds;
          if (seconds === undefined) {
            // SecondsPath, as the Task it is lowered to for the reference (sim/secondsPathWaits.ts): read after
            // InputPath, a whole number >= 0, and the raw input passed on (that Task's ResultPath null).
            const s = state.secondsPath!(v, ctx);
            if (typeof s !== "number" || !Number.isInteger(s) || s < 0) {
              throw runtimeError(
                `Wait state "${state.name}": SecondsPath must name a whole number of seconds >= 0 (got ${JSON.stringify(s)})`,
              );
            }
            seconds = s;
            v = raw;
          }
          const ms = hooks.waitMs(state.name, seconds);
          if (ms > 0) {
            await sleep(ms, a);
            if (a?.aborted) return undefined;
          }
          result = v;
          break;
        }
        case "Succeed":
          return state.outputPath === undefined ? v : state.outputPath === null ? {} : state.outputPath(v, ctx);
        case "Fail":
          throw new StatesError(String(state.failError!(v, ctx)), String(state.failCause!(v, ctx)));
        case "Map":
          result = await runMap(state, v, ctx, hooks);
          break;
        default:
          throw new Error(`unreachable: ${state.type}`);
      }
      if (state.resultSelector) result = state.resultSelector(result, ctx);
      if (state.hasResultPath) result = applyResultPath(state.resultPath, raw, result);
      output = state.outputPath === undefined ? result : state.outputPath === null ? {} : state.outputPath(result, ctx);
    } catch (err) {
      // An aborted iteration whose Task failed meanwhile neither retries nor goes on to a catcher's state.
      if (a?.aborted) return undefined;
      const e = err as Error & { isRetryable?: boolean; isCatchable?: boolean };
      let retry = -1;
      if (state.retry) {
        attempts ??= state.retryZeros!.slice();
        retry = shouldRetry(state, e, attempts, hooks.noRetryDelays);
      }
      if (retry >= 0) {
        if (retryWaitMs > 0) {
          await sleep(retryWaitMs, a);
          if (a?.aborted) return undefined;
        }
        hooks.onRetried(state.name, state.retry![retry]!, attempts![retry]!, e.name);
        continue;
      }
      const catcher = matchCatcher(state, e);
      if (!catcher) throw err;
      raw = applyResultPath(catcher.resultPath, raw, { Error: e.name, Cause: e.message });
      state = m.states.get(catcher.next)!;
      attempts = undefined;
      entered.push(state.name);
      continue;
    }
    if (state.end) return output;
    raw = output;
    state = m.states.get(state.next)!;
    attempts = undefined;
    entered.push(state.name);
  }
}

/** A Choice's next state: the first rule that matches, else Default, else States.NoChoiceMatched. */
function choose(state: State, input: Json, ctx: Ctx): string {
  for (const c of state.choices!) if (c.test(input, ctx)) return c.next;
  if (state.default) return state.default;
  throw new StatesError("States.NoChoiceMatched", "States.NoChoiceMatched");
}

/**
 * A Task: the handler, failing with States.Timeout when it has not settled after TimeoutSeconds. The timer is armed
 * only when it could fire: not when every handler is known to settle within the Task's timeout
 * ({@link InterpreterHooks.handlersSettleWithinMs}, the simulator's Lambdas, which their own function timeout ends).
 */
function runTask(state: State, input: Json, hooks: InterpreterHooks): Promise<Json> {
  const handler = hooks.handlers[state.name];
  if (!handler) throw new Error(`fast executor: no handler bound to Task state "${state.name}"`);
  const timeoutMs = state.timeoutMs!;
  const p = handler(input);
  const bound = hooks.handlersSettleWithinMs;
  if (bound !== undefined && bound <= timeoutMs) return p;
  return new Promise<Json>((resolve, reject) => {
    const id = setTimeout(() => reject(new StatesError("States.Timeout", "States.Timeout")), timeoutMs);
    p.then(
      (v) => {
        clearTimeout(id);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(id);
        reject(e);
      },
    );
  });
}

function matches(list: readonly string[], state: State, e: Error): boolean {
  for (const n of list) {
    if (n === e.name || n === "States.ALL") return true;
    if (n === "States.TaskFailed" && state.type === "Task" && e.name !== "States.Timeout") return true;
  }
  return false;
}

/** The wait before the retry {@link shouldRetry} last chose (ms). */
let retryWaitMs = 0;

/**
 * The retrier walk: a jitter draw per FULL retrier examined (as the reference), the first matching retrier decides.
 * Returns its index (its attempt counted, its wait in {@link retryWaitMs}), or -1: no retry.
 */
function shouldRetry(state: State, e: Error & { isRetryable?: boolean }, attempts: number[], noDelays: boolean) {
  const retriers = state.retry!;
  const retryable = e.isRetryable ?? true;
  for (let i = 0; i < retriers.length; i++) {
    const r = retriers[i]!;
    let waitMs: number;
    if (noDelays) waitMs = 0;
    else {
      const interval = (r.IntervalSeconds ?? 1) * (r.BackoffRate ?? 2) ** attempts[i]!;
      waitMs = (r.MaxDelaySeconds && interval > r.MaxDelaySeconds ? r.MaxDelaySeconds : interval) * 1000;
      if (r.jitterFull) waitMs = Math.floor(Math.random() * (waitMs + 1));
    }
    if (retryable && matches(r.errorEquals, state, e)) {
      if (attempts[i]! >= (r.MaxAttempts ?? 3)) return -1;
      attempts[i]!++;
      retryWaitMs = waitMs;
      return i;
    }
  }
  return -1;
}

function matchCatcher(state: State, e: Error & { isCatchable?: boolean }): Catcher | undefined {
  if (!state.catch || !(e.isCatchable ?? true)) return undefined;
  for (const c of state.catch) if (matches(c.errorEquals, state, e)) return c;
  return undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && Object.getPrototypeOf(v) === Object.prototype;
}

/** ResultPath: the result at `path` of a copy of the raw input (copied along the path only). */
function applyResultPath(path: ResultPath, rawInput: Json, result: Json): Json {
  if (path === undefined) return result;
  if (path === null) return rawInput;
  if (!isPlainObject(rawInput)) {
    throw new StatesError("States.ResultPathMatchFailure", "States.ResultPathMatchFailure");
  }
  return setAt(path, 0, rawInput, result);
}

/** `target` (copied, or a new object when it is none) with `result` at `path[i..]`. */
function setAt(path: readonly string[], i: number, target: unknown, result: Json): unknown {
  if (i === path.length) return result;
  const o: Record<string, unknown> =
    typeof target === "object" && target !== null && !Array.isArray(target) ? { ...(target as object) } : {};
  const key = path[i]!;
  const existing = o[key];
  o[key] = setAt(path, i + 1, existing !== undefined ? existing : null, result);
  return o;
}

/**
 * A Map: one iteration per item, at most MaxConcurrency (0: 40, as the reference) at once, started in item order as
 * earlier ones end. The first failure fails the Map: no further iteration starts, and the running ones are aborted
 * (each stops at its next await, a sleep ends at once), as Step Functions stops a failed Map's iterations.
 */
async function runMap(state: State, input: Json, ctx: Ctx, hooks: InterpreterHooks): Promise<Json> {
  let items = input;
  if (state.itemsPath) {
    items = state.itemsPath(input, ctx);
    if (!Array.isArray(items)) {
      throw runtimeError(
        `Path expression '${state.itemsPathText}' evaluated to ${JSON.stringify(items)}, but expected an array`,
      );
    }
  }
  if (!Array.isArray(items)) {
    throw runtimeError("Input of Map state must be an array or ItemsPath property must point to an array");
  }
  const list = items as Json[];
  const n = list.length;
  const results = new Array<Json>(n);
  if (n === 0) return results;
  const processor = state.processor!;
  const children: Abort[] = [];
  let nextIndex = 0;
  let failed = false;
  const worker = async () => {
    while (nextIndex < n && !failed) {
      const i = nextIndex++;
      const item = list[i];
      let itemInput = item;
      if (state.itemSelector) {
        ctx.Map = { Item: { Index: i, Value: item } };
        try {
          itemInput = state.itemSelector(input, ctx);
        } finally {
          delete ctx.Map;
        }
      }
      const child: Abort = { aborted: false, timer: undefined, wake: undefined };
      children.push(child);
      try {
        results[i] = await runMachine(processor, itemInput, { Execution: { Input: itemInput } }, hooks, child);
      } catch (err) {
        failed = true;
        throw err;
      }
      if (child.aborted) return;
    }
  };
  const width = Math.min(n, state.maxConcurrency || 40);
  const workers = new Array<Promise<void>>(width);
  for (let w = 0; w < width; w++) workers[w] = worker();
  try {
    await Promise.all(workers);
  } catch (err) {
    failed = true;
    for (const c of children) abort(c);
    throw err;
  }
  return results;
}
